import { bigint, index, numeric, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { OrderSide, OrderStatus, OrderType } from '../../domain/market-types.js';

/**
 * keel's own record of the orders it placed (live or paper), keyed by the deterministic client order id that makes
 * placement idempotent. The paper broker's view of the same orders lives in paper_orders.
 */
export const orders = pgTable(
  'orders',
  {
    clientOrderId: text('client_order_id').primaryKey(),
    cycleId: text('cycle_id').notNull(),
    tickTs: bigint('tick_ts', { mode: 'number' }).notNull(),
    symbol: text('symbol').notNull(),
    side: text('side').$type<OrderSide>().notNull(),
    type: text('type').$type<OrderType>().notNull(),
    amount: numeric('amount').notNull(),
    /** Limit price, or the reference price of a market order. */
    price: numeric('price').notNull(),
    status: text('status').$type<OrderStatus>().notNull(),
    filled: numeric('filled').notNull(),
    averagePrice: numeric('average_price').notNull(),
    feeQuote: numeric('fee_quote').notNull(),
    exchangeOrderId: text('exchange_order_id').notNull(),
    reason: text('reason').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('orders_cycle_tick_idx').on(t.cycleId, t.tickTs)],
);
