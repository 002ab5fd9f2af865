import { describe, expect, it } from 'vitest';
import { KeelError } from '../../../src/domain/errors.js';
import type { OrderIntent, OrderState } from '../../../src/domain/market-types.js';
import { LiveBroker, type LiveExchange } from '../../../src/exchange/live-broker.js';

const NOW = Date.UTC(2026, 0, 5, 15, 30);
const DAY_START = Date.UTC(2026, 0, 5);

function fakeExchange(): LiveExchange & { calls: string[] } {
  const calls: string[] = [];
  return {
    exchangeId: 'kraken',
    calls,
    async findOrCreateOrder(clientOrderId: string, intent: OrderIntent) {
      calls.push(`findOrCreate ${clientOrderId}`);
      const order: OrderState = { clientOrderId, exchangeOrderId: `x-${clientOrderId}`, symbol: intent.symbol, side: intent.side, type: intent.type, status: 'closed', amount: intent.amount, filled: intent.amount, averagePrice: intent.price, feeQuote: '0', createdAtMs: NOW };
      return { order, created: true };
    },
    async fetchOrderByClientId(symbol, clientOrderId) {
      calls.push(`fetch ${symbol} ${clientOrderId}`);
      return null;
    },
    async cancelOrder(symbol, clientOrderId) {
      calls.push(`cancel ${symbol} ${clientOrderId}`);
      return null;
    },
    async fetchBalances() {
      calls.push('balances');
      return [];
    },
  };
}

const buy = (amount: string, price: string): OrderIntent => ({ symbol: 'BTC/USD', side: 'buy', type: 'market', amount, price, reason: 'test' });

async function refusal(promise: Promise<unknown>): Promise<KeelError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(KeelError);
  return error as KeelError;
}

/** The daily-cap reservations of one account, in memory; the database version is tested in test/integration/db. */
function reservations(usedAtStart = '0') {
  const reserved = new Map<string, string>();
  const asked: Array<{ clientOrderId: string; sinceMs: number; nowMs: number }> = [];
  return {
    asked,
    async reserveNotional(request: { clientOrderId: string; notional: string; sinceMs: number; nowMs: number; capNotional: string }) {
      asked.push({ clientOrderId: request.clientOrderId, sinceMs: request.sinceMs, nowMs: request.nowMs });
      const usedBefore = [...reserved].filter(([id]) => id !== request.clientOrderId).reduce((sum, [, n]) => sum + Number(n), Number(usedAtStart));
      if (reserved.has(request.clientOrderId)) return { reserved: true, usedBefore: String(usedBefore) };
      if (usedBefore + Number(request.notional) > Number(request.capNotional)) return { reserved: false, usedBefore: String(usedBefore) };
      reserved.set(request.clientOrderId, request.notional);
      return { reserved: true, usedBefore: String(usedBefore) };
    },
  };
}

const sell = (amount: string, price: string): OrderIntent => ({ ...buy(amount, price), side: 'sell' });

/** The exchange with every intent it is asked to place recorded, in order. */
function recordingIntents(exchange: LiveExchange): { recording: LiveExchange; sent: OrderIntent[] } {
  const sent: OrderIntent[] = [];
  const recording: LiveExchange = {
    ...exchange,
    findOrCreateOrder(clientOrderId, intent, guard) {
      sent.push(intent);
      return exchange.findOrCreateOrder(clientOrderId, intent, guard);
    },
  };
  return { recording, sent };
}

