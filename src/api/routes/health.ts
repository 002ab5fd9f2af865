import type { FastifyInstance } from 'fastify';

/** Liveness only, and the one route without authentication: it says the process serves HTTP, nothing more. */
export function registerHealthRoutes(app: FastifyInstance): void {
  app.get('/health', { config: { auth: false } }, async () => ({ status: 'ok' as const }));
}
