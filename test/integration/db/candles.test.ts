import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { countCandles, getLastCandleTs, loadRecentCandles, upsertCandles } from '../../../src/db/queries/candles.js';
import type { Candle } from '../../../src/domain/market-types.js';
import { backend, freshDatabase } from '../../helpers/fresh-db.js';
import type { FreshDatabase } from '../../helpers/fresh-db.js';

const HOUR_MS = 3_600_000;
const T0 = 1_700_000_000_000 - (1_700_000_000_000 % HOUR_MS);
const key = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1h' };

function series(count: number, startTs = T0): Candle[] {
  return Array.from({ length: count }, (_, i) => {
    const open = 100 + i;
    return { ts: startTs + i * HOUR_MS, open, high: open + 2, low: open - 1, close: open + 1, volume: 10 + i / 4 };
  });
}

describe(`candle queries (${backend})`, () => {
  let fresh: FreshDatabase;
  const statements: string[] = [];

  beforeAll(async () => {
    fresh = await freshDatabase({ onQuery: (text) => statements.push(text) });
  });
  afterAll(async () => {
    await fresh?.dispose();
  });
  beforeEach(() => {
    statements.length = 0;
  });

  it('inserts N candles in one statement, then 0 on repeat', async () => {
    const candles = series(500);
    expect(await upsertCandles(fresh.db, key, candles)).toBe(500);
    expect(statements.filter((s) => /^insert into "candles"/i.test(s))).toHaveLength(1);
    expect(statements).toHaveLength(1);

    statements.length = 0;
    expect(await upsertCandles(fresh.db, key, candles)).toBe(0);
    expect(statements).toHaveLength(1);
    expect(await countCandles(fresh.db, key)).toBe(500);
    expect(await getLastCandleTs(fresh.db, key)).toBe(T0 + 499 * HOUR_MS);
  });

  it('counts only the new rows of a partly stored batch and keeps stored candles unchanged', async () => {
    const k = { ...key, symbol: 'ETH/USDT' };
    await upsertCandles(fresh.db, k, series(10));
    const overlapping = series(15, T0 + 5 * HOUR_MS).map((c) => ({ ...c, close: c.close * 2 }));
    expect(await upsertCandles(fresh.db, k, overlapping)).toBe(10);
    const stored = await loadRecentCandles(fresh.db, { ...k, untilOpenTs: T0 + 5 * HOUR_MS, limit: 1 });
    expect(stored[0]?.close).toBe(106); // the first write wins: closed candles are immutable
    expect(await countCandles(fresh.db, k)).toBe(20);
  });

  it('rejects the whole batch when one candle is bad, naming symbol, ts and field, and writes nothing', async () => {
    const k = { ...key, symbol: 'SOL/USDT' };
    const candles = series(5);
    candles[3] = { ...candles[3]!, close: Number.NaN };
    await expect(upsertCandles(fresh.db, k, candles)).rejects.toMatchObject({
      name: 'KeelError',
      code: 'InvalidMarketData',
      retryable: false,
      message: `invalid 1h candle for SOL/USDT on binance at ts ${T0 + 3 * HOUR_MS}: close is NaN, expected a finite positive number`,
    });
    expect(statements).toHaveLength(0);
    expect(await countCandles(fresh.db, k)).toBe(0);
  });

  it.each([
    ['fractional ts', { ts: T0 + 0.5 }, 'ts must be a non-negative integer (epoch milliseconds)'],
    ['zero open', { open: 0 }, 'open is 0, expected a finite positive number'],
    ['infinite high', { high: Number.POSITIVE_INFINITY }, 'high is Infinity, expected a finite positive number'],
    ['negative volume', { volume: -1 }, 'volume is -1, expected a finite non-negative number'],
    ['high below low', { high: 99, low: 100 }, 'high 99 is below low 100'],
  ])('rejects %s', async (_name, patch, problem) => {
    const k = { ...key, symbol: 'ADA/USDT' };
    const bad = { ...series(1)[0]!, ...patch };
    await expect(upsertCandles(fresh.db, k, [bad])).rejects.toThrow(`invalid 1h candle for ADA/USDT on binance at ts ${bad.ts}: ${problem}`);
    expect(await countCandles(fresh.db, k)).toBe(0);
  });

  it('loads the newest `limit` candles up to untilOpenTs, oldest first', async () => {
    const k = { ...key, symbol: 'XRP/USDT' };
    await upsertCandles(fresh.db, k, series(50));
    const until = T0 + 39 * HOUR_MS;
    const loaded = await loadRecentCandles(fresh.db, { ...k, untilOpenTs: until, limit: 30 });
    expect(loaded).toHaveLength(30);
    expect(loaded[0]?.ts).toBe(T0 + 10 * HOUR_MS);
    expect(loaded.at(-1)?.ts).toBe(until);
    expect(loaded.every((c, i) => i === 0 || c.ts - loaded[i - 1]!.ts === HOUR_MS)).toBe(true);
    expect(loaded.at(-1)).toEqual({ ts: until, open: 139, high: 141, low: 138, close: 140, volume: 10 + 39 / 4 });

    // Fewer stored than asked for: all of them. Other series and timeframes never leak in.
    await upsertCandles(fresh.db, { ...k, timeframe: '4h' }, series(3));
    expect(await loadRecentCandles(fresh.db, { ...k, untilOpenTs: T0 + 2 * HOUR_MS, limit: 30 })).toHaveLength(3);
    expect(await loadRecentCandles(fresh.db, { ...k, untilOpenTs: T0 - 1, limit: 30 })).toEqual([]);
  });

  it('answers null for the last ts of an empty series and counts by filter', async () => {
    expect(await getLastCandleTs(fresh.db, { ...key, symbol: 'NONE/USDT' })).toBeNull();
    expect(await countCandles(fresh.db, { exchange: 'binance', symbol: 'XRP/USDT' })).toBe(53);
    expect(await countCandles(fresh.db, { exchange: 'binance', timeframe: '4h' })).toBe(3);
    expect(await countCandles(fresh.db, { exchange: 'kraken' })).toBe(0);
  });

  it('splits only batches that exceed the bind-parameter limit, and still counts exactly', async () => {
    const k = { ...key, symbol: 'DOGE/USDT', timeframe: '1m' };
    const big = series(8_000); // 8,000 × 9 parameters > 65,535
    expect(await upsertCandles(fresh.db, k, big)).toBe(8_000);
    expect(statements.filter((s) => /^insert into "candles"/i.test(s))).toHaveLength(2);
    expect(await upsertCandles(fresh.db, k, big)).toBe(0);
    expect(await countCandles(fresh.db, k)).toBe(8_000);
  });
});
