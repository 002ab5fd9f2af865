import type { Order } from 'ccxt';
import { decimalString, fromNumber } from '../domain/decimal-math.js';
import { KeelError } from '../domain/errors.js';
import type { OrderIntent, OrderType } from '../domain/market-types.js';
import type { ExchangeCapabilities } from './capabilities.js';

/*
 * Stop-market sells resting on the exchange (OrderIntent.stopPrice, exits.onExchange), sent as a market sell with
 * ccxt's unified `stopLossPrice` param, which each venue's class turns into its own stop: kraken AddOrder ordertype
 * "stop-loss" with price = the trigger, binance POST /api/v3/order type STOP_LOSS with stopPrice. Coinbase Advanced has
 * stop-limits only, and ccxt would send the same call there as a plain market sell, so it is refused before any request.
 */

const DECIMAL = /^\d+(?:\.\d+)?$/;

/**
 * The trigger of a stop intent as ccxt takes it, or undefined for any other intent. Refuses, before any request, a
 * stop that is not a plain stop-market sell (InvalidOrder) and a venue without stop-market sells (NotSupported).
 * `where` names the order (venue, side, type, symbol, client order id).
 */
export function stopTrigger(intent: OrderIntent, where: string, capabilities: ExchangeCapabilities): number | undefined {
  const stopPrice: unknown = intent.stopPrice;
  if (stopPrice === undefined) return undefined;
  if (typeof stopPrice !== 'string' || !DECIMAL.test(stopPrice) || !(Number(stopPrice) > 0)) {
    throw new KeelError('InvalidOrder', `${where}: stopPrice must be a positive decimal string, got ${JSON.stringify(stopPrice)}; nothing was sent`);
  }
  if (intent.side !== 'sell' || intent.type !== 'market') {
    throw new KeelError('InvalidOrder', `${where}: a stop (stopPrice ${stopPrice}) is a stop-market sell: side sell and type market only; nothing was sent`);
  }
  if (intent.postOnly === true || intent.timeInForce !== undefined) {
    throw new KeelError('InvalidOrder', `${where}: a stop (stopPrice ${stopPrice}) takes neither postOnly nor timeInForce; nothing was sent`);
  }
  if (!capabilities.orders.stopMarket) {
    throw new KeelError(
      'NotSupported',
      `${where}: ${capabilities.name} (${capabilities.id}) has no stop-market sell keel can place; keep exits.onExchange false there (keel then checks the stops at each candle); nothing was sent`,
    );
  }
  return Number(stopPrice);
}

/** ccxt's spellings of a stop-market order's type, normalized (kraken 'stop-loss', binance 'STOP_LOSS', 'stop loss'). */
const STOP_MARKET_TYPES = new Set(['stop-loss', 'stop-market']);

/**
 * keel's type of an order read through ccxt: 'market' for market orders and stop-market ones, however the venue's
 * class names them (ccxt parses kraken's and binance's as 'market' already; raw names are mapped too), 'limit' for
 * everything else keel may find at the exchange (stop-limits included).
 */
export function orderTypeOf(type: string | undefined | null): OrderType {
  const normalized = String(type ?? '').toLowerCase().replace(/[-_ ]+/g, '-');
  return normalized === 'market' || STOP_MARKET_TYPES.has(normalized) ? 'market' : 'limit';
}

/**
 * The trigger of a stop order read through ccxt (kraken: stopLossPrice from descr.price; binance: triggerPrice from
 * stopPrice), as a decimal string; undefined when the order has none (ccxt leaves out the zero venues send for it).
 */
export function stopPriceOf(order: Order): string | undefined {
  for (const value of [order.stopLossPrice, order.triggerPrice, order.stopPrice]) {
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) return decimalString(fromNumber(value));
  }
  return undefined;
}
