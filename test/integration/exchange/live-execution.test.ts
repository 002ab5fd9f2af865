import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { Worker } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../../src/workers/workflow-bundle.js';
import { statusQuery } from '../../../src/contracts/messages.js';
import { listOrders } from '../../../src/db/queries/orders.js';
import { reserveLiveNotional } from '../../../src/db/queries/live-reservations.js';
import { listFindings } from '../../../src/db/queries/reconciliation.js';
import { listPositions } from '../../../src/db/queries/ticks.js';
import { liveOrderReservations } from '../../../src/db/schema/index.js';
import { fitClientOrderId, supportedTimeframes } from '../../../src/exchange/capabilities.js';
import { CcxtGateway } from '../../../src/exchange/ccxt-gateway.js';
import { LiveBroker } from '../../../src/exchange/live-broker.js';
import { createHarness, waitFor, type Harness } from '../../helpers/keel-harness.js';
import { FAKE_MAKER_FEE_RATE, SHARED_DATA_MISSING, sharedDataAvailable, startFakeExchange, type FakeExchange } from '../../helpers/fake-exchange/index.js';

/**
 * Execution on a live account, durable end to end. Maker-first: a market cycle on the loopback fake Kraken (the real ccxt class,
 * keys, the live broker) places its signal buys post-only at the best bid, where they rest at the exchange; one is
 * filled in part between two ticks, and the next tick cancels it and books exactly that part at its limit with the
 * maker fee; the others are cancelled and re-priced under derived ids, then sent on at market. No client order id
 * reaches the exchange twice, the daily cap counts each decision once, and reconciliation finds nothing unexplained in
 * the cycle's own resting orders. TWAP and stops: larger buys go out as market slices at consecutive ticks, each under
 * its own derived id and counted against the daily cap, and stops sell at market what the slices bought. Stops on
 * the exchange: each held coin's stop rests there as a stop-market sell, and one the exchange fires is booked.
 */

const HOUR_MS = 3_600_000;
const ACCOUNT_KEY = 'cycle/kraken/';

if (!sharedDataAvailable()) {
  describe('live execution on the fake exchange', () => {
    // Skipped on purpose: the fake's replies are built from recorded ones in ../shared/data.
    it.skip(SHARED_DATA_MISSING, () => undefined);
  });
}

