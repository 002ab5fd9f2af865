import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getOrder, listFilledOrders, listOrders, upsertOrder } from '../../../src/db/queries/orders.js';
import type { OrderRecord } from '../../../src/db/queries/orders.js';
import type { OrderRecordInput } from '../../../src/contracts/activity-types.js';
import { backend, freshDatabase } from '../../helpers/fresh-db.js';
import type { FreshDatabase } from '../../helpers/fresh-db.js';

const TICK_MS = 1_700_002_800_000;

function recordOf(input: OrderRecordInput): OrderRecord {
  // How the db activity turns the contract's input into a record.
  return { cycleId: input.cycleId, tickTs: input.tickTs, reason: input.intent.reason, price: input.intent.price, ...input.order };
}

function input(clientOrderId: string, tickTs: number, overrides: Partial<OrderRecordInput['order']> = {}): OrderRecordInput {
  return {
    cycleId: 'cycle-o',
    tickTs,
    intent: { symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: '0.015', price: '64000.5', reason: 'score 0.42 >= 0.05' },
    order: {
      clientOrderId,
      exchangeOrderId: `paper-${clientOrderId}`,
      symbol: 'BTC/USDT',
      side: 'buy',
      type: 'market',
      status: 'open',
      amount: '0.015',
      filled: '0',
      averagePrice: '0',
      feeQuote: '0',
      createdAtMs: tickTs + 500,
      ...overrides,
    },
  };
}

describe(`order queries (${backend})`, () => {
  let fresh: FreshDatabase;
  beforeAll(async () => {
    fresh = await freshDatabase();
  });
  afterAll(async () => {
    await fresh?.dispose();
  });

  it('inserts, then updates status and fill by client order id', async () => {
    await upsertOrder(fresh.db, recordOf(input('k-1', TICK_MS)));
    const open = await getOrder(fresh.db, 'k-1');
    expect(open).toMatchObject({ clientOrderId: 'k-1', cycleId: 'cycle-o', tickTs: TICK_MS, status: 'open', filled: '0', price: '64000.5', reason: 'score 0.42 >= 0.05' });

    await upsertOrder(fresh.db, recordOf(input('k-1', TICK_MS, { status: 'closed', filled: '0.015', averagePrice: '64010.25', feeQuote: '0.960153750' })));
    const closed = await getOrder(fresh.db, 'k-1');
    expect(closed).toMatchObject({ status: 'closed', filled: '0.015', averagePrice: '64010.25', feeQuote: '0.960153750', amount: '0.015' });
    expect(closed!.updatedAtMs).toBeGreaterThanOrEqual(open!.updatedAtMs);
    expect(closed!.createdAtMs).toBe(open!.createdAtMs);

    // A stale 'open' report arriving late must not reopen the filled order.
    await upsertOrder(fresh.db, recordOf(input('k-1', TICK_MS)));
    expect(await getOrder(fresh.db, 'k-1')).toMatchObject({ status: 'closed', filled: '0.015' });
  });

  it('answers null for an unknown id and lists newest first, optionally by symbol', async () => {
    expect(await getOrder(fresh.db, 'nope')).toBeNull();
    await upsertOrder(fresh.db, recordOf(input('k-2', TICK_MS + 3_600_000)));
    await upsertOrder(fresh.db, { ...recordOf(input('k-3', TICK_MS + 7_200_000)), symbol: 'ETH/USDT' });
    expect((await listOrders(fresh.db, { cycleId: 'cycle-o', limit: 10 })).map((o) => o.clientOrderId)).toEqual(['k-3', 'k-2', 'k-1']);
    expect((await listOrders(fresh.db, { cycleId: 'cycle-o', symbol: 'BTC/USDT', limit: 10 })).map((o) => o.clientOrderId)).toEqual(['k-2', 'k-1']);
    expect(await listOrders(fresh.db, { cycleId: 'cycle-o', limit: 1 })).toHaveLength(1);
    expect(await listOrders(fresh.db, { cycleId: 'other', limit: 10 })).toEqual([]);
  });

  it('lists only orders that filled something, oldest tick first, sells before buys, at most limit', async () => {
    // k-1 filled in the first test; k-2 and k-3 are open with nothing filled.
    await upsertOrder(fresh.db, { ...recordOf(input('k-4', TICK_MS, { status: 'closed', filled: '0.5', side: 'sell' })), symbol: 'ETH/USDT', side: 'sell' });
    await upsertOrder(fresh.db, recordOf(input('k-5', TICK_MS + 7_200_000, { status: 'closed', filled: '0.015' })));
    expect((await listFilledOrders(fresh.db, { cycleId: 'cycle-o' })).map((o) => o.clientOrderId)).toEqual(['k-4', 'k-1', 'k-5']);
    expect((await listFilledOrders(fresh.db, { cycleId: 'cycle-o', limit: 2 })).map((o) => o.clientOrderId)).toEqual(['k-4', 'k-1']);
    expect(await listFilledOrders(fresh.db, { cycleId: 'other' })).toEqual([]);
  });
});
