import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDatabase } from '../../src/db/client.js';
import type { Database, DatabaseOptions, KeelDatabase } from '../../src/db/client.js';

/** PostgreSQL when DATABASE_URL is set (CI, docker compose), in-memory PGlite otherwise. */
export const adminUrl = process.env.DATABASE_URL || undefined;
export const backend = adminUrl === undefined ? 'pglite' : 'postgres';

export interface FreshDatabase {
  keel: KeelDatabase;
  db: Database;
  /** URL of the throw-away PostgreSQL database; undefined on PGlite. */
  url: string | undefined;
  /** Closes the handle and drops the throw-away database. */
  dispose(): Promise<void>;
}

/**
 * A migrated, empty database for one test file. On PostgreSQL every call creates its own database
 * (keel_test_<random>) so test files can run in parallel against one server without seeing each other's rows.
 */
export async function freshDatabase(options: Pick<DatabaseOptions, 'onQuery'> = {}): Promise<FreshDatabase> {
  if (adminUrl === undefined) {
    const keel = await createDatabase({ ...options });
    return { keel, db: keel.db, url: undefined, dispose: () => keel.close() };
  }
  const scratch = await createScratchDatabase();
  try {
    const keel = await createDatabase({ url: scratch.url, ...options });
    return {
      keel,
      db: keel.db,
      url: scratch.url,
      dispose: async () => {
        await keel.close();
        await scratch.drop();
      },
    };
  } catch (error) {
    await scratch.drop();
    throw error;
  }
}

/** An empty PostgreSQL database (not migrated) and a way to drop it. Requires DATABASE_URL. */
export async function createScratchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (adminUrl === undefined) throw new Error('createScratchDatabase needs DATABASE_URL');
  const name = `keel_test_${randomBytes(6).toString('hex')}`;
  await withAdmin((admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    // FORCE (PostgreSQL 13+) ends connections a failed test may have left open.
    drop: () => withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

async function withAdmin<T>(run: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    return await run(admin);
  } finally {
    await admin.end();
  }
}
