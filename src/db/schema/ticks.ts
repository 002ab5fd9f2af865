import { bigint, integer, jsonb, numeric, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/** One row per completed cycle tick: what the Web UI charts and what tests count. */
export const ticks = pgTable(
  'ticks',
  {
    cycleId: text('cycle_id').notNull(),
    /** The tick's market time, epoch milliseconds; with cycle_id it identifies the tick across retries. */
    tickTs: bigint('tick_ts', { mode: 'number' }).notNull(),
    tickNo: integer('tick_no').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }).notNull(),
    completedAt: timestamp('completed_at', { withTimezone: true, mode: 'date' }).notNull(),
    durationMs: integer('duration_ms').notNull(),
    coins: integer('coins').notNull(),
    failedCoins: jsonb('failed_coins').$type<string[]>().notNull(),
    ordersPlaced: integer('orders_placed').notNull(),
    // Money is numeric and travels as decimal strings so no rounding creeps in.
    cash: numeric('cash').notNull(),
    equity: numeric('equity').notNull(),
    realizedPnl: numeric('realized_pnl').notNull(),
  },
  (t) => [primaryKey({ columns: [t.cycleId, t.tickTs] })],
);
