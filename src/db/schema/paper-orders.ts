import { bigint, numeric, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import type { OrderSide, OrderStatus, OrderType } from '../../domain/market-types.js';

/**
 * The paper broker's order book: it plays the exchange, so it keeps its own copy apart from keel's `orders`. The
 * primary key is what makes "place the same client order id twice" a no-op.
 */
export const paperOrders = pgTable(
  'paper_orders',
  {
    account: text('account').notNull(),
    clientOrderId: text('client_order_id').notNull(),
    exchangeOrderId: text('exchange_order_id').notNull(),
    symbol: text('symbol').notNull(),
    side: text('side').$type<OrderSide>().notNull(),
    type: text('type').$type<OrderType>().notNull(),
    status: text('status').$type<OrderStatus>().notNull(),
    amount: numeric('amount').notNull(),
    filled: numeric('filled').notNull(),
    averagePrice: numeric('average_price').notNull(),
    feeQuote: numeric('fee_quote').notNull(),
    /** A limit order's price (a resting maker order is judged against it); null for market orders. */
    limitPrice: numeric('limit_price'),
    /** When the broker accepted the order, epoch ms of (possibly simulated) market time. */
    createdAtMs: bigint('created_at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.account, t.clientOrderId] })],
);
