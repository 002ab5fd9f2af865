import { and, asc, count, desc, eq, gte, inArray, lte } from 'drizzle-orm';
import { KeelError } from '../../domain/errors.js';
import type { Candle } from '../../domain/market-types.js';
import type { Database } from '../client.js';
import { withDatabaseErrors } from '../errors.js';
import { candles } from '../schema/index.js';
import { chunkForInsert } from './sql-helpers.js';

/** Identifies one candle series. */
export interface CandleSeriesKey {
  exchange: string;
  symbol: string;
  timeframe: string;
}

const COLUMNS_PER_CANDLE = 9;

function seriesFilter(key: CandleSeriesKey) {
  return and(eq(candles.exchange, key.exchange), eq(candles.symbol, key.symbol), eq(candles.timeframe, key.timeframe));
}

/** Open time (epoch ms) of the newest stored candle of the series, or null when none is stored. */
export async function getLastCandleTs(db: Database, key: CandleSeriesKey): Promise<number | null> {
  return withDatabaseErrors('getLastCandleTs', async () => {
    const rows = await db.select({ ts: candles.ts }).from(candles).where(seriesFilter(key)).orderBy(desc(candles.ts)).limit(1);
    return rows[0]?.ts ?? null;
  });
}

/**
 * Stores closed candles and returns how many were new. Closed candles never change, so rows already stored are
 * kept (ON CONFLICT DO NOTHING) and a repeated call writes nothing. The whole batch is validated before anything is
 * written: one bad candle rejects all of them with InvalidMarketData.
 */
export async function upsertCandles(db: Database, key: CandleSeriesKey, batch: readonly Candle[]): Promise<number> {
  for (const candle of batch) validateCandle(key, candle);
  if (batch.length === 0) return 0;
  const rows = batch.map((c) => ({ ...key, ts: c.ts, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume }));
  const chunks = chunkForInsert(rows, COLUMNS_PER_CANDLE);
  const insertChunk = async (tx: Database, chunk: typeof rows): Promise<number> => {
    const inserted = await tx.insert(candles).values(chunk).onConflictDoNothing().returning({ ts: candles.ts });
    return inserted.length;
  };
  return withDatabaseErrors('upsertCandles', async () => {
    const [only] = chunks;
    if (chunks.length === 1 && only !== undefined) return insertChunk(db, only);
    // Only huge backfills get here; one transaction keeps "all or nothing" true for them too.
    return db.transaction(async (tx) => {
      let total = 0;
      for (const chunk of chunks) total += await insertChunk(tx, chunk);
      return total;
    });
  });
}

function validateCandle(key: CandleSeriesKey, candle: Candle): void {
  const reject = (problem: string): never => {
    throw new KeelError('InvalidMarketData', `invalid ${key.timeframe} candle for ${key.symbol} on ${key.exchange} at ts ${String(candle.ts)}: ${problem}`);
  };
  if (!Number.isSafeInteger(candle.ts) || candle.ts < 0) reject('ts must be a non-negative integer (epoch milliseconds)');
  for (const field of ['open', 'high', 'low', 'close'] as const) {
    const value = candle[field];
    if (!Number.isFinite(value) || value <= 0) reject(`${field} is ${String(value)}, expected a finite positive number`);
  }
  if (!Number.isFinite(candle.volume) || candle.volume < 0) reject(`volume is ${String(candle.volume)}, expected a finite non-negative number`);
  if (candle.high < candle.low) reject(`high ${candle.high} is below low ${candle.low}`);
}

export interface RecentCandlesQuery extends CandleSeriesKey {
  /** Newest candle open time (epoch ms) to include. */
  untilOpenTs: number;
  limit: number;
}

/** The newest `limit` candles opening at or before `untilOpenTs`, oldest first (the order indicators consume). */
export async function loadRecentCandles(db: Database, query: RecentCandlesQuery): Promise<Candle[]> {
  return withDatabaseErrors('loadRecentCandles', async () => {
    const rows = await db
      .select({ ts: candles.ts, open: candles.open, high: candles.high, low: candles.low, close: candles.close, volume: candles.volume })
      .from(candles)
      .where(and(seriesFilter(query), lte(candles.ts, query.untilOpenTs)))
      .orderBy(desc(candles.ts))
      .limit(Math.max(0, Math.floor(query.limit)));
    return rows.reverse();
  });
}

export interface ClosesBetweenQuery {
  exchange: string;
  timeframe: string;
  symbols: readonly string[];
  /** Open times (epoch ms) of the first and last candle to include. */
  fromTs: number;
  untilOpenTs: number;
}

/** Every stored close of `symbols` with open time in [fromTs, untilOpenTs], in one query (the correlation measurement). */
export async function loadClosesBetween(db: Database, query: ClosesBetweenQuery): Promise<Array<{ symbol: string; ts: number; close: number }>> {
  if (query.symbols.length === 0) return [];
  return withDatabaseErrors('loadClosesBetween', async () =>
    db
      .select({ symbol: candles.symbol, ts: candles.ts, close: candles.close })
      .from(candles)
      .where(
        and(
          eq(candles.exchange, query.exchange),
          eq(candles.timeframe, query.timeframe),
          inArray(candles.symbol, [...query.symbols]),
          gte(candles.ts, query.fromTs),
          lte(candles.ts, query.untilOpenTs),
        ),
      )
      .orderBy(asc(candles.symbol), asc(candles.ts)),
  );
}

/** How many candles are stored for an exchange, optionally narrowed to a symbol and/or timeframe. */
export async function countCandles(db: Database, filter: { exchange: string; symbol?: string; timeframe?: string }): Promise<number> {
  return withDatabaseErrors('countCandles', async () => {
    const conditions = [eq(candles.exchange, filter.exchange)];
    if (filter.symbol !== undefined) conditions.push(eq(candles.symbol, filter.symbol));
    if (filter.timeframe !== undefined) conditions.push(eq(candles.timeframe, filter.timeframe));
    const [row] = await db.select({ n: count() }).from(candles).where(and(...conditions));
    return row?.n ?? 0;
  });
}
