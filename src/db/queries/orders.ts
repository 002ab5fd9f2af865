import { and, asc, desc, eq, gt, inArray, or, sql } from 'drizzle-orm';
import type { OrderSide, OrderState, OrderStatus, OrderType } from '../../domain/market-types.js';
import type { Database } from '../client.js';
import { withDatabaseErrors } from '../errors.js';
import { orders } from '../schema/index.js';
import { excluded } from './sql-helpers.js';

/** What keel records about an order it placed: the broker's view plus the tick and intent that caused it. */
export interface OrderRecord extends OrderState {
  cycleId: string;
  tickTs: number;
  /** The intent's limit price, or the reference price of a market order (decimal string). */
  price: string;
  reason: string;
}

export interface StoredOrder {
  clientOrderId: string;
  exchangeOrderId: string;
  cycleId: string;
  tickTs: number;
  symbol: string;
  side: OrderSide;
  type: OrderType;
  status: OrderStatus;
  amount: string;
  price: string;
  filled: string;
  averagePrice: string;
  feeQuote: string;
  reason: string;
  createdAtMs: number;
  updatedAtMs: number;
}

/**
 * Inserts the order, or refreshes its status and fill on a later call with the same client order id. A terminal
 * status is never overwritten by 'open': a stale report (e.g. a retried activity) must not reopen a filled order.
 */
export async function upsertOrder(db: Database, record: OrderRecord): Promise<void> {
  await withDatabaseErrors('upsertOrder', async () => {
    await db
      .insert(orders)
      .values({
        clientOrderId: record.clientOrderId,
        cycleId: record.cycleId,
        tickTs: record.tickTs,
        symbol: record.symbol,
        side: record.side,
        type: record.type,
        amount: record.amount,
        price: record.price,
        status: record.status,
        filled: record.filled,
        averagePrice: record.averagePrice,
        feeQuote: record.feeQuote,
        exchangeOrderId: record.exchangeOrderId,
        reason: record.reason,
      })
      .onConflictDoUpdate({
        target: orders.clientOrderId,
        set: {
          status: excluded(orders.status),
          filled: excluded(orders.filled),
          averagePrice: excluded(orders.averagePrice),
          feeQuote: excluded(orders.feeQuote),
          exchangeOrderId: excluded(orders.exchangeOrderId),
          updatedAt: sql`now()`,
        },
        setWhere: or(eq(orders.status, 'open'), sql`${excluded(orders.status)} <> 'open'`),
      });
  });
}

/** The cycle's orders, newest first, optionally for one symbol. */
export async function listOrders(db: Database, query: { cycleId: string; symbol?: string; limit: number }): Promise<StoredOrder[]> {
  return withDatabaseErrors('listOrders', async () => {
    const filter = query.symbol === undefined ? eq(orders.cycleId, query.cycleId) : and(eq(orders.cycleId, query.cycleId), eq(orders.symbol, query.symbol));
    const rows = await db
      .select()
      .from(orders)
      .where(filter)
      .orderBy(desc(orders.tickTs), desc(orders.createdAt), desc(orders.clientOrderId))
      .limit(query.limit);
    return rows.map(toStoredOrder);
  });
}

/**
 * The cycle's orders that filled something, oldest tick first; at most `limit` when given. Within a tick: sells, then
 * buys, then by symbol (code-point order on every backend). The cycle places a tick's orders concurrently, so no
 * column records the order planOrders emitted them in (sells, then buys by score); this order is stable and one a
 * backtest's list can be sorted to.
 */
export async function listFilledOrders(db: Database, query: { cycleId: string; limit?: number }): Promise<StoredOrder[]> {
  return withDatabaseErrors('listFilledOrders', async () => {
    const ordered = db
      .select()
      .from(orders)
      .where(and(eq(orders.cycleId, query.cycleId), gt(orders.filled, '0')))
      .orderBy(asc(orders.tickTs), sql`case when ${orders.side} = 'sell' then 0 else 1 end`, sql`${orders.symbol} collate "C"`, asc(orders.clientOrderId));
    const rows = query.limit === undefined ? await ordered : await ordered.limit(query.limit);
    return rows.map(toStoredOrder);
  });
}

export async function getOrder(db: Database, clientOrderId: string): Promise<StoredOrder | null> {
  return withDatabaseErrors('getOrder', async () => {
    const [row] = await db.select().from(orders).where(eq(orders.clientOrderId, clientOrderId)).limit(1);
    return row === undefined ? null : toStoredOrder(row);
  });
}

/** Which of these exchange order ids keel's orders table knows (any cycle). */
export async function knownExchangeOrderIds(db: Database, exchangeOrderIds: readonly string[]): Promise<Set<string>> {
  if (exchangeOrderIds.length === 0) return new Set();
  return withDatabaseErrors('knownExchangeOrderIds', async () => {
    const rows = await db
      .select({ id: orders.exchangeOrderId })
      .from(orders)
      .where(inArray(orders.exchangeOrderId, [...new Set(exchangeOrderIds)]));
    return new Set(rows.map((row) => row.id));
  });
}

/** The cycle's orders keel last recorded as open. */
export async function openOrdersOfCycle(db: Database, cycleId: string): Promise<StoredOrder[]> {
  return withDatabaseErrors('openOrdersOfCycle', async () => {
    const rows = await db
      .select()
      .from(orders)
      .where(and(eq(orders.cycleId, cycleId), eq(orders.status, 'open')));
    return rows.map(toStoredOrder);
  });
}

function toStoredOrder({ createdAt, updatedAt, ...rest }: typeof orders.$inferSelect): StoredOrder {
  return { ...rest, createdAtMs: createdAt.getTime(), updatedAtMs: updatedAt.getTime() };
}
