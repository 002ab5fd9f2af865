import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/app.js';
import { backtestDefaultsFrom } from '../api/backtests.js';
import type { Settings } from '../config/settings.js';
import type { Database } from '../db/client.js';

/** Ports tried after KEEL_API_PORT when it is taken (another `npm run api`, another app on 8080). */
const PORTS_TO_TRY = 10;

export interface DevApi {
  app: FastifyInstance;
  /** The dashboard's login page, e.g. http://127.0.0.1:8080/. */
  url: string;
  port: number;
  /** The port asked for (KEEL_API_PORT), when it was taken and `port` is another one. */
  takenPort?: number;
  /** The bearer token and dashboard login. */
  token: string;
  /** true when KEEL_API_TOKEN was unset and `token` was made up for this run. */
  generatedToken: boolean;
}

/** The first KEEL_API_TOKEN, or a random one for this run (48 hex characters, what the API accepts). */
export function devApiToken(settings: Readonly<Settings>): { tokens: string[]; generated: boolean } {
  const configured = (settings.KEEL_API_TOKEN ?? '').split(',').map((t) => t.trim()).filter((t) => t !== '');
  return configured.length > 0 ? { tokens: configured, generated: false } : { tokens: [randomBytes(24).toString('hex')], generated: true };
}

function isAddressInUse(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}

/** A browser-usable host: 0.0.0.0 and :: listen everywhere, but a link needs an address. */
function linkHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * The HTTP API and dashboard inside `npm start`, on the workers' own database handle and Temporal client, so the
 * embedded PGlite (which only one process may open) serves the positions, orders and equity chart too. Listens on
 * KEEL_API_HOST:KEEL_API_PORT, or the next free port of the PORTS_TO_TRY after it. Returns null when none is free:
 * the cycle runs on without its dashboard.
 */
export async function startDevApi(options: { settings: Readonly<Settings>; client: Client; db: Database; temporalUiUrl: string }): Promise<DevApi | null> {
  const { settings } = options;
  const { tokens, generated } = devApiToken(settings);
  const app = buildApp({
    client: options.client,
    namespace: settings.TEMPORAL_NAMESPACE,
    db: options.db,
    apiTokens: tokens,
    // The terminal belongs to the progress lines: requests log only when something is wrong.
    logger: { level: settings.LOG_LEVEL === 'info' ? 'warn' : settings.LOG_LEVEL },
    temporalUiUrl: options.temporalUiUrl,
    cycleDefaults: { taskQueuePrefix: settings.KEEL_TASK_QUEUE_PREFIX },
    backtestDefaults: backtestDefaultsFrom(settings),
    // The same security settings as `npm run api` (src/api/server.ts).
    trustProxy: settings.KEEL_API_TRUST_PROXY,
    ...(settings.KEEL_API_SECURE_COOKIE !== 'auto' && { secureCookies: settings.KEEL_API_SECURE_COOKIE === 'always' }),
    authFailuresPerMinute: settings.KEEL_API_AUTH_FAILURES_PER_MINUTE,
  });
  const host = settings.KEEL_API_HOST;
  for (let port = settings.KEEL_API_PORT; port < settings.KEEL_API_PORT + PORTS_TO_TRY && port <= 65535; port++) {
    try {
      await app.listen({ port, host });
    } catch (error) {
      if (isAddressInUse(error)) continue;
      await app.close();
      throw error;
    }
    return {
      app,
      url: `http://${linkHost(host)}:${port}/`,
      port,
      ...(port !== settings.KEEL_API_PORT && { takenPort: settings.KEEL_API_PORT }),
      token: tokens[0]!,
      generatedToken: generated,
    };
  }
  await app.close();
  return null;
}