describe.skipIf(!sharedDataAvailable())('live execution in a durable cycle on the fake kraken', () => {
  let fake: FakeExchange;
  let gateway: CcxtGateway;
  let harness: Harness;

  beforeAll(async () => {
    // The fake's default clock: the same candles, and so the same signals, on every run.
    fake = await startFakeExchange({ exchange: 'kraken', coins: 12, historyMs: 5 * 24 * HOUR_MS });
    gateway = new CcxtGateway({ exchangeId: 'kraken', baseUrl: fake.baseUrl, apiKey: 'key-abcdef-123456', secret: 'c2VjcmV0LXNlY3JldC1zZWNyZXQx', timeoutMs: 2_000, rateLimitPerSecond: 1_000 });
    harness = await createHarness({ gateway });
    const db = harness.database.db;
    const broker = new LiveBroker({ exchange: gateway, maxOrderNotional: 5_000, maxDailyNotional: 10_000_000, reserveNotional: (request) => reserveLiveNotional(db, { accountKey: ACCOUNT_KEY, ...request }) });
    await harness.startWorkers(undefined, undefined, undefined, { broker, accountReader: gateway, requestBudget: { supportedTimeframes: supportedTimeframes('kraken') }, exchangeRequestsPerSecond: 200 });
  });
  afterAll(async () => {
    await harness?.teardown();
    await gateway?.close();
    await fake?.close();
  });

  /**
   * A cycle of `ticks` hourly ticks ending at the fake's clock, over its 8 top coins, where any positive score buys
   * (several coins at the first tick) and nothing scores low enough to sell; about 0.5 % of equity a buy.
   */
  const cycleOf = (ticks: number) => ({
    quote: 'USDT',
    maxTicks: ticks,
    marketStartMs: fake.nowMs - (ticks - 1) * HOUR_MS,
    warmupCandles: 40,
    universe: { symbols: null, maxCoins: 8 },
    signal: { ...harness.cycleConfig().signal, buyThreshold: 0.0001, sellThreshold: 1 },
    risk: { maxPositionFraction: 0.005, maxOpenPositions: 100, minOrderNotional: 1, cooldownTicks: 1 },
  });

  it('rests post-only at the bid, books a partial maker fill found at the cancel, re-prices the rest once and then takes; nothing placed twice', async () => {
    const { handle } = await harness.startCycle({
      ...cycleOf(3),
      // Time between ticks for the test to fill a resting order at the exchange.
      tickPacingMs: 4_000,
      execution: { mode: 'maker_first', maxReprices: 1, fallback: 'market', iocLimitBps: 20 },
    });
    const cycleId = handle.workflowId;
    const db = harness.database.db;

    // Tick 1: the buys rest at the exchange as post-only limits at the bid (the fake's bid is 1 bp under its last price).
    const first = await waitFor('the first tick to leave orders resting', async () => {
      const status = await handle.query(statusQuery);
      return status.tickNo >= 1 && (status.working?.length ?? 0) > 1 ? status : undefined;
    }, 60_000, 50);
    const resting = first.working!;
    for (const order of resting) {
      const atExchange = fake.book.all.find((o) => o.clientOrderId === fitClientOrderId('kraken', order.clientOrderId))!;
      expect(atExchange, order.clientOrderId).toMatchObject({ status: 'open', postOnly: true, type: 'limit', limitPrice: Number(order.limitPrice) });
      const [base] = order.symbol.split('/') as [string];
      expect(Number(order.limitPrice)).toBeLessThan(await fake.universe.lastPrice(base, fake.nowMs));
    }

    // Between ticks, a counterparty takes half of the first resting buy.
    const partial = resting[0]!;
    const half = Number(partial.amount) / 2;
    fake.fillResting(fitClientOrderId('kraken', partial.clientOrderId), half);

    const final = await handle.result();
    expect(final.tickNo).toBe(3);
    expect(final.inDoubt).toEqual([]);
    expect(final.working ?? []).toEqual([]);

    // The partly filled order ended canceled with exactly its filled half booked, at its limit, with the maker fee.
    const orders = await listOrders(db, { cycleId, limit: 1000 });
    const partialRow = orders.find((o) => o.clientOrderId === partial.clientOrderId)!;
    expect(partialRow).toMatchObject({ status: 'canceled', averagePrice: partial.limitPrice, tickTs: fake.nowMs - 2 * HOUR_MS });
    // (to the decimals the venue prints amounts and fees with)
    const near = (value: string | undefined, expected: number, relative = 1e-9) => expect(Math.abs(Number(value) - expected) / expected).toBeLessThan(relative);
    near(partialRow.filled, half);
    near(partialRow.feeQuote, half * Number(partial.limitPrice) * FAKE_MAKER_FEE_RATE, 1e-6);
    const position = (await listPositions(db, cycleId)).find((p) => p.symbol === partial.symbol);
    near(position?.quantity, half);

    // The others: canceled unfilled at tick 2, re-placed post-only once under a new derived id, then sent at market.
    const others = resting.slice(1);
    for (const order of others) {
      const mine = fake.book.all.filter((o) => o.symbol === order.symbol && o.side === 'buy');
      expect(mine.map((o) => [o.type, o.postOnly, o.status]), order.symbol).toEqual([
        ['limit', true, 'canceled'],
        ['limit', true, 'canceled'],
        ['market', false, 'closed'],
      ]);
      expect(new Set(mine.map((o) => o.clientOrderId)).size).toBe(3);
    }

    // Every client order id reached the exchange once, and keel recorded every order the exchange has.
    expect(Math.max(...fake.ordersByClientId.values())).toBe(1);
    const fitted = new Set(orders.map((o) => fitClientOrderId('kraken', o.clientOrderId)));
    for (const order of fake.book.all) expect(fitted.has(order.clientOrderId!), `${order.clientOrderId} recorded by keel`).toBe(true);

    // The daily cap counted each buy decision once: one reservation per maker-first parent, none per re-price or fallback.
    const reservations = await db.select().from(liveOrderReservations).where(eq(liveOrderReservations.accountKey, ACCOUNT_KEY));
    const buyOrders = fake.book.all.filter((o) => o.side === 'buy').length;
    expect(reservations.length).toBeGreaterThanOrEqual(resting.length);
    expect(reservations.length).toBeLessThan(buyOrders);
    const orderIds = new Set(orders.map((o) => o.clientOrderId));
    for (const reservation of reservations) expect(orderIds.has(reservation.clientOrderId), 'a reservation under a parent id, not an order id').toBe(false);

    // Reconciliation saw the cycle's own resting orders and their reserved balances as explained.
    expect((await listFindings(db, { cycleId })).filter((f) => f.kind !== 'balance_excess')).toEqual([]);
  });

  it('sends a TWAP as market slices at consecutive ticks, each reserved against the daily cap, and a stop sells what they bought', async () => {
    const db = harness.database.db;
    const before = new Set(fake.book.all.map((o) => o.id));
    const { handle } = await harness.startCycle({
      ...cycleOf(6),
      // About 500 USDT a buy: every buy goes out as two slices a tick apart; a 0.5 % stop is hit by some within a few candles.
      execution: { mode: 'market', maxReprices: 2, fallback: 'market', iocLimitBps: 20, twap: { minNotional: 100, slices: 2, intervalTicks: 1 } },
      exits: { stopLossFraction: 0.005, stopLossAtr: null, trailingStop: null, takeProfitFraction: null, timeLimitCandles: null },
    });
    const final = await handle.result();
    expect(final.tickNo).toBe(6);
    expect(final.inDoubt).toEqual([]);
    const orders = (await listOrders(db, { cycleId: handle.workflowId, limit: 1000 })).sort((a, b) => a.tickTs - b.tickTs);
    const atExchange = fake.book.all.filter((o) => !before.has(o.id));
    // Every order is a market order at the exchange, each client order id once, each recorded by keel.
    expect(atExchange.length).toBe(orders.length);
    expect(atExchange.every((o) => o.type === 'market')).toBe(true);
    expect(Math.max(...fake.ordersByClientId.values())).toBe(1);

    // A buy's second slice goes out one tick after the first, with the same amount and reason under another id.
    const buys = orders.filter((o) => o.side === 'buy');
    const pairs = buys.flatMap((first) => buys.filter((o) => o.symbol === first.symbol && o.tickTs === first.tickTs + HOUR_MS && o.reason === first.reason).map((second) => [first, second] as const));
    expect(pairs.length).toBeGreaterThan(0);
    for (const [first, second] of pairs) {
      expect(second.clientOrderId).not.toBe(first.clientOrderId);
      // (the last slice takes what rounding left: the same amount to the last unit of the step)
      expect(Math.abs(Number(second.amount) - Number(first.amount))).toBeLessThanOrEqual(1.5e-8);
    }

    // A stop one tick after a first slice ends that TWAP: it sells the first slice, and the second is never sent.
    const cutShort = buys.filter((first) => {
      const stop = orders.find((o) => o.symbol === first.symbol && o.tickTs === first.tickTs + HOUR_MS && o.reason.startsWith('stop_loss: '));
      return stop !== undefined && stop.filled === first.filled && !buys.some((o) => o.symbol === first.symbol && o.tickTs === first.tickTs + HOUR_MS);
    });
    expect(cutShort.length).toBeGreaterThan(0);

    // Slices are separate money: each reserved against the daily cap under its own id.
    const reserved = new Set((await db.select().from(liveOrderReservations)).map((r) => r.clientOrderId));
    for (const buy of orders.filter((o) => o.side === 'buy')) expect(reserved.has(buy.clientOrderId), buy.clientOrderId).toBe(true);

    // Stops sold at market, never more than the slices had bought.
    const stops = orders.filter((o) => o.reason.startsWith('stop_loss: '));
    expect(stops.length).toBeGreaterThan(0);
    for (const stop of stops) {
      const bought = orders.filter((o) => o.symbol === stop.symbol && o.side === 'buy' && o.tickTs < stop.tickTs).reduce((sum, o) => sum + Number(o.filled), 0);
      expect(Number(stop.filled)).toBeLessThanOrEqual(bought * (1 + 1e-12));
      expect(Number(stop.filled)).toBeGreaterThan(0);
    }
  });

  it('keeps each position\'s stop resting on the exchange, books the one the exchange fired, and sells nothing twice', async () => {
    const db = harness.database.db;
    const before = new Set(fake.book.all.map((o) => o.id));
    const { handle } = await harness.startCycle({
      ...cycleOf(3),
      // Time between ticks for the test to move the market through a stop.
      tickPacingMs: 4_000,
      // A take-profit 0.1 % up: keel's own exit sells some coins at market, cancelling their stops first.
      exits: { stopLossFraction: 0.03, stopLossAtr: null, trailingStop: null, takeProfitFraction: 0.001, timeLimitCandles: null, onExchange: true },
    });
    const cycleId = handle.workflowId;
    const first = await waitFor('the first tick to leave stops on the exchange', async () => {
      const status = await handle.query(statusQuery);
      return status.tickNo >= 1 && (status.exchangeStops?.length ?? 0) > 1 ? status : undefined;
    }, 60_000, 50);
    expect(first.risk?.stops).toBe('on_exchange');
    // One stop-market sell per held coin, of the whole position, 3 % under its entry.
    const positions = await listPositions(db, cycleId);
    for (const stop of first.exchangeStops!) {
      const held = positions.find((p) => p.symbol === stop.symbol)!;
      expect(Number(stop.amount)).toBe(Number(held.quantity));
      expect(Number(stop.stopPrice)).toBeCloseTo(Number(held.averagePrice) * 0.97, 6);
      const atExchange = fake.book.all.find((o) => o.clientOrderId === fitClientOrderId('kraken', stop.clientOrderId))!;
      expect(atExchange).toMatchObject({ status: 'open', side: 'sell' });
      // (the venue keeps the trigger at its price precision)
      expect(Math.abs(atExchange.stopPrice! - Number(stop.stopPrice)) / Number(stop.stopPrice)).toBeLessThan(1e-4);
    }

    // Between ticks the price of one coin trades through its stop: the exchange sells it, with keel looking away.
    const fired = first.exchangeStops![0]!;
    const filled = fake.triggerStops(fired.symbol, Number(fired.stopPrice) * 0.999);
    expect(filled).toHaveLength(1);

    const final = await handle.result();
    expect(final.inDoubt).toEqual([]);
    const orders = await listOrders(db, { cycleId, limit: 1000 });
    // keel booked the exchange's sell as a stop-loss at its fill, and sold that coin no other way.
    const sells = orders.filter((o) => o.symbol === fired.symbol && o.side === 'sell' && Number(o.filled) > 0);
    expect(sells).toEqual([expect.objectContaining({ clientOrderId: fired.clientOrderId, status: 'closed' })]);
    expect(Number(sells[0]!.filled)).toBe(Number(fired.amount));
    expect(sells[0]!.reason).toMatch(/^stop_loss: triggered on the exchange at stop /);
    expect(Number(sells[0]!.averagePrice)).toBeCloseTo(Number(fired.stopPrice) * 0.999, 6);
    // keel's own take-profit sold coins at market: each one's stop was cancelled at the exchange before the sell went out.
    const takeProfits = orders.filter((o) => o.reason.startsWith('take_profit: ') && o.status === 'closed');
    expect(takeProfits.length).toBeGreaterThan(0);
    for (const sell of takeProfits) {
      // (the fake refuses a sell of coins a stop holds: a filled take-profit shows the cancel came first)
      const placedBefore = fake.book.all.filter((o) => !before.has(o.id) && o.symbol === sell.symbol && o.stopPrice !== undefined && orders.find((r) => fitClientOrderId('kraken', r.clientOrderId) === o.clientOrderId)!.tickTs < sell.tickTs);
      expect(placedBefore.length, sell.symbol).toBeGreaterThan(0);
      for (const stop of placedBefore) expect(stop.status, sell.symbol).toBe('canceled');
    }
    // The stops still resting are the cycle's own, open at the exchange; none placed twice.
    for (const stop of final.exchangeStops ?? []) {
      expect(fake.book.all.find((o) => o.clientOrderId === fitClientOrderId('kraken', stop.clientOrderId))?.status, stop.symbol).toBe('open');
    }
    expect((final.exchangeStops ?? []).length).toBeGreaterThan(0);
    expect(Math.max(...fake.ordersByClientId.values())).toBe(1);
    const mine = fake.book.all.filter((o) => !before.has(o.id));
    const recorded = new Set(orders.map((o) => fitClientOrderId('kraken', o.clientOrderId)));
    for (const order of mine) expect(recorded.has(order.clientOrderId!), `${order.clientOrderId} recorded by keel`).toBe(true);
    expect((await listFindings(db, { cycleId })).filter((f) => f.kind !== 'balance_excess')).toEqual([]);

    // Every run of this cycle (stops carried through continue-as-new, stop children, a fired stop booked) replays
    // against the workflow code without a nondeterminism error.
    let runs = 0;
    for await (const run of harness.client.workflow.list({ query: `WorkflowId = "${cycleId}"` })) {
      const history = await harness.client.workflow.getHandle(cycleId, run.runId).fetchHistory();
      await expect(Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH, replayName: `${cycleId}/${run.runId}` }, history, cycleId)).resolves.toBeUndefined();
      runs++;
    }
    expect(runs).toBeGreaterThan(1);
  });
});
