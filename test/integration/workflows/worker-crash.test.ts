import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedMarket } from '../../../src/exchange/simulated-market.js';
import { countCandles } from '../../../src/db/queries/candles.js';
import { listSignals } from '../../../src/db/queries/ticks.js';
import { listOrders } from '../../../src/db/queries/orders.js';
import { countOrders } from '../../../src/db/queries/paper-ledger.js';
import { createHarness, waitFor, type Harness, roomForEveryBuy } from '../../helpers/keel-harness.js';
import { spawnWorkerProcess } from '../../helpers/spawn-worker-process.js';

const COINS = 120;
const WARMUP = 100;
const SEED = 23;
const usingPostgres = Boolean(process.env.DATABASE_URL);

if (!usingPostgres) console.warn('skipping the worker-crash test: a worker in another process needs PostgreSQL (set DATABASE_URL; .ci/run does)');

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

describe.skipIf(!usingPostgres)('a worker killed mid-tick', () => {
  let harness: Harness;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    harness = await createHarness({ gateway: new SimulatedMarket({ seed: SEED, coins: COINS, latencyMs: 40 }) });
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await harness?.teardown();
  });

  it('completes the tick on a new worker: no candle stored twice, no order placed twice', async () => {
    const db = harness.database.db;
    const first = await spawnWorkerProcess(harness, { seed: SEED, coins: COINS, latencyMs: 40 });
    children.push(first);
    const { handle } = await harness.startCycle({
      maxTicks: 1,
      warmupCandles: WARMUP,
      universe: { symbols: null, maxCoins: COINS },
      risk: roomForEveryBuy(0.005),
    });

    // Crash 1: while coins are syncing (some candles stored, not all).
    await waitFor('some, not all, candles stored', async () => {
      const stored = await countCandles(db, { exchange: 'sim' });
      return stored > 0 && stored < COINS * WARMUP ? stored : undefined;
    }, 120_000, 20);
    await kill(first);

    // Crash 2: a second worker process dies as soon as the first paper order lands, mid order placement.
    const second = await spawnWorkerProcess(harness, { seed: SEED, coins: COINS, latencyMs: 40 });
    children.push(second);
    await waitFor('the first paper order', async () => ((await countOrders(db, handle.workflowId)) > 0 ? true : undefined), 180_000, 10);
    await kill(second);

    // A fresh worker (in this process) finishes the tick.
    await harness.startWorkers();
    const final = await handle.result();
    expect(final.tickNo).toBe(1);

    // Every coin's warm-up candles stored exactly once.
    const symbols = await harness.gateway.listSymbols('USDT');
    expect(symbols).toHaveLength(COINS);
    for (const symbol of symbols) expect(await countCandles(db, { exchange: 'sim', symbol, timeframe: '1h' })).toBe(WARMUP);

    // Orders: one per buy signal, each accepted exactly once by the paper broker.
    const signals = await listSignals(db, { cycleId: handle.workflowId, limit: 1000 });
    expect(signals).toHaveLength(COINS);
    const buys = signals.filter((s) => s.action === 'buy').map((s) => s.symbol).sort();
    const orders = await listOrders(db, { cycleId: handle.workflowId, limit: 1000 });
    expect(orders.map((o) => o.symbol).sort()).toEqual(buys);
    expect(await countOrders(db, handle.workflowId)).toBe(orders.length);
    expect(new Set(orders.map((o) => o.clientOrderId)).size).toBe(orders.length);
  });
});
