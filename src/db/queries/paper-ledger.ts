import { and, asc, count, eq, sql } from 'drizzle-orm';
import { KeelError } from '../../domain/errors.js';
import type { Balance, OrderState } from '../../domain/market-types.js';
import type { PaperFill, PaperLedger } from '../../domain/paper-ledger.js';
import type { Database } from '../client.js';
import { withDatabaseErrors } from '../errors.js';
import { balances, paperOrders } from '../schema/index.js';

// Plain decimals plus the exponent form decimal.js prints for tiny values (1e-8); PostgreSQL's numeric reads both.
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The paper broker's orders and balances in PostgreSQL/PGlite; all money arithmetic happens in SQL numeric. */
export function createPaperLedger(db: Database): PaperLedger {
  return {
    ensureAccount: (account, startingBalances) => ensureAccount(db, account, startingBalances),
    findOrder: (account, clientOrderId) => findOrder(db, account, clientOrderId),
    recordFill: (fill) => recordFill(db, fill),
    findOpenLimit: (account, clientOrderId) => findOpenLimit(db, account, clientOrderId),
    closeOpen: (account, final, balanceDeltas) => closeOpen(db, account, final, balanceDeltas),
    getBalances: (account) => getBalances(db, account),
    countOrders: (account) => countOrders(db, account),
  };
}

export async function ensureAccount(db: Database, account: string, startingBalances: Record<string, string>): Promise<void> {
  const rows = Object.entries(startingBalances).map(([asset, free]) => ({ account, asset, free: checkDecimal(free, `starting ${asset} balance`), used: '0' }));
  await withDatabaseErrors('ensureAccount', async () => {
    // An account that already has balances is left alone, even if the starting balances name other assets.
    const existing = await db.select({ asset: balances.asset }).from(balances).where(eq(balances.account, account)).limit(1);
    if (existing.length > 0 || rows.length === 0) return;
    // DO NOTHING makes two workers creating the same account at once harmless.
    await db.insert(balances).values(rows).onConflictDoNothing();
  });
}

export async function findOrder(db: Database, account: string, clientOrderId: string): Promise<OrderState | null> {
  return withDatabaseErrors('findOrder', async () => {
    const [row] = await db
      .select()
      .from(paperOrders)
      .where(and(eq(paperOrders.account, account), eq(paperOrders.clientOrderId, clientOrderId)))
      .limit(1);
    return row === undefined ? null : toOrderState(row);
  });
}

/**
 * Inserts the order unless its client order id is known, and moves the balances only when it did insert, all in one
 * transaction. Concurrent calls with the same id serialize on the primary key: exactly one inserts, the others see
 * its committed order. A spend larger than the free balance throws InsufficientFunds and rolls everything back.
 */
export async function recordFill(db: Database, fill: PaperFill): Promise<{ order: OrderState; inserted: boolean }> {
  const { account, order } = fill;
  const deltas = sortedDeltas(fill.balanceDeltas);

  return withDatabaseErrors('recordFill', () =>
    db.transaction(async (tx) => {
      const [inserted] = await tx
        .insert(paperOrders)
        .values({
          account,
          clientOrderId: order.clientOrderId,
          exchangeOrderId: order.exchangeOrderId,
          symbol: order.symbol,
          side: order.side,
          type: order.type,
          status: order.status,
          amount: order.amount,
          filled: order.filled,
          averagePrice: order.averagePrice,
          feeQuote: order.feeQuote,
          limitPrice: fill.limitPrice === undefined ? null : checkDecimal(fill.limitPrice, 'limit price'),
          createdAtMs: order.createdAtMs,
        })
        .onConflictDoNothing()
        .returning();
      if (inserted === undefined) {
        const [existing] = await tx
          .select()
          .from(paperOrders)
          .where(and(eq(paperOrders.account, account), eq(paperOrders.clientOrderId, order.clientOrderId)))
          .limit(1);
        if (existing === undefined) {
          // Only possible if the row was deleted between the two statements; nothing keel does deletes paper orders.
          throw new KeelError('DatabaseError', `paper order ${order.clientOrderId} of account ${account} conflicted but cannot be read back`);
        }
        return { order: toOrderState(existing), inserted: false };
      }

      for (const { asset, delta } of deltas) {
        if (isNegative(delta)) await spend(tx, account, asset, delta, order.clientOrderId);
        else await credit(tx, account, asset, delta);
      }
      return { order: toOrderState(inserted), inserted: true };
    }),
  );
}

export async function findOpenLimit(db: Database, account: string, clientOrderId: string): Promise<{ order: OrderState; limitPrice: string } | null> {
  return withDatabaseErrors('findOpenLimit', async () => {
    const [row] = await db
      .select()
      .from(paperOrders)
      .where(and(eq(paperOrders.account, account), eq(paperOrders.clientOrderId, clientOrderId), eq(paperOrders.status, 'open')))
      .limit(1);
    return row === undefined || row.limitPrice === null ? null : { order: toOrderState(row), limitPrice: row.limitPrice };
  });
}