describe('live broker caps', () => {
  it('refuses a buy over the per-order cap before any call, naming the figures', async () => {
    const exchange = fakeExchange();
    const day = reservations();
    const broker = new LiveBroker({ exchange, maxOrderNotional: 100, maxDailyNotional: 1000, reserveNotional: day.reserveNotional, now: () => NOW });
    const error = await refusal(broker.placeOrder({ account: 'a', quote: 'USD', clientOrderId: 'kl1', intent: buy('0.002', '60000'), asOfMs: NOW }));
    expect(error.code).toBe('InvalidOrder');
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      'live buy 0.002 BTC/USD at 60000 (client order id kl1) on kraken: notional 120.00 USD is over the per-order cap KEEL_LIVE_MAX_ORDER_NOTIONAL 100 USD; nothing was sent',
    );
    expect(exchange.calls).toEqual([]);
    expect(day.asked).toEqual([]);
  });

  it('refuses a buy that would pass the daily cap, counting today from 00:00 UTC, before any call', async () => {
    const exchange = fakeExchange();
    const day = reservations('900');
    const broker = new LiveBroker({ exchange, maxOrderNotional: 500, maxDailyNotional: 1000, reserveNotional: day.reserveNotional, now: () => NOW });
    const error = await refusal(broker.placeOrder({ account: 'a', quote: 'USD', clientOrderId: 'kl2', intent: buy('0.004', '50000'), asOfMs: NOW }));
    expect(error.code).toBe('LiveTradingDisabled');
    expect(error.message).toContain("900.00 USD of buys reserved since 2026-01-05T00:00:00.000Z + this order's 200.00 USD is over the daily cap KEEL_LIVE_MAX_DAILY_NOTIONAL 1000 USD");
    expect(day.asked).toEqual([{ clientOrderId: 'kl2', sinceMs: DAY_START, nowMs: NOW }]);
    expect(exchange.calls).toEqual([]);
  });

  it('reserves buys sent at once against each other, and counts a retry of a reserved order once', async () => {
    const exchange = fakeExchange();
    const broker = new LiveBroker({ exchange, maxOrderNotional: 500, maxDailyNotional: 1000, reserveNotional: reservations('500').reserveNotional, now: () => NOW });
    const placements = ['kla', 'klb', 'klc'].map((id) => broker.placeOrder({ account: 'a', quote: 'USD', clientOrderId: id, intent: buy('0.004', '50000'), asOfMs: NOW }).then(() => 'placed', (e: KeelError) => e.code));
    expect(await Promise.all(placements)).toEqual(['placed', 'placed', 'LiveTradingDisabled']);
    expect(exchange.calls).toEqual(['findOrCreate kla', 'findOrCreate klb']);
    expect(await broker.placeOrder({ account: 'a', quote: 'USD', clientOrderId: 'kla', intent: buy('0.004', '50000'), asOfMs: NOW }).then(() => 'placed')).toBe('placed');
  });

  it('never caps a sell: on a spot account it only reduces a position, and refusing it would trap that position', async () => {
    const exchange = fakeExchange();
    const day = reservations('1000');
    const broker = new LiveBroker({ exchange, maxOrderNotional: 100, maxDailyNotional: 1000, reserveNotional: day.reserveNotional, now: () => NOW });
    const order = await broker.placeOrder({ account: 'a', quote: 'USD', clientOrderId: 'kls', intent: sell('0.01', '60000'), asOfMs: NOW });
    expect(order.side).toBe('sell');
    expect(exchange.calls).toEqual(['findOrCreate kls']);
    expect(day.asked).toEqual([]);
  });

  it('passes post-only and immediate-or-cancel intents through to the exchange as they are, caps checked first', async () => {
    const exchange = fakeExchange();
    const { recording, sent } = recordingIntents(exchange);
    const day = reservations();
    const broker = new LiveBroker({ exchange: recording, maxOrderNotional: 100, maxDailyNotional: 10_000, reserveNotional: day.reserveNotional, now: () => NOW });
    const postOnly = { ...buy('0.001', '60000'), type: 'limit' as const, postOnly: true };
    const ioc = { ...sell('0.001', '60000'), type: 'limit' as const, timeInForce: 'IOC' as const };
    await broker.placeOrder({ account: 'a', quote: 'USD', clientOrderId: 'klm', intent: postOnly, asOfMs: NOW });
    await broker.placeOrder({ account: 'a', quote: 'USD', clientOrderId: 'kln', intent: ioc, asOfMs: NOW });
    expect(sent).toEqual([postOnly, ioc]);
    expect(day.asked.map((entry) => entry.clientOrderId)).toEqual(['klm']);
    // The per-order cap still applies to a post-only buy.
    const over = await refusal(broker.placeOrder({ account: 'a', quote: 'USD', clientOrderId: 'klo', intent: { ...postOnly, amount: '0.002' }, asOfMs: NOW }));
    expect(over.code).toBe('InvalidOrder');
    expect(exchange.calls).toEqual(['findOrCreate klm', 'findOrCreate kln']);
  });

  it('passes a stop sell (stopPrice) through as it is, with no cap reserved: over the per-order cap and the spent daily cap', async () => {
    const exchange = fakeExchange();
    const { recording, sent } = recordingIntents(exchange);
    const day = reservations('1000');
    const broker = new LiveBroker({ exchange: recording, maxOrderNotional: 100, maxDailyNotional: 1000, reserveNotional: day.reserveNotional, now: () => NOW });
    const stop: OrderIntent = { ...sell('0.01', '60000'), stopPrice: '57000' };
    await broker.placeOrder({ account: 'a', quote: 'USD', clientOrderId: 'klstop', intent: stop, asOfMs: NOW });
    expect(sent).toEqual([stop]);
    expect(exchange.calls).toEqual(['findOrCreate klstop']);
    expect(day.asked).toEqual([]);
  });

  it("counts a re-priced order under its parent's reservation (capKey), not once more against the daily cap", async () => {
    const exchange = fakeExchange();
    const day = reservations();
    const broker = new LiveBroker({ exchange, maxOrderNotional: 500, maxDailyNotional: 500, reserveNotional: day.reserveNotional, now: () => NOW });
    const maker = (price: string): OrderIntent => ({ ...buy('0.008', price), type: 'limit', postOnly: true });
    await broker.placeOrder({ account: 'a', quote: 'USD', clientOrderId: 'klp', intent: maker('50000'), asOfMs: NOW });
    // 400 USD reserved of 500: a second order of 400 on its own key would not fit; the re-price of klp does.
    await broker.placeOrder({ account: 'a', quote: 'USD', clientOrderId: 'klp-r1', capKey: 'klp', intent: maker('50010'), asOfMs: NOW });
    expect(day.asked.map((entry) => entry.clientOrderId)).toEqual(['klp', 'klp']);
    expect(exchange.calls).toEqual(['findOrCreate klp', 'findOrCreate klp-r1']);
    const other = await refusal(broker.placeOrder({ account: 'a', quote: 'USD', clientOrderId: 'klq', intent: maker('50000'), asOfMs: NOW }));
    expect(other.code).toBe('LiveTradingDisabled');
    expect(other.message).toContain('400.00 USD of buys reserved since');
  });

  it('looks orders up, cancels and reads balances through the exchange', async () => {
    const exchange = fakeExchange();
    const { reserveNotional } = reservations();
    const broker = new LiveBroker({ exchange, maxOrderNotional: 500, maxDailyNotional: 1000, reserveNotional, now: () => NOW });
    expect(broker.mode).toBe('live');
    await broker.findOrder('a', 'kl9', 'ETH/USD');
    await broker.cancelOrder('a', 'kl9', 'ETH/USD');
    await broker.fetchBalances('a', 'USD');
    expect(exchange.calls).toEqual(['fetch ETH/USD kl9', 'cancel ETH/USD kl9', 'balances']);
    expect(() => new LiveBroker({ exchange, maxOrderNotional: 0, maxDailyNotional: 1000, reserveNotional })).toThrow(/maxOrderNotional must be a positive amount/);
  });
});
