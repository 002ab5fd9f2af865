import { bigint, integer, numeric, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';

/** The latest position set of each cycle, replaced wholesale at every recorded tick. */
export const positions = pgTable(
  'positions',
  {
    cycleId: text('cycle_id').notNull(),
    symbol: text('symbol').notNull(),
    quantity: numeric('quantity').notNull(),
    averagePrice: numeric('average_price').notNull(),
    /** Tick number when the position was opened. */
    openedTick: integer('opened_tick').notNull(),
    /** Market time (epoch ms) of the tick that last wrote this row. */
    updatedTickTs: bigint('updated_tick_ts', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.cycleId, t.symbol] })],
);
