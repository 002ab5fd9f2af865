import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failBacktestRun, finishBacktestRun, getBacktestRun, listBacktestOrders, listBacktestRuns, startBacktestRun } from '../../../src/db/queries/backtest-runs.js';
import type { BacktestMetrics, BacktestOrder } from '../../../src/domain/backtest-types.js';
import { freshDatabase } from '../../helpers/fresh-db.js';
import type { FreshDatabase } from '../../helpers/fresh-db.js';

const order = (seq: number): BacktestOrder => ({ tickTs: 1_000 + seq, symbol: seq % 2 ? 'ETH/USDT' : 'BTC/USDT', side: seq % 2 ? 'sell' : 'buy', amount: '0.01500000', price: `${64000 + seq}.5`, fee: '0.96', reason: `score ${seq}`, feeRole: 'taker' });
const metrics = { totalReturn: 0.1, finalEquity: '110000', orders: 7000 } as unknown as BacktestMetrics;

describe('backtest runs in the database', () => {
  let fresh: FreshDatabase;
  beforeAll(async () => {
    fresh = await freshDatabase();
  });
  afterAll(async () => fresh?.dispose());

  it('stores a run with thousands of orders in one transaction and reads it back page by page, in fill order', async () => {
    const { db } = fresh;
    await startBacktestRun(db, { id: 'bt-1', request: { dir: '/data' }, label: '1h, 3 pairs' });
    await startBacktestRun(db, { id: 'bt-1', request: { dir: 'other' }, label: 'ignored' }); // a retry: no change
    expect((await getBacktestRun(db, 'bt-1'))?.status).toBe('running');
    const orders = Array.from({ length: 7000 }, (_, i) => order(i)); // more rows than one INSERT may bind
    await finishBacktestRun(db, 'bt-1', { fingerprint: 'f'.repeat(64), metrics, equity: [[1, 100000], [2, 110000]], buyAndHold: [[1, 100000], [2, 105000]], orders });
    // Finishing again (a retried activity) replaces the orders instead of doubling them.
    await finishBacktestRun(db, 'bt-1', { fingerprint: 'f'.repeat(64), metrics, equity: [[1, 100000], [2, 110000]], buyAndHold: [[1, 100000], [2, 105000]], orders });
    const run = await getBacktestRun(db, 'bt-1');
    expect(run).toMatchObject({ status: 'finished', label: '1h, 3 pairs', request: { dir: '/data' }, equity: [[1, 100000], [2, 110000]], buyAndHold: [[1, 100000], [2, 105000]] });
    expect(run?.metrics?.totalReturn).toBe(0.1);
    const page = await listBacktestOrders(db, 'bt-1', { limit: 3, offset: 6998 });
    expect(page.total).toBe(7000);
    expect(page.orders).toEqual([order(6998), order(6999)]);
  });

  it('lists runs newest first, a sweep\'s runs in order, and records a failure', async () => {
    const { db } = fresh;
    await startBacktestRun(db, { id: 'sweep-a/1', sweepId: 'sweep-a', request: {}, label: 'b' });
    await startBacktestRun(db, { id: 'sweep-a/0', sweepId: 'sweep-a', request: {}, label: 'a' });
    await failBacktestRun(db, 'sweep-a/1', 'InvalidMarketData: AAA_USDT-1h.json: row 3 ...');
    expect((await listBacktestRuns(db, { limit: 10, sweepId: 'sweep-a' })).map((r) => [r.id, r.status])).toEqual([
      ['sweep-a/0', 'running'],
      ['sweep-a/1', 'failed'],
    ]);
    const all = await listBacktestRuns(db, { limit: 10 });
    expect(all.map((r) => r.id)).toContain('bt-1');
    expect(all.find((r) => r.id === 'sweep-a/1')?.error).toContain('row 3');
    expect(await getBacktestRun(db, 'nope')).toBeNull();
    await expect(finishBacktestRun(db, 'never-started', { fingerprint: '', metrics, equity: [], buyAndHold: [], orders: [] })).rejects.toThrow(/never started/);
  });
});
