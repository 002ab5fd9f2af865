import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { guardedAttempt } from '../../../src/activities/attempt-guard.js';
import type { OrderExecutionInput, OrderExecutionResult } from '../../../src/contracts/workflow-types.js';
import { reserveLiveNotional } from '../../../src/db/queries/live-reservations.js';
import { liveOrderReservations } from '../../../src/db/schema/index.js';
import { clientOrderIdFor } from '../../../src/domain/business-key.js';
import { Dec } from '../../../src/domain/decimal-math.js';
import { isKeelError } from '../../../src/domain/errors.js';
import type { KeelError } from '../../../src/domain/errors.js';
import type { OrderIntent } from '../../../src/domain/market-types.js';
import { fitClientOrderId } from '../../../src/exchange/capabilities.js';
import { CcxtGateway } from '../../../src/exchange/ccxt-gateway.js';
import { LiveBroker } from '../../../src/exchange/live-broker.js';
import { createHarness, type Harness } from '../../helpers/keel-harness.js';
import { SHARED_DATA_MISSING, sharedDataAvailable, startFakeExchange } from '../../helpers/fake-exchange/index.js';
import type { FakeExchange } from '../../helpers/fake-exchange/index.js';

// Attempts these tests stop on purpose would otherwise be logged as failed activities.
const quiet = new DefaultLogger('ERROR');

/**
 * A placement whose attempt Temporal gives up never sends a second order. Ten buys of one tick share the gateway's
 * 1 call/s queue (four calls each) on the fake Kraken, which is slow to carry orders out, through real activities and a
 * real Temporal server: exactly one order per client order id reaches the exchange and each is reserved once against
 * the daily cap. (With 15 s attempts and no guard, a retry looked the order up while the first attempt's create was
 * still queued or in flight, found nothing, and placed it again.)
 * Then the guard itself, on the real gateway: a call whose rate-limit slot comes too late for its attempt is refused
 * before it queues, a cancelled attempt stops waiting at once, and neither sends anything.
 */

const HOUR_MS = 3_600_000;
const KEY = 'key-abcdef-123456';
const SECRET = 'c2VjcmV0LXNlY3JldC1zZWNyZXQx';
const BUYS = 10;
/** Reply delay of every request, and the extra time the fake takes to carry an order out. */
const LATENCY_MS = 500;
const CREATE_LATENCY_MS = 20_000;
/** The gateway's request timeout: longer than an order placement takes. */
const REQUEST_TIMEOUT_MS = 25_000;
const NOTIONAL_USDT = 20;
/** How long the buys may take: forty calls at 1/s, the last creates answered 20 s after, take about 50 s. */
const SETTLE_MS = 80_000;

function expectAttemptStopped(error: unknown): KeelError {
  expect(isKeelError(error), String(error)).toBe(true);
  const stopped = error as KeelError;
  expect(stopped.code).toBe('AttemptStopped');
  expect(stopped.retryable).toBe(true);
  expect(stopped.message).toMatch(/not (sent|placed)/);
  return stopped;
}

if (!sharedDataAvailable()) {
  describe('placement under timeouts', () => {
    // Skipped on purpose: the fake exchange replays recorded replies from ../shared/data, which a fresh clone lacks.
    it.skip(SHARED_DATA_MISSING, () => undefined);
  });
}

