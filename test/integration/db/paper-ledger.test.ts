import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPaperLedger } from '../../../src/db/queries/paper-ledger.js';
import { isKeelError } from '../../../src/domain/errors.js';
import type { OrderState } from '../../../src/domain/market-types.js';
import type { PaperFill, PaperLedger } from '../../../src/domain/paper-ledger.js';
import { backend, freshDatabase } from '../../helpers/fresh-db.js';
import type { FreshDatabase } from '../../helpers/fresh-db.js';

function buy(account: string, clientOrderId: string, quoteCost: string, baseAmount: string): PaperFill {
  const order: OrderState = {
    clientOrderId,
    exchangeOrderId: `paper-${clientOrderId}`,
    symbol: 'BTC/USDT',
    side: 'buy',
    type: 'market',
    status: 'closed',
    amount: baseAmount,
    filled: baseAmount,
    averagePrice: '64000.5',
    feeQuote: '0.1',
    createdAtMs: 1_700_000_000_000,
  };
  return { account, order, balanceDeltas: { USDT: `-${quoteCost}`, BTC: baseAmount } };
}

async function balanceMap(ledger: PaperLedger, account: string): Promise<Record<string, string>> {
  return Object.fromEntries((await ledger.getBalances(account)).map((b) => [b.asset, b.free]));
}

describe(`paper ledger (${backend})`, () => {
  let fresh: FreshDatabase;
  let ledger: PaperLedger;
  beforeAll(async () => {
    fresh = await freshDatabase();
    ledger = createPaperLedger(fresh.db);
  });
  afterAll(async () => {
    await fresh?.dispose();
  });

  it('creates an account once and leaves an existing one alone', async () => {
    await ledger.ensureAccount('acct-1', { USDT: '10000' });
    await ledger.ensureAccount('acct-1', { USDT: '5', ETH: '3' });
    expect(await ledger.getBalances('acct-1')).toEqual([{ asset: 'USDT', free: '10000', used: '0' }]);
    expect(await ledger.getBalances('nobody')).toEqual([]);
  });

  it('records a fill once: a repeat returns the stored order and moves no money', async () => {
    await ledger.ensureAccount('acct-2', { USDT: '1000' });
    const fill = buy('acct-2', 'cid-1', '960.1075', '0.015');
    const first = await ledger.recordFill(fill);
    expect(first).toEqual({ order: fill.order, inserted: true });
    const second = await ledger.recordFill(fill);
    expect(second).toEqual({ order: fill.order, inserted: false });

    expect(await ledger.countOrders('acct-2')).toBe(1);
    expect(await balanceMap(ledger, 'acct-2')).toEqual({ BTC: '0.015', USDT: '39.8925' }); // exact decimal arithmetic
    expect(await ledger.findOrder('acct-2', 'cid-1')).toEqual(fill.order);
    expect(await ledger.findOrder('acct-2', 'unknown')).toBeNull();
    expect(await ledger.findOrder('acct-1', 'cid-1')).toBeNull(); // ids are per account
  });

  it('refuses a fill the balance cannot cover, with the exact shortfall, and writes nothing', async () => {
    await ledger.ensureAccount('acct-3', { USDT: '100' });
    const error = await ledger.recordFill(buy('acct-3', 'cid-big', '150.5', '0.002')).catch((e: unknown) => e);
    expect(isKeelError(error) && error.code).toBe('InsufficientFunds');
    expect((error as Error).message).toBe('paper account acct-3 has insufficient USDT for order cid-big: needed 150.5, available 100');
    expect(await ledger.countOrders('acct-3')).toBe(0);
    expect(await ledger.findOrder('acct-3', 'cid-big')).toBeNull();
    expect(await ledger.getBalances('acct-3')).toEqual([{ asset: 'USDT', free: '100', used: '0' }]);

    // Spending an asset the account never held reports 0 available.
    const sell = { ...buy('acct-3', 'cid-sell', '0', '0'), balanceDeltas: { BTC: '-0.5', USDT: '30000' } };
    await expect(ledger.recordFill(sell)).rejects.toThrow('paper account acct-3 has insufficient BTC for order cid-sell: needed 0.5, available 0');
    expect(await ledger.countOrders('acct-3')).toBe(0);

    // The exact balance can be spent down to zero.
    await ledger.recordFill(buy('acct-3', 'cid-all', '100', '0.0015'));
    expect(await balanceMap(ledger, 'acct-3')).toEqual({ BTC: '0.0015', USDT: '0' });
  });

  it('inserts exactly once when the same client order id is recorded concurrently', async () => {
    await ledger.ensureAccount('acct-4', { USDT: '1000' });
    const fill = buy('acct-4', 'cid-race', '100', '0.0015');
    const results = await Promise.all(Array.from({ length: 5 }, () => ledger.recordFill(fill)));
    expect(results.filter((r) => r.inserted)).toHaveLength(1);
    for (const r of results) expect(r.order).toEqual(fill.order);
    expect(await ledger.countOrders('acct-4')).toBe(1);
    expect(await balanceMap(ledger, 'acct-4')).toEqual({ BTC: '0.0015', USDT: '900' });
  });

  it('never overdraws under concurrent spends of different orders', async () => {
    await ledger.ensureAccount('acct-5', { USDT: '100' });
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => ledger.recordFill(buy('acct-5', `cid-${i}`, '30', '0.0001'))));
    const rejected = outcomes.filter((o) => o.status === 'rejected');
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
    expect(rejected).toHaveLength(2);
    for (const r of rejected) expect(isKeelError(r.reason) && r.reason.code).toBe('InsufficientFunds');
    expect(await ledger.countOrders('acct-5')).toBe(3);
    expect(await balanceMap(ledger, 'acct-5')).toEqual({ BTC: '0.0003', USDT: '10' });
  });

  it('accepts the exponent notation decimal.js prints for tiny amounts', async () => {
    await ledger.ensureAccount('acct-6', { USDT: '1' });
    await ledger.recordFill({ ...buy('acct-6', 'cid-tiny', '1e-8', '0'), balanceDeltas: { USDT: '-1e-8' } });
    expect(await balanceMap(ledger, 'acct-6')).toEqual({ USDT: '0.99999999' });
  });
});
