import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import { SimulatedMarket } from '../../../src/exchange/simulated-market.js';
import { roundAmountDown } from '../../../src/domain/market-rules.js';
import { countCandles } from '../../../src/db/queries/candles.js';
import { listSignals, listTicks } from '../../../src/db/queries/ticks.js';
import { listOrders } from '../../../src/db/queries/orders.js';
import { countOrders } from '../../../src/db/queries/paper-ledger.js';
import { createHarness, type Harness, roomForEveryBuy } from '../../helpers/keel-harness.js';

const COINS = 60;
const WARMUP = 100;

describe('one full tick over 60 simulated coins (real Temporal, real database)', () => {
  let harness: Harness;
  let market: SimulatedMarket;

  beforeAll(async () => {
    market = new SimulatedMarket({ seed: 11, coins: COINS });
    harness = await createHarness({ gateway: market });
    await harness.startWorkers();
  });
  afterAll(async () => harness?.teardown());

  it('stores every candle once, writes a signal per coin, and orders exactly where the score crosses a threshold', async () => {
    const { handle } = await harness.startCycle({
      maxTicks: 1,
      warmupCandles: WARMUP,
      universe: { symbols: null, maxCoins: COINS },
      // Room for every buy signal, so the order set is decided by the threshold alone.
      risk: roomForEveryBuy(),
    });
    const final = await handle.result();
    expect(final.tickNo).toBe(1);
    const cycleId = handle.workflowId;
    const db = harness.database.db;

    // Candles: the first sync takes the whole warm-up window in one call per coin, and each is stored exactly once.
    expect(market.calls.ohlcv).toBe(COINS);
    expect(market.calls.ohlcvCandles).toBe(COINS * WARMUP);
    expect(await countCandles(db, { exchange: 'sim' })).toBe(COINS * WARMUP);
    const symbols = await market.listSymbols('USDT');
    for (const symbol of symbols.slice(0, 5)) {
      expect(await countCandles(db, { exchange: 'sim', symbol, timeframe: '1h' })).toBe(WARMUP);
    }

    // A signal per coin, scores within [-1, 1], actions consistent with the ±0.05 thresholds.
    const signals = await listSignals(db, { cycleId, limit: 1000 });
    expect(signals).toHaveLength(COINS);
    for (const s of signals) {
      expect(s.score).toBeGreaterThanOrEqual(-1);
      expect(s.score).toBeLessThanOrEqual(1);
      expect(s.action).toBe(s.score >= 0.05 ? 'buy' : s.score <= -0.05 ? 'sell' : 'hold');
    }

    // Orders: a buy for every coin whose score crossed the buy threshold (nothing is held yet, so no sells).
    const buySymbols = signals.filter((s) => s.action === 'buy').map((s) => s.symbol).sort();
    expect(buySymbols.length).toBeGreaterThan(0);
    const orders = await listOrders(db, { cycleId, limit: 1000 });
    expect(orders.map((o) => o.symbol).sort()).toEqual(buySymbols);
    for (const o of orders) {
      expect(o.side).toBe('buy');
      expect(o.status).toBe('closed');
      expect(Number(o.filled)).toBeGreaterThan(0);
    }
    // Each order is sized on its market's amount step (the sim's rules reach the plan through the scan), not at 8
    // decimals: most sim coins are priced below 100, where the step is coarser than 0.00000001.
    const rules = await market.orderRules(orders.map((o) => o.symbol));
    const offStep = orders.filter((o) => !roundAmountDown(o.amount, rules[o.symbol]).equals(o.amount)).map((o) => `${o.symbol} ${o.amount} (step ${rules[o.symbol]?.amountStep})`);
    expect(offStep).toEqual([]);
    expect(orders.some((o) => (o.amount.split('.')[1] ?? '').length < 8)).toBe(true);
    // The paper broker (playing the exchange) accepted exactly those orders, once each.
    expect(await countOrders(db, cycleId)).toBe(orders.length);
    // Exchange calls: one bulk tickers call for the scan, plus the paper broker's price check per order.
    expect(market.calls.tickers).toBe(1 + orders.length);

    // The Web UI tells the story: each coin child's activities carry one-line summaries.
    const coinHistory = await harness.client.workflow.getHandle(`${cycleId}/${final.lastTick!.tickTs}/${symbols[0]}`).fetchHistory();
    const summaries = (coinHistory.events ?? [])
      .filter((e) => e.activityTaskScheduledEventAttributes)
      .map((e) => defaultPayloadConverter.fromPayload<string>(e.userMetadata!.summary!));
    // One activity per coin (FAST_COIN_TICK_PATCH): the sync and the evaluation in one task on the exchange queue.
    expect(summaries).toEqual([`sync ${symbols[0]} 1h candles closed by ${new Date(final.lastTick!.tickTs).toISOString()}, then evaluate (RSI, MA cross, MACD)`]);
    const scheduled = (coinHistory.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes!);
    expect(scheduled.map((a) => [a.activityType?.name, a.taskQueue?.name])).toEqual([['syncAndEvaluateCoin', expect.stringMatching(/exchange/)]]);

    const [tick] = await listTicks(db, cycleId, 10);
    expect(tick).toMatchObject({ tickNo: 1, coins: COINS, ordersPlaced: orders.length });
    expect(final.lastTick).toMatchObject({ evaluated: COINS, failed: 0, buys: orders.length, sells: 0 });
  });
});