describe.skipIf(!sharedDataAvailable())('placement under timeouts on the fake kraken', () => {
  let fake: FakeExchange;
  let gateway: CcxtGateway;
  let harness: Harness;
  let symbols: string[];

  beforeAll(async () => {
    fake = await startFakeExchange({ exchange: 'kraken', coins: 12, nowMs: Math.floor(Date.now() / HOUR_MS) * HOUR_MS });
    // Kraken's public rate, 1 call/s.
    gateway = new CcxtGateway({ exchangeId: 'kraken', baseUrl: fake.baseUrl, apiKey: KEY, secret: SECRET, timeoutMs: REQUEST_TIMEOUT_MS, rateLimitPerSecond: 1 });
    symbols = (await gateway.listSymbols('USDT')).slice(0, BUYS);
    expect(symbols).toHaveLength(BUYS);
    harness = await createHarness({ gateway });
    const db = harness.database.db;
    const broker = new LiveBroker({
      exchange: gateway,
      maxOrderNotional: 1_000,
      maxDailyNotional: 1_000_000,
      reserveNotional: (request) => reserveLiveNotional(db, { accountKey: 'cycle/kraken/', ...request }),
    });
    await harness.startWorkers(undefined, undefined, undefined, { broker });
  });
  afterAll(async () => {
    await harness?.teardown();
    await gateway?.close();
    await fake?.close();
  });

  it(`places each of ${BUYS} concurrent buys exactly once and reserves each once, though the rate-limit queue and slow order placements outlast a 15 s attempt`, async () => {
    const cycleId = `timeouts-${Date.now().toString(36)}`;
    const tickTs = fake.nowMs - HOUR_MS;
    const buys: Array<{ clientOrderId: string; intent: OrderIntent }> = [];
    for (const symbol of symbols) {
      const price = await fake.universe.lastPrice(symbol.split('/')[0] as string, fake.nowMs);
      const amount = (NOTIONAL_USDT / price).toFixed(6);
      buys.push({ clientOrderId: clientOrderIdFor({ cycleId, tickTs, symbol, side: 'buy' }), intent: { symbol, side: 'buy', type: 'market', amount, price: String(price), reason: 'placement timeout test' } });
    }

    fake.faults.set({ latencyMs: LATENCY_MS, createLatencyMs: CREATE_LATENCY_MS });
    const handles = await Promise.all(
      buys.map(({ clientOrderId, intent }) => {
        const input: OrderExecutionInput = { cycleId, exchange: 'kraken', account: cycleId, quote: 'USDT', tickTs, clientOrderId, intent, fillTimeoutMs: 5_000, taskQueuePrefix: harness.prefix };
        return harness.client.workflow.start('orderExecution', { taskQueue: harness.queues.cycle, workflowId: `${cycleId}-${intent.symbol}`, args: [input] });
      }),
    );
    // Bounded: without the guard, attempts that keep timing out retry for minutes; the orders they sent are checked.
    const results = await Promise.race([
      Promise.all(handles.map((handle) => handle.result() as Promise<OrderExecutionResult>)),
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), SETTLE_MS)),
    ]);
    fake.faults.clear();

    // At the exchange: ten order placements sent (a second one for a client order id counts here even while the fake
    // has yet to carry it out), one order per client order id.
    expect(fake.counters.requests('kraken.AddOrder'), 'order placements sent to the exchange').toBe(BUYS);
    const ids = buys.map((buy) => fitClientOrderId('kraken', buy.clientOrderId));
    const created = ids.map((id) => fake.ordersByClientId.get(id) ?? 0);
    expect(created, `orders per client order id (${JSON.stringify([...fake.ordersByClientId])})`).toEqual(ids.map(() => 1));
    expect(fake.book.all.filter((order) => order.clientOrderId !== undefined)).toHaveLength(BUYS);
    expect(results, `every buy settled within ${SETTLE_MS / 1000} s`).toBeDefined();
    expect(results!.map((result) => result.ok), JSON.stringify(results!.filter((r) => !r.ok))).toEqual(buys.map(() => true));

    // Against the daily cap: one reservation per client order id, with that one order's notional.
    const reservations = await harness.database.db.select().from(liveOrderReservations);
    expect(reservations.map((r) => r.clientOrderId).sort()).toEqual(buys.map((buy) => buy.clientOrderId).sort());
    for (const { clientOrderId, intent } of buys) {
      const reserved = reservations.find((r) => r.clientOrderId === clientOrderId)!;
      expect(new Dec(reserved.notional).eq(new Dec(intent.amount).times(intent.price)), `${clientOrderId} reserved ${reserved.notional}`).toBe(true);
    }
  });

  it('refuses, before queueing, a guarded call whose rate-limit slot comes too late for its attempt, and sends nothing', async () => {
    const [symbol] = symbols as [string];
    const price = await fake.universe.lastPrice(symbol.split('/')[0] as string, fake.nowMs);
    const intent: OrderIntent = { symbol, side: 'buy', type: 'market', amount: (NOTIONAL_USDT / price).toFixed(6), price: String(price), reason: 'guard test' };
    // Four calls queued ahead (one request each).
    const backlog = Array.from({ length: 4 }, () => gateway.fetchBalances());
    const before = { requests: fake.counters.total, notSent: gateway.calls.notSent };
    // The attempt is alive 3 s (4 s start-to-close less the dispatch margin); its first call's slot is about 4 s away.
    const env = new MockActivityEnvironment({ startToCloseTimeoutMs: 4_000, heartbeatTimeoutMs: 10_000 }, { logger: quiet });
    const startedMs = performance.now();
    const error = await env.run(() => guardedAttempt((guard) => gateway.findOrCreateOrder('kl-too-late', intent, guard))).catch((e: unknown) => e);
    expect(performance.now() - startedMs).toBeLessThan(500);
    const stopped = expectAttemptStopped(error);
    expect(stopped.message).toMatch(/the rate limiter would send it in \d+\.\d s and its reply may take up to 25\.0 s, but the attempt ends in/);
    // The retry is asked to wait for the calls queued ahead.
    expect(stopped.retryAfterMs).toBeGreaterThanOrEqual(1_000);
    expect(gateway.calls.notSent).toBe(before.notSent + 1);
    await Promise.all(backlog);
    expect(fake.counters.total - before.requests).toBe(4);
    expect(fake.ordersByClientId.has(fitClientOrderId('kraken', 'kl-too-late'))).toBe(false);
  });

  it('stops waiting for its slot as soon as Temporal cancels the attempt, and sends nothing', async () => {
    const [symbol] = symbols as [string];
    const price = await fake.universe.lastPrice(symbol.split('/')[0] as string, fake.nowMs);
    const intent: OrderIntent = { symbol, side: 'buy', type: 'market', amount: (NOTIONAL_USDT / price).toFixed(6), price: String(price), reason: 'guard test' };
    const backlog = Array.from({ length: 3 }, () => gateway.fetchBalances());
    const before = fake.counters.total;
    const env = new MockActivityEnvironment({ startToCloseTimeoutMs: 60_000, heartbeatTimeoutMs: 10_000 }, { logger: quiet });
    setTimeout(() => env.cancel('TIMED_OUT'), 300);
    const startedMs = performance.now();
    const error = await env.run(() => guardedAttempt((guard) => gateway.findOrCreateOrder('kl-cancelled', intent, guard))).catch((e: unknown) => e);
    // Its slot was about 3 s away.
    expect(performance.now() - startedMs).toBeLessThan(1_500);
    expect(expectAttemptStopped(error).message).toMatch(/Temporal cancelled the attempt \(.*TIMED_OUT.*\)/);
    await Promise.all(backlog);
    expect(fake.counters.total - before).toBe(3);
    expect(fake.ordersByClientId.has(fitClientOrderId('kraken', 'kl-cancelled'))).toBe(false);
  });

  it('the paper broker writes no order for a cancelled attempt', async () => {
    const [symbol] = symbols as [string];
    const intent: OrderIntent = { symbol, side: 'buy', type: 'market', amount: '0.001', price: '1', reason: 'guard test' };
    const env = new MockActivityEnvironment({ startToCloseTimeoutMs: 60_000, heartbeatTimeoutMs: 10_000 }, { logger: quiet });
    const error = await env
      .run(() =>
        guardedAttempt(async (guard) => {
          env.cancel('CANCELLED');
          return harness.broker.placeOrder({ account: 'paper-guard', quote: 'USDT', clientOrderId: 'kl-paper-cancelled', intent, asOfMs: fake.nowMs, guard });
        }),
      )
      .catch((e: unknown) => e);
    expect(expectAttemptStopped(error).message).toMatch(/^paper order buy 0\.001 .*: not placed, Temporal cancelled the attempt/);
    expect(await harness.broker.findOrder('paper-guard', 'kl-paper-cancelled', symbol)).toBeNull();
  });
});
