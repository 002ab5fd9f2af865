import { isKeelError } from '../domain/errors.js';
import type { AccountReader, ExchangeGateway, MarketRules, OrderBroker } from '../exchange/port.js';
import type { KeelMetrics } from './metrics.js';
import { OK } from './metrics.js';

/** The outcome label of a failed call: the KeelError code, or Internal for anything else (as toApplicationFailure). */
export function outcomeOf(error: unknown): string {
  return isKeelError(error) ? error.code : 'Internal';
}

function meter(metrics: KeelMetrics, exchange: string) {
  return async <T>(method: string, call: () => Promise<T>): Promise<T> => {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const result = await call();
      metrics.observeExchangeCall({ exchange, method, outcome: OK, seconds: seconds() });
      return result;
    } catch (error) {
      metrics.observeExchangeCall({ exchange, method, outcome: outcomeOf(error), seconds: seconds() });
      throw error;
    }
  };
}

/**
 * The gateway with every port method counted in keel_exchange_calls_total{exchange, method, outcome} and timed in
 * keel_exchange_call_duration_seconds. Errors pass through unchanged. Applied where the workers are composed, so the
 * adapters in src/exchange know nothing of metrics. Listing every method (rather than a Proxy) makes the compiler
 * point here when the port gains one.
 */
export function meterGateway(gateway: ExchangeGateway, metrics: KeelMetrics): ExchangeGateway {
  const call = meter(metrics, gateway.exchangeId);
  return {
    exchangeId: gateway.exchangeId,
    listSymbols: (quote) => call('listSymbols', () => gateway.listSymbols(quote)),
    fetchTickers: (quote, symbols, asOfMs) => call('fetchTickers', () => gateway.fetchTickers(quote, symbols, asOfMs)),
    fetchOhlcv: (symbol, timeframe, options) => call('fetchOhlcv', () => gateway.fetchOhlcv(symbol, timeframe, options)),
    ...(gateway.orderRules !== undefined && { orderRules: (symbols) => call('orderRules', () => gateway.orderRules!(symbols)) }),
  };
}

/**
 * The order broker with every port method metered like {@link meterGateway}, labelled with the exchange the broker
 * trades on. A paper broker's own price check happens inside its placeOrder and counts as that one call.
 */
export function meterBroker(broker: OrderBroker, metrics: KeelMetrics, exchange: string): OrderBroker {
  const call = meter(metrics, exchange);
  return {
    mode: broker.mode,
    findOrder: (account, clientOrderId, symbol) => call('findOrder', () => broker.findOrder(account, clientOrderId, symbol)),
    placeOrder: (request) => call('placeOrder', () => broker.placeOrder(request)),
    cancelOrder: (account, clientOrderId, symbol) => call('cancelOrder', () => broker.cancelOrder(account, clientOrderId, symbol)),
    fetchBalances: (account, quote) => call('fetchBalances', () => broker.fetchBalances(account, quote)),
  };
}

/** A real exchange's symbol and timeframe checks, metered like {@link meterGateway} (timeframes need no call). */
export function meterMarketRules(rules: MarketRules, metrics: KeelMetrics, exchange: string): MarketRules {
  const call = meter(metrics, exchange);
  return {
    validateSymbols: (symbols) => call('validateSymbols', () => rules.validateSymbols(symbols)),
    validateTimeframe: (timeframe) => rules.validateTimeframe(timeframe),
  };
}

/** The live account reads of reconciliation, metered like {@link meterGateway}. */
export function meterAccountReader(reader: AccountReader, metrics: KeelMetrics, exchange: string): AccountReader {
  const call = meter(metrics, exchange);
  return {
    fetchOpenOrders: () => call('fetchOpenOrders', () => reader.fetchOpenOrders()),
    fetchRecentTrades: (symbols, sinceMs) => call('fetchRecentTrades', () => reader.fetchRecentTrades(symbols, sinceMs)),
    fetchBalances: () => call('fetchAccountBalances', () => reader.fetchBalances()),
  };
}
