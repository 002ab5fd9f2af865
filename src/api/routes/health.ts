import type { FastifyInstance } from 'fastify';
import { addOperation, type OperationRegistry } from '../operations.js';
import { healthSchema } from '../schemas.js';

/** Liveness only, and the one route without authentication: it says the process serves HTTP, nothing more. */
export function registerHealthRoutes(app: FastifyInstance, registry: OperationRegistry): void {
  addOperation(
    app,
    registry,
    {
      method: 'GET',
      path: '/health',
      operationId: 'health',
      tag: 'health',
      summary: 'Liveness: the process serves HTTP (no authentication)',
      auth: false,
      ignoreQuery: true,
      responses: { 200: { description: 'serving', schema: healthSchema } },
      errors: [],
    },
    async () => ({ status: 'ok' as const }),
  );
}
