import { bigint, doublePrecision, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';

/**
 * Closed OHLCV candles, shared by every cycle. Prices are float8 rather than numeric: indicators are computed in
 * floating point anyway, and float8 keeps bulk inserts and loads of thousands of rows cheap.
 */
export const candles = pgTable(
  'candles',
  {
    exchange: text('exchange').notNull(),
    symbol: text('symbol').notNull(),
    timeframe: text('timeframe').notNull(),
    /** Candle OPEN time, epoch milliseconds. */
    ts: bigint('ts', { mode: 'number' }).notNull(),
    open: doublePrecision('open').notNull(),
    high: doublePrecision('high').notNull(),
    low: doublePrecision('low').notNull(),
    close: doublePrecision('close').notNull(),
    volume: doublePrecision('volume').notNull(),
  },
  // The primary key doubles as the index for "newest N candles up to ts" scans.
  (t) => [primaryKey({ columns: [t.exchange, t.symbol, t.timeframe, t.ts] })],
);
