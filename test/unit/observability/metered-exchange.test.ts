import { describe, expect, it } from 'vitest';
import { KeelError } from '../../../src/domain/errors.js';
import type { Candle, OrderState } from '../../../src/domain/market-types.js';
import type { ExchangeGateway, OrderBroker, PlaceOrderRequest } from '../../../src/exchange/port.js';
import { orderState } from '../../helpers/order-fixtures.js';
import { meterBroker, meterGateway, outcomeOf } from '../../../src/observability/metered-exchange.js';
import { createKeelMetrics, type KeelMetrics } from '../../../src/observability/metrics.js';

type CallLabels = Partial<Record<'exchange' | 'method' | 'outcome', string>>;

async function value(metrics: KeelMetrics, labels: CallLabels): Promise<number | undefined> {
  const { values } = await metrics.exchangeCalls.get();
  return values.find((v) => (Object.keys(labels) as Array<keyof CallLabels>).every((k) => v.labels[k] === labels[k]))?.value;
}

const candle: Candle = { ts: 0, open: 1, high: 1, low: 1, close: 1, volume: 1 };

function fakeGateway(fail: Partial<Record<keyof ExchangeGateway, unknown>> = {}): ExchangeGateway {
  const maybeFail = (method: keyof ExchangeGateway) => {
    if (fail[method] !== undefined) throw fail[method];
  };
  return {
    exchangeId: 'kraken',
    async listSymbols() {
      maybeFail('listSymbols');
      return ['BTC/USDT'];
    },
    async fetchTickers() {
      maybeFail('fetchTickers');
      return [];
    },
    async fetchOhlcv() {
      maybeFail('fetchOhlcv');
      return [candle];
    },
  };
}

const order: OrderState = orderState({ amount: '1', filled: '1', feeQuote: '0.1', createdAtMs: 0 });

describe('meterGateway', () => {
  it('counts every port method with outcome ok, times it, and passes results and arguments through', async () => {
    const metrics = createKeelMetrics();
    const seen: unknown[] = [];
    const inner = fakeGateway();
    const gateway = meterGateway(
      {
        ...inner,
        exchangeId: 'kraken',
        fetchOhlcv: async (...args) => {
          seen.push(args);
          return inner.fetchOhlcv(...args);
        },
      },
      metrics,
    );
    expect(gateway.exchangeId).toBe('kraken');
    expect(await gateway.fetchOhlcv('BTC/USDT', '1h', { limit: 5, untilMs: 10 })).toEqual([candle]);
    expect(seen).toEqual([['BTC/USDT', '1h', { limit: 5, untilMs: 10 }]]);
    await gateway.fetchOhlcv('ETH/USDT', '1h', { limit: 5, untilMs: 10 });
    await gateway.listSymbols('USDT');
    await gateway.fetchTickers('USDT', undefined, 0);
    expect(await value(metrics, { exchange: 'kraken', method: 'fetchOhlcv', outcome: 'ok' })).toBe(2);
    expect(await value(metrics, { exchange: 'kraken', method: 'listSymbols', outcome: 'ok' })).toBe(1);
    expect(await value(metrics, { exchange: 'kraken', method: 'fetchTickers', outcome: 'ok' })).toBe(1);
    const durations = await metrics.exchangeCallDuration.get();
    expect(durations.values.find((v) => v.metricName === 'keel_exchange_call_duration_seconds_count' && v.labels.method === 'fetchOhlcv')?.value).toBe(2);
  });

  it('labels a failure with its KeelError code and rethrows the very same error', async () => {
    const metrics = createKeelMetrics();
    const rateLimited = new KeelError('RateLimitExceeded', 'slow down', { retryAfterMs: 1000 });
    const gateway = meterGateway(fakeGateway({ fetchOhlcv: rateLimited, fetchTickers: new KeelError('BadSymbol', 'no such coin') }), metrics);
    await expect(gateway.fetchOhlcv('BTC/USDT', '1h', { limit: 1, untilMs: 1 })).rejects.toBe(rateLimited);
    await expect(gateway.fetchTickers('USDT', ['NOPE/USDT'], 0)).rejects.toMatchObject({ code: 'BadSymbol' });
    expect(await value(metrics, { method: 'fetchOhlcv', outcome: 'RateLimitExceeded' })).toBe(1);
    expect(await value(metrics, { method: 'fetchOhlcv', outcome: 'ok' })).toBeUndefined();
    expect(await value(metrics, { method: 'fetchTickers', outcome: 'BadSymbol' })).toBe(1);
  });

  it('labels anything that is not a KeelError as Internal, as the activities map it', async () => {
    expect(outcomeOf(new TypeError('x is undefined'))).toBe('Internal');
    expect(outcomeOf('a string')).toBe('Internal');
    expect(outcomeOf(new KeelError('NetworkError', 'reset'))).toBe('NetworkError');
    const metrics = createKeelMetrics();
    await expect(meterGateway(fakeGateway({ listSymbols: new Error('socket hang up') }), metrics).listSymbols('USDT')).rejects.toThrow('socket hang up');
    expect(await value(metrics, { method: 'listSymbols', outcome: 'Internal' })).toBe(1);
  });
});

describe('meterBroker', () => {
  it('meters every broker method under the exchange it trades on, keeping the mode', async () => {
    const metrics = createKeelMetrics();
    const requests: PlaceOrderRequest[] = [];
    const inner: OrderBroker = {
      mode: 'paper',
      findOrder: async () => null,
      placeOrder: async (request) => {
        requests.push(request);
        if (request.clientOrderId === 'poor') throw new KeelError('InsufficientFunds', 'not enough USDT');
        return order;
      },
      cancelOrder: async () => order,
      fetchBalances: async () => [{ asset: 'USDT', free: '1', used: '0' }],
    };
    const broker = meterBroker(inner, metrics, 'sim');
    expect(broker.mode).toBe('paper');
    const request: PlaceOrderRequest = { account: 'a', quote: 'USDT', clientOrderId: 'k1', intent: { symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: '1', price: '100', reason: 'test' }, asOfMs: 0 };
    expect(await broker.placeOrder(request)).toBe(order);
    expect(requests).toEqual([request]);
    await expect(broker.placeOrder({ ...request, clientOrderId: 'poor' })).rejects.toMatchObject({ code: 'InsufficientFunds' });
    expect(await broker.findOrder('a', 'k1', 'BTC/USDT')).toBeNull();
    await broker.cancelOrder('a', 'k1', 'BTC/USDT');
    await broker.fetchBalances('a', 'USDT');
    expect(await value(metrics, { exchange: 'sim', method: 'placeOrder', outcome: 'ok' })).toBe(1);
    expect(await value(metrics, { exchange: 'sim', method: 'placeOrder', outcome: 'InsufficientFunds' })).toBe(1);
    for (const method of ['findOrder', 'cancelOrder', 'fetchBalances']) expect(await value(metrics, { exchange: 'sim', method, outcome: 'ok' }), method).toBe(1);
  });
});
