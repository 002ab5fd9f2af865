import { bigint, doublePrecision, index, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import type { Regime, SignalAction } from '../../domain/signal-types.js';

/** The evaluation of each coin at each tick (a flattened CoinEvaluation). */
export const signals = pgTable(
  'signals',
  {
    cycleId: text('cycle_id').notNull(),
    tickTs: bigint('tick_ts', { mode: 'number' }).notNull(),
    symbol: text('symbol').notNull(),
    /** Open time (epoch ms) of the latest closed candle that was evaluated. */
    candleTs: bigint('candle_ts', { mode: 'number' }).notNull(),
    price: doublePrecision('price').notNull(),
    score: doublePrecision('score').notNull(),
    action: text('action').$type<SignalAction>().notNull(),
    volatility: doublePrecision('volatility').notNull(),
    regime: text('regime').$type<Regime>().notNull(),
    rsi: doublePrecision('rsi').notNull(),
    maFast: doublePrecision('ma_fast').notNull(),
    maSlow: doublePrecision('ma_slow').notNull(),
    macd: doublePrecision('macd').notNull(),
    macdSignal: doublePrecision('macd_signal').notNull(),
    macdHistogram: doublePrecision('macd_histogram').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.cycleId, t.tickTs, t.symbol] }),
    // "History of one coin in a cycle" would otherwise scan every coin's rows of the cycle.
    index('signals_cycle_symbol_tick_idx').on(t.cycleId, t.symbol, t.tickTs),
  ],
);