/**
 * Ends an open order and moves the balances in one transaction, only if it is still open: two workers judging the
 * same order at once end it once (the row lock serializes them; the second finds it ended and changes nothing).
 */
export async function closeOpen(db: Database, account: string, final: OrderState, balanceDeltas: Record<string, string>): Promise<OrderState> {
  const deltas = sortedDeltas(balanceDeltas);
  return withDatabaseErrors('closeOpen', () =>
    db.transaction(async (tx) => {
      const [updated] = await tx
        .update(paperOrders)
        .set({ status: final.status, filled: final.filled, averagePrice: final.averagePrice, feeQuote: final.feeQuote })
        .where(and(eq(paperOrders.account, account), eq(paperOrders.clientOrderId, final.clientOrderId), eq(paperOrders.status, 'open')))
        .returning();
      if (updated === undefined) {
        const existing = await findOrder(tx, account, final.clientOrderId);
        if (existing === null) throw new KeelError('OrderNotFound', `paper order ${final.clientOrderId} of account ${account} does not exist`);
        return existing;
      }
      for (const { asset, delta } of deltas) {
        if (isNegative(delta)) await spend(tx, account, asset, delta, final.clientOrderId);
        else await credit(tx, account, asset, delta);
      }
      return toOrderState(updated);
    }),
  );
}

/** Checked balance deltas, sorted by asset so concurrent fills lock balance rows in the same order and cannot deadlock. */
function sortedDeltas(balanceDeltas: Record<string, string>): Array<{ asset: string; delta: string }> {
  return Object.entries(balanceDeltas)
    .map(([asset, delta]) => ({ asset, delta: checkDecimal(delta, `${asset} balance delta`) }))
    .sort((a, b) => (a.asset < b.asset ? -1 : a.asset > b.asset ? 1 : 0));
}

/** Adds a negative delta only if the free balance covers it; otherwise reports exactly what was missing. */
async function spend(tx: Database, account: string, asset: string, delta: string, clientOrderId: string): Promise<void> {
  const updated = await tx
    .update(balances)
    .set({ free: sql`${balances.free} + ${delta}::numeric`, updatedAt: sql`now()` })
    .where(and(eq(balances.account, account), eq(balances.asset, asset), sql`${balances.free} + ${delta}::numeric >= 0`))
    .returning({ free: balances.free });
  if (updated.length > 0) return;
  const [current] = await tx
    .select({ free: balances.free })
    .from(balances)
    .where(and(eq(balances.account, account), eq(balances.asset, asset)));
  const needed = delta.replace(/^-/, '');
  const available = current?.free ?? '0';
  throw new KeelError(
    'InsufficientFunds',
    `paper account ${account} has insufficient ${asset} for order ${clientOrderId}: needed ${needed}, available ${available}`,
  );
}

/** Adds a non-negative delta, creating the balance row for an asset the account did not hold yet. */
async function credit(tx: Database, account: string, asset: string, delta: string): Promise<void> {
  await tx
    .insert(balances)
    .values({ account, asset, free: sql`${delta}::numeric`, used: '0' })
    .onConflictDoUpdate({
      target: [balances.account, balances.asset],
      set: { free: sql`${balances.free} + ${delta}::numeric`, updatedAt: sql`now()` },
    });
}

export async function getBalances(db: Database, account: string): Promise<Balance[]> {
  return withDatabaseErrors('getBalances', () =>
    db
      .select({ asset: balances.asset, free: balances.free, used: balances.used })
      .from(balances)
      .where(eq(balances.account, account))
      .orderBy(asc(balances.asset)),
  );
}

export async function countOrders(db: Database, account: string): Promise<number> {
  return withDatabaseErrors('countOrders', async () => {
    const [row] = await db.select({ n: count() }).from(paperOrders).where(eq(paperOrders.account, account));
    return row?.n ?? 0;
  });
}

/** A paper_orders row as the exchange-side order it stands for. */
export function toOrderState(row: typeof paperOrders.$inferSelect): OrderState {
  return {
    clientOrderId: row.clientOrderId,
    exchangeOrderId: row.exchangeOrderId,
    symbol: row.symbol,
    side: row.side,
    type: row.type,
    status: row.status,
    amount: row.amount,
    filled: row.filled,
    averagePrice: row.averagePrice,
    feeQuote: row.feeQuote,
    createdAtMs: row.createdAtMs,
  };
}

function checkDecimal(value: string, what: string): string {
  // A malformed amount is a bug in the caller, not a database problem: fail loudly and without retries.
  if (typeof value !== 'string' || !DECIMAL.test(value.trim())) throw new KeelError('Internal', `${what} must be a decimal string, got ${JSON.stringify(value)}`);
  return value.trim();
}

function isNegative(decimal: string): boolean {
  const mantissa = decimal.split(/[eE]/)[0] ?? '';
  return mantissa.startsWith('-') && /[1-9]/.test(mantissa);
}
