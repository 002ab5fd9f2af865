import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createDatabase } from '../../../src/db/client.js';
import { countCandles, upsertCandles } from '../../../src/db/queries/candles.js';
import { isKeelError } from '../../../src/domain/errors.js';
import { backend, createScratchDatabase } from '../../helpers/fresh-db.js';

const key = { exchange: 'sim', symbol: 'BTC/USDT', timeframe: '1h' };
/** Every migration in the journal is applied exactly once, however often the database is opened. */
const MIGRATIONS = (JSON.parse(readFileSync('src/db/migrations/meta/_journal.json', 'utf8')) as { entries: unknown[] }).entries.length;
const candle = { ts: 1_700_000_000_000, open: 1, high: 2, low: 0.5, close: 1.5, volume: 10 };

async function migrationCount(db: Awaited<ReturnType<typeof createDatabase>>['db']): Promise<number> {
  const result = await db.execute<{ n: number }>(sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
  const rows = (result as unknown as { rows: Array<{ n: number }> }).rows;
  return rows[0]?.n ?? -1;
}

describe(`createDatabase (${backend})`, () => {
  it.runIf(backend === 'postgres')('applies migrations twice, and concurrently, without error', async () => {
    const scratch = await createScratchDatabase();
    try {
      // Several workers starting at once on an empty database: the advisory lock makes them take turns.
      const racers = await Promise.all([1, 2, 3].map(() => createDatabase({ url: scratch.url })));
      for (const racer of racers) expect(racer.kind).toBe('postgres');
      await upsertCandles(racers[0]!.db, key, [candle]);
      await Promise.all(racers.map((r) => r.close()));
      // A later start finds everything applied and keeps the data.
      const again = await createDatabase({ url: scratch.url });
      expect(await countCandles(again.db, { exchange: 'sim' })).toBe(1);
      expect(await migrationCount(again.db)).toBe(MIGRATIONS);
      await again.close();
    } finally {
      await scratch.drop();
    }
  });

  it('applies migrations twice on a persistent PGlite directory and keeps the data', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'keel-pglite-'));
    try {
      const first = await createDatabase({ dataDir: join(dir, 'data') });
      expect(first.kind).toBe('pglite');
      await upsertCandles(first.db, key, [candle]);
      await first.close();
      await first.close(); // closing twice is harmless
      const second = await createDatabase({ dataDir: join(dir, 'data') });
      expect(await countCandles(second.db, { exchange: 'sim' })).toBe(1);
      expect(await migrationCount(second.db)).toBe(MIGRATIONS);
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('opens an in-memory PGlite for memory:// and for no options', async () => {
    for (const options of [{}, { dataDir: 'memory://' }]) {
      const keel = await createDatabase(options);
      expect(keel.kind).toBe('pglite');
      expect(await countCandles(keel.db, { exchange: 'sim' })).toBe(0);
      await keel.close();
    }
  });

  it('reports an unreachable PostgreSQL as DatabaseUnavailable with a fix, never the password', async () => {
    const error: unknown = await createDatabase({ url: 'postgres://keel:secret@127.0.0.1:1/x' }).then(
      () => new Error('expected createDatabase to fail'),
      (e: unknown) => e,
    );
    expect(isKeelError(error)).toBe(true);
    if (!isKeelError(error)) return;
    expect(error.code).toBe('DatabaseUnavailable');
    expect(error.retryable).toBe(true);
    expect(error.message).toBe(
      'cannot reach PostgreSQL at 127.0.0.1:1 (ECONNREFUSED): start it or unset DATABASE_URL to use the embedded database',
    );
    expect(error.message).not.toContain('secret');
    expect(String(error.stack)).not.toContain('secret');
  });

  it('rejects a URL that is not postgres:// as InvalidConfig without echoing the password', async () => {
    await expect(createDatabase({ url: 'mysql://keel:secret@localhost/x' })).rejects.toSatisfy(
      (e: unknown) => isKeelError(e) && e.code === 'InvalidConfig' && e.message.includes('mysql://keel:***@localhost/x') && !e.message.includes('secret'),
    );
  });

  it.runIf(backend === 'postgres')('names a missing database and how to create it', async () => {
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = '/keel_no_such_database';
    url.password = 'secret';
    await expect(createDatabase({ url: url.toString() })).rejects.toSatisfy(
      (e: unknown) =>
        isKeelError(e) &&
        e.code === 'DatabaseUnavailable' &&
        !e.retryable &&
        e.message.includes('database "keel_no_such_database" does not exist') &&
        !e.message.includes('secret'),
    );
  });
});
