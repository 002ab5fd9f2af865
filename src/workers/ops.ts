import { sql } from 'drizzle-orm';
import { SettingsError } from '../config/settings.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../observability/logger.js';
import type { KeelMetrics } from '../observability/metrics.js';
import { startOpsServer, type OpsServer, type WorkerLike } from '../observability/ops-server.js';

/** The Prometheus exporter's conventional port: /metrics, /healthz and /readyz of a keel process. */
export const DEFAULT_OPS_PORT = 9464;
export const DEFAULT_OPS_HOST = '127.0.0.1';

export interface OpsSettings {
  port: number;
  host: string;
}

/**
 * KEEL_OPS_PORT (default 9464; 0 = any free port) and KEEL_OPS_HOST (default 127.0.0.1; 0.0.0.0 in containers so
 * Prometheus and probes from outside reach it). Read here until src/config/settings.ts carries them.
 */
export function opsSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): OpsSettings {
  const problems: string[] = [];
  const rawPort = env.KEEL_OPS_PORT?.trim() ?? '';
  let port = DEFAULT_OPS_PORT;
  if (rawPort !== '') {
    port = Number(rawPort);
    if (!/^\d+$/.test(rawPort) || port > 65535) problems.push(`KEEL_OPS_PORT must be a TCP port (0-65535, 0 = any free port) for /metrics, /healthz and /readyz (got "${rawPort}")`);
  }
  const host = env.KEEL_OPS_HOST?.trim() || DEFAULT_OPS_HOST;
  if (/\s|\//.test(host)) problems.push(`KEEL_OPS_HOST must be an interface address such as 127.0.0.1 or 0.0.0.0 (got "${host}")`);
  if (problems.length > 0) throw new SettingsError(problems);
  return { port, host };
}

/** Readiness check of the database: `select 1`. */
export function databaseReadyCheck(db: Database): () => Promise<void> {
  return async () => {
    await db.execute(sql`select 1`);
  };
}

export interface ProcessOpsOptions extends OpsSettings {
  logger: Logger;
  metrics: KeelMetrics;
  /** The Temporal runtime's Prometheus endpoint (installTemporalRuntimeWithMetrics). */
  sdkMetricsUrl: string | null;
  workers: () => readonly WorkerLike[];
  /** Readiness also needs `select 1` to succeed on it. */
  db?: Database;
  /**
   * When the port is taken: 'fail' (worker processes, whose probes must answer) throws a clear error; 'warn' (the
   * all-in-one dev run) logs and runs without the endpoint.
   */
  whenPortTaken: 'fail' | 'warn';
}

/** Starts the process's ops server (/metrics, /healthz, /readyz) and logs where it listens. */
export async function startProcessOps(options: ProcessOpsOptions): Promise<OpsServer | null> {
  try {
    const server = await startOpsServer({
      port: options.port,
      host: options.host,
      metrics: options.metrics,
      sdkMetricsUrl: options.sdkMetricsUrl,
      workers: options.workers,
      ...(options.db && { checks: { database: databaseReadyCheck(options.db) } }),
    });
    options.logger.info({ url: server.url, routes: ['/metrics', '/healthz', '/readyz'], sdkMetrics: options.sdkMetricsUrl !== null }, 'ops server listening');
    return server;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EADDRINUSE' && code !== 'EACCES' && code !== 'EADDRNOTAVAIL') throw error;
    const hint =
      code === 'EADDRINUSE'
        ? 'another process (another keel worker?) uses the port; give each process on this host its own KEEL_OPS_PORT, or 0 for any free port'
        : code === 'EACCES'
          ? 'the port needs privileges; choose KEEL_OPS_PORT above 1023'
          : 'no such interface; check KEEL_OPS_HOST';
    const message = `cannot serve /metrics, /healthz and /readyz on ${options.host}:${options.port} (${code}): ${hint}`;
    if (options.whenPortTaken === 'fail') throw new Error(message, { cause: error });
    options.logger.warn(message);
    return null;
  }
}
