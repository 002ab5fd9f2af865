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

describe('live broker caps', () => {
  it('refuses an order over the per-order cap before any call, naming the figures', async () => {
    const exchange = fakeExchange();
    let asked = 0;
    const broker = new LiveBroker({ exchange, maxOrderNotional: 100, maxDailyNotional: 1000, notionalPlacedSince: async () => (asked++, '0'), now: () => NOW });
    const error = await refusal(broker.placeOrder({ account: 'a', quote: 'USD', clientOrderId: 'kl1', intent: buy('0.002', '60000'), asOfMs: NOW }));
    expect(error.code).toBe('InvalidOrder');
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      'live buy 0.002 BTC/USD at 60000 (client order id kl1) on kraken: notional 120.00 USD is over the per-order cap KEEL_LIVE_MAX_ORDER_NOTIONAL 100 USD; nothing was sent',
    );
    expect(exchange.calls).toEqual([]);
    expect(asked).toBe(0);
  });

  it('refuses an order that would pass the daily cap, counting today from 00:00 UTC, before any call', async () => {
    const exchange = fakeExchange();
    const asked: Array<{ sinceMs: number; excluding: readonly string[] }> = [];
    const broker = new LiveBroker({
      exchange,
      maxOrderNotional: 500,
      maxDailyNotional: 1000,
      notionalPlacedSince: async (_account, sinceMs, excluding) => (asked.push({ sinceMs, excluding }), '900'),
      now: () => NOW,
    });
    const error = await refusal(broker.placeOrder({ account: 'a', quote: 'USD', clientOrderId: 'kl2', intent: buy('0.004', '50000'), asOfMs: NOW }));
    expect(error.code).toBe('LiveTradingDisabled');
    expect(error.message).toContain('900.00 USD placed since 2026-01-05T00:00:00.000Z + this order\'s 200.00 USD is over the daily cap KEEL_LIVE_MAX_DAILY_NOTIONAL 1000 USD');
    expect(asked).toEqual([{ sinceMs: DAY_START, excluding: ['kl2'] }]);
    expect(exchange.calls).toEqual([]);
  });

  it('counts orders sent at once against each other before they are recorded', async () => {
    const exchange = fakeExchange();
    const broker = new LiveBroker({ exchange, maxOrderNotional: 500, maxDailyNotional: 1000, notionalPlacedSince: async () => '500', now: () => NOW });
    const placements = ['kla', 'klb', 'klc'].map((id) => broker.placeOrder({ account: 'a', quote: 'USD', clientOrderId: id, intent: buy('0.004', '50000'), asOfMs: NOW }).then(() => 'placed', (e: KeelError) => e.code));
    expect(await Promise.all(placements)).toEqual(['placed', 'placed', 'LiveTradingDisabled']);
    expect(exchange.calls).toEqual(['findOrCreate kla', 'findOrCreate klb']);
    // A retry of an order already sent counts it once, not twice.
    expect(await broker.placeOrder({ account: 'a', quote: 'USD', clientOrderId: 'kla', intent: buy('0.004', '50000'), asOfMs: NOW }).then(() => 'placed')).toBe('placed');
  });

  it('looks orders up, cancels and reads balances through the exchange', async () => {
    const exchange = fakeExchange();
    const broker = new LiveBroker({ exchange, maxOrderNotional: 500, maxDailyNotional: 1000, notionalPlacedSince: async () => '0', now: () => NOW });
    expect(broker.mode).toBe('live');
    await broker.findOrder('a', 'kl9', 'ETH/USD');
    await broker.cancelOrder('a', 'kl9', 'ETH/USD');
    await broker.fetchBalances('a', 'USD');
    expect(exchange.calls).toEqual(['fetch ETH/USD kl9', 'cancel ETH/USD kl9', 'balances']);
    expect(() => new LiveBroker({ exchange, maxOrderNotional: 0, maxDailyNotional: 1000, notionalPlacedSince: async () => '0' })).toThrow(/maxOrderNotional must be a positive amount/);
  });
});
