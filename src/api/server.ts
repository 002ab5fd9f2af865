import { Client, Connection } from '@temporalio/client';
import { loadSettings, SettingsError } from '../config/settings.js';
import { createDatabase, type KeelDatabase } from '../db/client.js';
import { buildApp } from './app.js';
import { backtestDefaultsFrom } from './backtests.js';

/**
 * Entrypoint of the HTTP API (`npm run api`): settings from the environment, a Temporal connection, PostgreSQL when
 * DATABASE_URL is set, then listen on KEEL_API_PORT until SIGINT/SIGTERM.
 */
async function main(): Promise<void> {
  const settings = loadSettings();
  const tokens = (settings.KEEL_API_TOKEN ?? '').split(',').map((t) => t.trim()).filter((t) => t !== '');
  if (tokens.length === 0) {
    throw new Error(
      'KEEL_API_TOKEN is not set, and the API never runs without authentication.\n' +
        '  Generate a token and start the API with it, e.g.:\n' +
        '    export KEEL_API_TOKEN="$(openssl rand -hex 32)"\n' +
        '    npm run api\n' +
        '  Clients then send "Authorization: Bearer <token>". Several tokens, separated by commas, are accepted while rotating.',
    );
  }

  const address = settings.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
  const connection = await Connection.connect({ address }).catch((error: unknown) => {
    throw new Error(`cannot reach Temporal at ${address} (${(error as Error).message}); is it running, or TEMPORAL_ADDRESS set?`);
  });
  let database: KeelDatabase | undefined;
  try {
    // PostgreSQL only: the embedded database belongs to the single process that opened it (the workers).
    if (settings.DATABASE_URL) database = await createDatabase({ url: settings.DATABASE_URL });
  } catch (error) {
    await connection.close();
    throw error;
  }

  const client = new Client({ connection, namespace: settings.TEMPORAL_NAMESPACE });
  const app = buildApp({
    client,
    namespace: settings.TEMPORAL_NAMESPACE,
    ...(database && { db: database.db }),
    apiTokens: tokens,
    logger: { level: settings.LOG_LEVEL },
    temporalUiUrl: settings.KEEL_TEMPORAL_UI_URL ?? `http://localhost:${settings.TEMPORAL_UI_PORT}`,
    cycleDefaults: { taskQueuePrefix: settings.KEEL_TASK_QUEUE_PREFIX },
    backtestDefaults: backtestDefaultsFrom(settings),
    trustProxy: settings.KEEL_API_TRUST_PROXY,
    ...(settings.KEEL_API_SECURE_COOKIE !== 'auto' && { secureCookies: settings.KEEL_API_SECURE_COOKIE === 'always' }),
    authFailuresPerMinute: settings.KEEL_API_AUTH_FAILURES_PER_MINUTE,
  });
  if (!database) app.log.warn('DATABASE_URL is not set: the record routes (ticks, positions, orders, signals, analyses, candles) answer 503');

  let closing: Promise<void> | undefined;
  const shutdown = (signal: string): Promise<void> =>
    (closing ??= (async () => {
      app.log.info({ signal }, 'stopping: finishing in-flight requests (send the signal again to force)');
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      try {
        await app.close();
      } finally {
        await database?.close();
        await connection.close();
      }
      app.log.info('stopped');
    })());
  process.once('SIGINT', () => void shutdown('SIGINT').catch(exitWithError));
  process.once('SIGTERM', () => void shutdown('SIGTERM').catch(exitWithError));

  try {
    await app.listen({ port: settings.KEEL_API_PORT, host: settings.KEEL_API_HOST });
  } catch (error) {
    await shutdown('listen failed');
    throw new Error(`cannot listen on ${settings.KEEL_API_HOST}:${settings.KEEL_API_PORT} (${(error as Error).message}); set KEEL_API_PORT to a free port`);
  }
}

function exitWithError(error: unknown): void {
  console.error(error instanceof SettingsError ? error.message : `keel api: ${(error as Error)?.message ?? String(error)}`);
  process.exit(1);
}

main().catch(exitWithError);
