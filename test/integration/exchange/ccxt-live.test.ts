import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { statusQuery } from '../../../src/contracts/messages.js';
import { loadRecentCandles } from '../../../src/db/queries/candles.js';
import { listOrders } from '../../../src/db/queries/orders.js';
import { reserveLiveNotional } from '../../../src/db/queries/live-reservations.js';
import { listFindings } from '../../../src/db/queries/reconciliation.js';
import { listSignals, listTicks } from '../../../src/db/queries/ticks.js';
import { fitClientOrderId, supportedTimeframes } from '../../../src/exchange/capabilities.js';
import { CcxtGateway } from '../../../src/exchange/ccxt-gateway.js';
import { LiveBroker } from '../../../src/exchange/live-broker.js';
import { createKeelMetrics, type KeelMetrics } from '../../../src/observability/metrics.js';
import { installTemporalRuntime } from '../../../src/workers/temporal-runtime.js';
import { createHarness, waitFor, type Harness } from '../../helpers/keel-harness.js';
import { SHARED_DATA_MISSING, sharedDataAvailable, startFakeExchange } from '../../helpers/fake-exchange/index.js';
import type { FakeExchange, FakeExchangeId } from '../../helpers/fake-exchange/index.js';

/**
 * Live trading against the loopback fake exchange (the real ccxt classes, keys, the live broker): ten ticks under 20%
 * 5xx, 5% timeouts, 429 bursts and lost order replies complete with no duplicate order at the exchange and no candle
 * gap, the faults counted in metrics and logged; and reconciliation flags an order the exchange has and keel's
 * database does not, keeping that coin untraded while in doubt.
 */

const HOUR_MS = 3_600_000;
const KEY = 'key-abcdef-123456';
const SECRET = 'c2VjcmV0LXNlY3JldC1zZWNyZXQx';
const TICKS = 10;
const COINS = 6;
const EXCHANGE = (process.env.KEEL_TEST_LIVE_EXCHANGE ?? 'kraken') as FakeExchangeId;

// Every log line of this process (SDK, workflows, activities), to find the faults in them.
const logLines: string[] = [];
installTemporalRuntime(
  pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _encoding, done) => (logLines.push(chunk.toString()), done()) })),
  'INFO',
);

if (!sharedDataAvailable()) {
  describe('live trading on the fake exchange', () => {
    // Skipped on purpose: these tests replay recorded exchange replies from ../shared/data, which a user's fresh
    // clone does not have; the placeholder makes the skip and its reason visible in the test report.
    it.skip(SHARED_DATA_MISSING, () => undefined);
  });
}

