import pg from 'pg';
import { createDatabase, type KeelDatabase } from '../../src/db/client.js';

export const usingPostgres = Boolean(process.env.DATABASE_URL);

/**
 * A fresh database for one test file: a throw-away PostgreSQL database when DATABASE_URL is set (so files can run
 * in parallel), otherwise an in-memory PGlite. `url` is set only for PostgreSQL (other processes can connect).
 */
export async function freshDatabase(): Promise<KeelDatabase & { url?: string; drop(): Promise<void> }> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const database = await createDatabase({});
    return { ...database, close: database.close, drop: database.close };
  }
  const name = `keel_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await createDatabase({ url: url.toString() });
  return {
    ...database,
    url: url.toString(),
    async drop() {
      await database.close();
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}
