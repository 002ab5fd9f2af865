import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { Logger } from 'drizzle-orm/logger';
import type { PoolClient } from 'pg';
import { KeelError } from '../domain/errors.js';
import { connectionFailure, describeTarget, isConnectionError, redactUrl } from './errors.js';
import * as schema from './schema/index.js';
import { initPgliteDir } from './pglite-initdb.js';

/** The typed drizzle handle every query function takes; the same type for PostgreSQL and PGlite (and transactions). */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface KeelDatabase {
  db: Database;
  kind: 'postgres' | 'pglite';
  /** Ends the pool or closes PGlite. Safe to call more than once. */
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres:// URL (DATABASE_URL). When absent keel uses the embedded PGlite database. */
  url?: string;
  /** PGlite data directory; undefined or 'memory://' for a throw-away in-memory database. Ignored with `url`. */
  dataDir?: string;
  /** Sees every SQL statement drizzle sends, e.g. for debug logging or for tests that count statements. */
  onQuery?: (sql: string, params: unknown[]) => void;
}

const POOL_MAX_CONNECTIONS = 10;
const CONNECT_TIMEOUT_MS = 10_000;
const IDLE_TIMEOUT_MS = 30_000;
/** Session advisory lock key (hashed by PostgreSQL) that serializes migrators across worker processes. */
const MIGRATION_LOCK_NAME = 'keel:migrations';
const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

/** Opens the database and brings its schema up to date; migrations are idempotent and safe to race. */
export async function createDatabase(options: DatabaseOptions = {}): Promise<KeelDatabase> {
  const logger: Logger | undefined = options.onQuery ? { logQuery: options.onQuery } : undefined;
  if (options.url !== undefined && options.url !== '') return openPostgres(options.url, logger);
  return openPglite(options.dataDir, logger);
}

async function openPostgres(url: string, logger: Logger | undefined): Promise<KeelDatabase> {
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    throw new KeelError('InvalidConfig', `DATABASE_URL must start with postgres:// or postgresql:// (got "${redactUrl(url)}")`);
  }
  const [{ default: pg }, { drizzle }, { migrate }] = await Promise.all([
    import('pg'),
    import('drizzle-orm/node-postgres'),
    import('drizzle-orm/node-postgres/migrator'),
  ]);
  const pool = new pg.Pool({
    connectionString: url,
    max: POOL_MAX_CONNECTIONS,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
  });
  // An idle connection dropped by the server emits 'error' on the pool, which would crash the process if unheard.
  // The pool discards that connection by itself and the next query reports any lasting outage, so ignoring is right.
  pool.on('error', () => undefined);

  const migrator = await pool.connect().catch(async (error: unknown) => {
    await pool.end().catch(() => undefined);
    throw connectionFailure(url, error, CONNECT_TIMEOUT_MS);
  });
  try {
    // Lock and migrate on the same dedicated connection: several workers may start at once, and the migrator's
    // CREATE SCHEMA / CREATE TABLE IF NOT EXISTS are not safe to race.
    await migrator.query('SELECT pg_advisory_lock(hashtext($1))', [MIGRATION_LOCK_NAME]);
    await migrate(drizzle({ client: migrator, schema }), { migrationsFolder });
    await migrator.query('SELECT pg_advisory_unlock(hashtext($1))', [MIGRATION_LOCK_NAME]);
    migrator.release();
  } catch (error) {
    // Destroying the connection also drops the session lock, whatever state the migration left it in.
    releaseBroken(migrator, error);
    await pool.end().catch(() => undefined);
    if (isConnectionError(error)) throw connectionFailure(url, error, CONNECT_TIMEOUT_MS);
    const { host, port } = describeTarget(url);
    throw new KeelError('DatabaseError', `migrating PostgreSQL at ${host}:${port} failed: ${errorText(error)}`, { cause: error });
  }

  const db: Database = drizzle({ client: pool, schema, ...(logger ? { logger } : {}) });
  return { db, kind: 'postgres', close: once(() => pool.end()) };
}

async function openPglite(dataDir: string | undefined, logger: Logger | undefined): Promise<KeelDatabase> {
  const [{ PGlite }, { drizzle }, { migrate }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('drizzle-orm/pglite'),
    import('drizzle-orm/pglite/migrator'),
  ]);
  const inMemory = dataDir === undefined || dataDir === '' || dataDir === 'memory://';
  const where = inMemory ? 'in memory' : `at ${dataDir}`;
  let client: InstanceType<typeof PGlite>;
  try {
    if (!inMemory && dataDir !== undefined && !existsSync(path.join(dataDir, 'PG_VERSION'))) await initPgliteDir(dataDir);
    client = inMemory ? new PGlite() : new PGlite(dataDir);
    await client.waitReady;
  } catch (error) {
    // PGlite is single-process: a second process opening the same directory is the usual culprit.
    throw new KeelError(
      'DatabaseUnavailable',
      `cannot open the embedded database ${where}: ${errorText(error)}; check the directory is writable and not open in another keel process, or set DATABASE_URL`,
      { cause: error, retryable: false },
    );
  }
  try {
    await migrate(drizzle({ client, schema }), { migrationsFolder });
  } catch (error) {
    await client.close().catch(() => undefined);
    throw new KeelError('DatabaseError', `migrating the embedded database ${where} failed: ${errorText(error)}`, { cause: error });
  }
  const db: Database = drizzle({ client, schema, ...(logger ? { logger } : {}) });
  return { db, kind: 'pglite', close: once(() => client.close()) };
}

function releaseBroken(client: PoolClient, error: unknown): void {
  try {
    client.release(error instanceof Error ? error : true);
  } catch {
    // Already released or destroyed: nothing left to clean up.
  }
}

function errorText(error: unknown): string {
  // drizzle's own message repeats the whole SQL; the driver's message underneath is the useful part.
  let current: unknown = error;
  while (current instanceof Error && current.message.startsWith('Failed query:') && current.cause !== undefined) current = current.cause;
  return redactUrl(current instanceof Error ? current.message : String(current));
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}