describe.skipIf(!sharedDataAvailable())(`live trading on the fake ${EXCHANGE}`, () => {
  let fake: FakeExchange;
  let gateway: CcxtGateway;
  let harness: Harness;
  let metrics: KeelMetrics;
  let faultCycleId = '';

  beforeAll(async () => {
    fake = await startFakeExchange({ exchange: EXCHANGE, coins: 20, nowMs: Math.floor(Date.now() / HOUR_MS) * HOUR_MS, historyMs: 5 * 24 * HOUR_MS });
    // A short request timeout: a request the fake never answers costs a second, not ten.
    gateway = new CcxtGateway({ exchangeId: EXCHANGE, baseUrl: fake.baseUrl, apiKey: KEY, secret: SECRET, timeoutMs: 1_000, rateLimitPerSecond: 1_000 });
    harness = await createHarness({ gateway });
    metrics = createKeelMetrics();
    const db = harness.database.db;
    const broker = new LiveBroker({
      exchange: gateway,
      maxOrderNotional: 5_000,
      maxDailyNotional: 10_000_000,
      reserveNotional: (request) => reserveLiveNotional(db, { accountKey: `cycle/${EXCHANGE}/`, ...request }),
    });
    await harness.startWorkers(undefined, undefined, metrics, {
      broker,
      accountReader: gateway,
      requestBudget: { supportedTimeframes: supportedTimeframes(EXCHANGE) },
      exchangeRequestsPerSecond: 200,
    });
  });
  afterAll(async () => {
    await harness?.teardown();
    await gateway?.close();
    await fake?.close();
  });

  it(`completes ${TICKS} ticks under 5xx, timeouts, 429 bursts and lost order replies: no duplicate order, no candle gap, faults in metrics and logs`, async () => {
    fake.faults.set({ status5xxRate: 0.2, timeoutRate: 0.05, loseOrderResponseRate: 0.3, loseFirstOrderResponses: 2, rateLimitBurst: { count: 4, retryAfterS: 1 }, seed: 5 });
    const { handle } = await harness.startCycle({
      quote: 'USDT',
      maxTicks: TICKS,
      marketStartMs: fake.nowMs - (TICKS - 1) * HOUR_MS,
      warmupCandles: 40,
      universe: { symbols: null, maxCoins: COINS },
      signal: { ...harness.cycleConfig().signal, buyThreshold: 0.02, sellThreshold: 0.02 },
      risk: { maxPositionFraction: 0.01, maxOpenPositions: 100, minOrderNotional: 1, cooldownTicks: 1 },
    });
    faultCycleId = handle.workflowId;
    // A fresh 429 burst at every tick.
    let lastTick = 0;
    const bursts = setInterval(() => {
      handle.query(statusQuery).then(
        (status) => {
          if (status.tickNo > lastTick) {
            lastTick = status.tickNo;
            fake.faults.armRateLimitBurst(4, 1);
          }
        },
        () => undefined,
      );
    }, 200);
    const final = await handle.result().finally(() => clearInterval(bursts));
    fake.faults.clear();

    // Every tick completed, and no order was left of unknown fate: every lost reply was found by its client order id.
    expect(final.tickNo).toBe(TICKS);
    expect(final.inDoubt).toEqual([]);
    const db = harness.database.db;
    const ticks = await listTicks(db, faultCycleId, 100);
    expect(ticks).toHaveLength(TICKS);
    if (process.env.KEEL_TEST_VERBOSE) console.log(JSON.stringify({ durations: ticks.map((t) => t.completedAtMs - t.startedAtMs), orders: ticks.map((t) => t.ordersPlaced), injected: fake.faultsInjected, requests: fake.counters.total }));
    const injected = fake.faultsInjected;
    expect(injected.status5xx).toBeGreaterThan(0);
    expect(injected.timeout).toBeGreaterThan(0);
    expect(injected.rateLimit).toBeGreaterThan(TICKS);

    // Orders reached the exchange once each, lost replies included.
    const orders = await listOrders(db, { cycleId: faultCycleId, limit: 1000 });
    expect(orders.length).toBeGreaterThan(0);
    expect(injected.lose).toBeGreaterThanOrEqual(2);
    const counts = [...fake.ordersByClientId.values()];
    expect(Math.max(...counts)).toBe(1);
    for (const order of orders) expect(fake.ordersByClientId.get(fitClientOrderId(EXCHANGE, order.clientOrderId)), order.clientOrderId).toBe(1);
    expect(fake.book.all.filter((o) => o.clientOrderId !== undefined)).toHaveLength(fake.ordersByClientId.size);
    // ... and keel recorded every order the exchange has: none placed behind its back.
    expect(orders).toHaveLength(fake.ordersByClientId.size);

    // No candle gaps: every coin's stored candles are consecutive up to the last tick.
    const symbols = [...new Set((await listSignals(db, { cycleId: faultCycleId, limit: 10_000 })).map((s) => s.symbol))];
    expect(symbols).toHaveLength(COINS);
    const lastOpen = fake.nowMs - HOUR_MS;
    for (const symbol of symbols) {
      const stored = await loadRecentCandles(db, { exchange: EXCHANGE, symbol, timeframe: '1h', untilOpenTs: lastOpen, limit: 1000 });
      expect(stored.at(-1)?.ts, symbol).toBe(lastOpen);
      expect(stored.length, symbol).toBeGreaterThanOrEqual(40 + TICKS - 1);
      for (let i = 1; i < stored.length; i++) expect(stored[i]!.ts - stored[i - 1]!.ts, `${symbol} gap before ${new Date(stored[i]!.ts).toISOString()}`).toBe(HOUR_MS);
    }

    // The faults in metrics (keel_exchange_calls_total by outcome) and in the logs.
    const exposition = await metrics.exposition();
    const outcomes = new Map<string, number>();
    for (const line of exposition.split('\n')) {
      const match = /^keel_exchange_calls_total\{.*outcome="([^"]+)".*\} (\d+)/.exec(line);
      if (match) outcomes.set(match[1]!, (outcomes.get(match[1]!) ?? 0) + Number(match[2]));
    }
    for (const code of ['ExchangeNotAvailable', 'RequestTimeout', 'RateLimitExceeded']) expect(outcomes.get(code), `${code} in ${JSON.stringify([...outcomes])}`).toBeGreaterThan(0);
    const logged = logLines.join('');
    for (const code of ['ExchangeNotAvailable', 'RequestTimeout', 'RateLimitExceeded']) expect(logged, code).toContain(code);
  });

  it('flags an order the exchange has and keel does not, and does not trade that coin while it is in doubt', async (ctx) => {
    // The fault test's signals at the first candle of this cycle give each coin's score there (same candles, same
    // indicators). This cycle starts with no positions and a buy threshold just under the best scores, so it would buy
    // the best coin (the doubtful one) and the runner-up, if positive.
    const db = harness.database.db;
    const signals = await listSignals(db, { cycleId: faultCycleId, limit: 10_000 });
    const atFirstTick = signals.filter((s) => s.tickTs === fake.nowMs - HOUR_MS).sort((a, b) => b.score - a.score);
    expect(atFirstTick).toHaveLength(COINS);
    const universe = atFirstTick.map((s) => s.symbol).sort();
    const positive = atFirstTick.filter((s) => s.score > 0);
    // The fake market's candles depend on the hour the test runs; in the rare hour where no coin scores above zero there
    // is nothing this cycle would buy, and so nothing to withhold.
    if (positive.length === 0) ctx.skip('no coin scores above zero at this hour\'s fake candles: nothing to withhold');
    const buyThreshold = Math.min(0.02, positive[Math.min(1, positive.length - 1)]!.score * 0.999);
    const buys = atFirstTick.filter((s) => s.score >= buyThreshold).map((s) => s.symbol);
    const doubtful = buys[0]!;

    // Someone places an order directly at the exchange, far below the market, so it rests.
    const [base, quote] = doubtful.split('/') as [string, string];
    const price = await fake.universe.lastPrice(base, fake.nowMs);
    const manual = fake.book.place({ symbol: doubtful, base, quote, side: 'buy', type: 'limit', amount: 1, limitPrice: price / 2, clientOrderId: 'by-hand-1' }, price, fake.nowMs);
    expect(manual.status).toBe('open');

    const { handle } = await harness.startCycle({
      quote: 'USDT',
      maxTicks: 2,
      tickPacingMs: 3_000,
      marketStartMs: fake.nowMs - HOUR_MS,
      warmupCandles: 40,
      universe: { symbols: universe, maxCoins: COINS },
      signal: { ...harness.cycleConfig().signal, buyThreshold, sellThreshold: 0.02 },
      risk: { maxPositionFraction: 0.01, maxOpenPositions: 100, minOrderNotional: 1, cooldownTicks: 1 },
    });
    const cycleId = handle.workflowId;
    await waitFor('the first tick', async () => ((await handle.query(statusQuery)).tickNo >= 1 ? true : undefined), 60_000, 100);

    const statusAfterFirstTick = await handle.query(statusQuery);
    expect(statusAfterFirstTick.inDoubt).toEqual([doubtful]);
    const findings = await listFindings(db, { cycleId, open: true });
    expect(findings).toEqual([expect.objectContaining({ kind: 'unknown_order', symbol: doubtful, ref: manual.id, exchange: EXCHANGE })]);
    expect(findings[0]!.detail).toContain('keel\'s orders table does not');
    const firstTickOrders = (await listOrders(db, { cycleId, limit: 100 })).filter((o) => o.tickTs === fake.nowMs - HOUR_MS);
    expect(firstTickOrders.map((o) => o.symbol)).not.toContain(doubtful);
    // The other coins with a buy signal were bought as usual.
    for (const symbol of buys.slice(1)) expect(firstTickOrders.map((o) => o.symbol)).toContain(symbol);
    expect(logLines.join('')).toContain('reconciliation finding');

    // The order goes away; the reconciliation before the next tick clears the coin.
    fake.book.cancel(manual, fake.nowMs);
    const final = await handle.result();
    expect(final.inDoubt).toEqual([]);
    expect(final.reconcileReason).toBeNull();
    // The fault test's cycle holds coins on the same account: more of a coin than this cycle's position is flagged
    // (balance_excess) but does not hold the coin, since on a live account it may be someone else's.
    const blocking = (f: { kind: string }) => f.kind !== 'balance_excess';
    const after = (await listFindings(db, { cycleId })).filter(blocking);
    expect(after).toHaveLength(1);
    expect(after[0]!.resolvedAtMs).not.toBeNull();
    expect((await listFindings(db, { cycleId, open: true })).filter(blocking)).toEqual([]);
  });
});
