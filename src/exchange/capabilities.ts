import { hash64Hex } from '../domain/business-key.js';
import { KeelError } from '../domain/errors.js';
import { DEFAULT_FILL_COSTS } from '../domain/fill-model.js';
import { TIMEFRAMES } from '../domain/market-types.js';
import type { Timeframe } from '../domain/market-types.js';

/**
 * What keel needs to know about each real exchange it reaches through ccxt, as data: every quirk lives here, so the
 * gateway, the request-budget planner and the config checks read one table instead of branching on exchange ids.
 * This module is plain data (no ccxt import), so config validation and the sim path can use it without loading ccxt.
 */

export const CCXT_EXCHANGE_IDS = ['kraken', 'coinbase', 'binance'] as const;
export type CcxtExchangeId = (typeof CCXT_EXCHANGE_IDS)[number];

export function isCcxtExchangeId(value: string): value is CcxtExchangeId {
  return (CCXT_EXCHANGE_IDS as readonly string[]).includes(value);
}

/** How the exchange carries the client order id keel derives from business keys. */
export interface ClientOrderIdRule {
  /** ccxt createOrder param that carries the id (ccxt renames it to `exchangeField` where needed). */
  createParam: string;
  /** The field name in the exchange's own API. */
  exchangeField: string;
  /** Longest free-form id the exchange accepts. */
  maxLength: number;
  /** Every id the exchange accepts (free form and any fixed formats); these are sent unchanged, others are fitted. */
  accepts: RegExp;
  /** Deterministic replacement for an id that does not fit (same input, same output, on every retry). */
  fit: 'short-uuid' | 'uuid' | 'prefixed-hash';
  /**
   * Among which orders the exchange itself refuses a repeated id. 'open-orders': a retried placement after the first
   * order filled is accepted as a SECOND order, so looking the id up before each attempt is what prevents duplicates.
   * 'all-orders': the exchange answers a repeated id with the existing order.
   */
  uniqueAmong: 'open-orders' | 'all-orders';
  source: string;
}

/** How an order is found by its client order id (before each placement attempt and for reconciliation). */
export type ClientIdLookup =
  /** fetchOrder with the id in a param (exact, any status). */
  | { kind: 'fetch-order-param'; param: string; source: string }
  /** Open orders, then closed orders, each filtered by the id through a ccxt param. */
  | { kind: 'open-then-closed'; param: string; source: string }
  /** The most recent orders of the symbol, filtered by the id on keel's side. */
  | { kind: 'recent-orders'; pageSize: number; source: string };

export interface ExchangeCapabilities {
  id: CcxtExchangeId;
  name: string;
  ohlcv: {
    /** Most candles one OHLCV call returns; longer windows take several calls. */
    maxCandlesPerCall: number;
    /** The exchange's own code for each keel timeframe, or null when the exchange has no such candles. */
    timeframes: Record<Timeframe, string | null>;
    /** Only this many of the newest candles can be fetched at all (Kraken); null when history is deep. */
    newestOnly: number | null;
  };
  tickers: {
    /** One call answers many symbols. */
    bulk: boolean;
    /** The bulk call needs the symbols listed (otherwise it answers every market). */
    needsSymbolList: boolean;
    /** Above this many symbols keel asks for every ticker and filters, which is one call and cheaper in weight. */
    maxSymbolsPerCall: number;
  };
  clientOrderId: ClientOrderIdRule;
  lookupByClientId: ClientIdLookup;
  orders: {
    /** A market buy is sized in the quote currency, so ccxt needs the reference price to turn the amount into cost. */
    marketBuyNeedsPrice: boolean;
    /**
     * The order queries (fetchOrder, open and closed orders) carry no fee, so the gateway reads the fee of an order
     * that has filled from the order's own trades (ccxt fetchOrderTrades, one call more). A new order's reply that
     * carries its fills has the fee already.
     */
    feesOnlyInTrades: boolean;
    /**
     * The venue has a stop-market sell on spot that ccxt places with its unified `stopLossPrice` param on a market
     * order (OrderIntent.stopPrice, exits.onExchange): it rests until the price trades at or below the trigger, then
     * sells at market. Where false, the gateway refuses a stop intent before any request.
     */
    stopMarket: boolean;
  };
  /**
   * Spot trading fees at the entry volume tier, fractions of notional: what paper trading and backtests of this venue
   * charge unless told otherwise (a maker rests on the book, a taker takes from it).
   */
  fees: { maker: number; taker: number; source: string };
  myTrades: {
    /** One fetchMyTrades call answers every symbol (reconciliation reads recent fills once); else one call per symbol. */
    allSymbolsInOneCall: boolean;
  };
  publicRest: {
    /** Public REST requests per second keel plans with (budget planner and ccxt's limiter). */
    requestsPerSecond: number;
    /**
     * What ccxt itself would charge its limiter for one OHLCV call (its per-endpoint `cost`), for reference: keel's
     * gateway counts every call as one, as the server-side budget does, so `requestsPerSecond` calls pass per second.
     */
    ccxtCostPerCall: number;
    source: string;
  };
  /** ccxt options keel sets: only what keel trades (spot) is loaded, no private calls during loadMarkets. */
  ccxtOptions: Record<string, unknown>;
}

const KRAKEN: ExchangeCapabilities = {
  id: 'kraken',
  name: 'Kraken',
  ohlcv: {
    // Kraken's OHLC endpoint returns at most 720 entries and only the newest 720 ("older data cannot be retrieved,
    // regardless of the value of since": docs.kraken.com/api/docs/rest-api/get-ohlc-data).
    maxCandlesPerCall: 720,
    timeframes: { '1m': '1', '5m': '5', '15m': '15', '30m': '30', '1h': '60', '4h': '240', '1d': '1440' },
    newestOnly: 720,
  },
  // GET /0/public/Ticker?pair=A,B answers a list of pairs; without `pair` it answers every pair.
  tickers: { bulk: true, needsSymbolList: false, maxSymbolsPerCall: 100 },
  clientOrderId: {
    createParam: 'clientOrderId',
    exchangeField: 'cl_ord_id',
    // docs.kraken.com/api/docs/guides/spot-clordid: a long UUID (36 with dashes), a short UUID (32 hex) or free
    // text of at most 18 ASCII characters. keel's 20-character ids are longer, so they travel as short UUIDs.
    maxLength: 18,
    accepts: /^(?:[\x21-\x7e]{1,18}|[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i,
    fit: 'short-uuid',
    uniqueAmong: 'open-orders',
    source: 'Kraken checks cl_ord_id uniqueness across open orders only (spot-clordid guide)',
  },
  lookupByClientId: {
    // ccxt's kraken fetchOrder maps clientOrderId to the numeric `userref`; OpenOrders and ClosedOrders take cl_ord_id.
    kind: 'open-then-closed',
    param: 'clientOrderId',
    source: 'POST /0/private/OpenOrders and /0/private/ClosedOrders with cl_ord_id',
  },
  // QueryOrders, OpenOrders and ClosedOrders carry `fee` (ccxt kraken parseOrder).
  // Stops: AddOrder ordertype "stop-loss" with price = the trigger (ccxt kraken orderRequest, stopLossPrice on a market order).
  orders: { marketBuyNeedsPrice: false, feesOnlyInTrades: false, stopMarket: true },
  fees: { maker: 0.0025, taker: 0.004, source: 'kraken.com/features/fee-schedule: Kraken Pro spot, 30-day volume $0-10K' },
  // POST /0/private/TradesHistory answers every pair.
  myTrades: { allSymbolsInOneCall: true },
  publicRest: {
    requestsPerSecond: 1,
    ccxtCostPerCall: 1.2, // ccxt kraken: 'OHLC': { 'cost': 1.2 }
    source: 'Kraken public endpoints allow about 1 request per second per IP; ccxt kraken rateLimit is 1000 ms',
  },
  ccxtOptions: {},
};

const COINBASE: ExchangeCapabilities = {
  id: 'coinbase',
  name: 'Coinbase Advanced Trade',
  ohlcv: {
    // Coinbase answers at most 350 candles per request; ccxt's coinbase fetchOHLCV caps a call at 300.
    maxCandlesPerCall: 300,
    // Granularities: ONE_MINUTE, FIVE_MINUTE, FIFTEEN_MINUTE, THIRTY_MINUTE, ONE_HOUR, TWO_HOUR, SIX_HOUR, ONE_DAY.
    timeframes: { '1m': 'ONE_MINUTE', '5m': 'FIVE_MINUTE', '15m': 'FIFTEEN_MINUTE', '30m': 'THIRTY_MINUTE', '1h': 'ONE_HOUR', '4h': null, '1d': 'ONE_DAY' },
    newestOnly: null,
  },
  // GET /api/v3/brokerage/market/products?product_ids=A&product_ids=B (every product without the filter).
  tickers: { bulk: true, needsSymbolList: false, maxSymbolsPerCall: 100 },
  clientOrderId: {
    // ccxt's coinbase createOrder ignores the unified clientOrderId param and sends its own 'ccxt-<uuid>' unless the
    // raw client_order_id is given, so keel sends the raw field.
    createParam: 'client_order_id',
    exchangeField: 'client_order_id',
    // The Create Order docs name no maximum; keel stays within a UUID's 36 characters (ccxt itself sends 41).
    maxLength: 36,
    accepts: /^[A-Za-z0-9_-]{1,36}$/,
    fit: 'uuid',
    uniqueAmong: 'all-orders',
    source: 'Create Order: a client_order_id that is not unique creates no order and the existing order is returned',
  },
  lookupByClientId: {
    kind: 'recent-orders',
    pageSize: 100,
    source: 'GET /api/v3/brokerage/orders/historical/batch (List Orders has no client id filter), filtered by client_order_id',
  },
  // market_market_ioc buys take quote_size; ccxt computes it as amount x price (createMarketBuyOrderRequiresPrice).
  // Orders carry their total_fees (ccxt coinbase parseOrder).
  // Stops: Advanced Trade has stop-limits only (stop_limit_stop_limit_gtc); ccxt sends a market order's stopLossPrice as a plain market_market_ioc.
  orders: { marketBuyNeedsPrice: true, feesOnlyInTrades: false, stopMarket: false },
  fees: { maker: 0.006, taker: 0.012, source: 'coinbase.com/advanced-fees: Advanced Trade spot, 30-day volume $0-1K' },
  // GET /api/v3/brokerage/orders/historical/fills: product_id is an optional filter.
  myTrades: { allSymbolsInOneCall: true },
  publicRest: {
    requestsPerSecond: 10,
    ccxtCostPerCall: 3, // ccxt coinbase: every v3 public endpoint costs 3 (of 34 ms)
    source: 'Advanced Trade REST rate limits: 10 requests/s per IP for public endpoints (30/s private); ccxt coinbase rateLimit 34 ms x cost 3',
  },
  // ccxt reads balances from the v2 (Coinbase App) accounts by default, which report no holds; the Advanced Trade
  // accounts report available and hold.
  ccxtOptions: { fetchBalance: 'v3PrivateGetBrokerageAccounts' },
};

const BINANCE: ExchangeCapabilities = {
  id: 'binance',
  name: 'Binance',
  ohlcv: {
    // GET /api/v3/klines: limit default 500, max 1000.
    maxCandlesPerCall: 1000,
    timeframes: { '1m': '1m', '5m': '5m', '15m': '15m', '30m': '30m', '1h': '1h', '4h': '4h', '1d': '1d' },
    newestOnly: null,
  },
  // GET /api/v3/ticker/24hr?symbols=[...]: weight 2 for 1-20 symbols, 40 for 21-100, 80 for more or for all.
  tickers: { bulk: true, needsSymbolList: false, maxSymbolsPerCall: 100 },
  clientOrderId: {
    createParam: 'clientOrderId',
    exchangeField: 'newClientOrderId',
    // Binance error -1100 names the legal range: ^[\.A-Z\:/a-z0-9_-]{1,36}$
    maxLength: 36,
    accepts: /^[.A-Z:/a-z0-9_-]{1,36}$/,
    fit: 'prefixed-hash',
    uniqueAmong: 'open-orders',
    source: 'newClientOrderId: "A unique id among open orders"; a repeated id is accepted once the previous order is filled',
  },
  lookupByClientId: { kind: 'fetch-order-param', param: 'origClientOrderId', source: 'GET /api/v3/order?symbol=..&origClientOrderId=..' },
  // GET /api/v3/order (and openOrders, allOrders) has no commission; ccxt binance parseOrder reads fees only from the
  // `fills` of a new order's FULL reply. GET /api/v3/myTrades?orderId=.. has each fill's commission.
  // Stops: POST /api/v3/order type STOP_LOSS with stopPrice (ccxt binance createOrderRequest, stopLossPrice on a spot market order).
  orders: { marketBuyNeedsPrice: false, feesOnlyInTrades: true, stopMarket: true },
  fees: { maker: 0.001, taker: 0.001, source: 'binance.com/en/fee/schedule: spot, regular user (VIP 0), no BNB discount' },
  // GET /api/v3/myTrades requires symbol.
  myTrades: { allSymbolsInOneCall: false },
  publicRest: {
    // 6000 weight per minute per IP (100/s); klines weigh 2, so 50 klines/s would fit. keel plans with ccxt's own
    // rateLimit (50 ms, 20 requests/s) to leave room for the heavier bulk ticker calls.
    requestsPerSecond: 20,
    ccxtCostPerCall: 0.4, // ccxt binance: 'klines': { 'cost': 0.4 } (weight 2 at 0.2 per weight unit)
    source: 'Binance REQUEST_WEIGHT 6000/min per IP; ccxt binance rateLimit 50 ms',
  },
  ccxtOptions: {
    // Spot only: without this ccxt also loads the USD-M and COIN-M futures markets (two more hosts and calls).
    fetchMarkets: { types: ['spot'] },
    // Both are private SAPI calls ccxt makes during loadMarkets when keys are set; keel does not need them.
    fetchMargins: false,
    fetchCurrencies: false,
    // keel asks for open orders of all symbols knowingly (reconciliation); ccxt otherwise refuses with a warning.
    warnOnFetchOpenOrdersWithoutSymbol: false,
  },
};

export const EXCHANGE_CAPABILITIES: Readonly<Record<CcxtExchangeId, ExchangeCapabilities>> = {
  kraken: KRAKEN,
  coinbase: COINBASE,
  binance: BINANCE,
};

/** The capabilities of a ccxt exchange id; InvalidConfig naming the supported ones for anything else. */
export function capabilitiesFor(exchangeId: string): ExchangeCapabilities {
  if (!isCcxtExchangeId(exchangeId)) {
    throw new KeelError('InvalidConfig', `exchange "${exchangeId}" is not supported through ccxt; use one of ${CCXT_EXCHANGE_IDS.join(', ')}`);
  }
  return EXCHANGE_CAPABILITIES[exchangeId];
}

/** keel timeframes the exchange has candles for, in keel's order. */
export function supportedTimeframes(exchangeId: string): Timeframe[] {
  const capabilities = capabilitiesFor(exchangeId);
  return TIMEFRAMES.filter((timeframe) => capabilities.ohlcv.timeframes[timeframe] !== null);
}

/** Throws NotSupported naming the supported timeframes when the exchange has no candles of `timeframe`. */
export function assertTimeframeSupported(exchangeId: string, timeframe: string): Timeframe {
  const capabilities = capabilitiesFor(exchangeId);
  const supported = supportedTimeframes(exchangeId);
  if (!(supported as string[]).includes(timeframe)) {
    throw new KeelError('NotSupported', `${capabilities.name} (${exchangeId}) has no ${timeframe} candles; supported timeframes: ${supported.join(', ')}`);
  }
  return timeframe as Timeframe;
}

/**
 * The client order id as the exchange will store it: unchanged when it already fits the exchange's rule, otherwise a
 * deterministic replacement derived from it (so every retry sends, and every lookup searches for, the same id):
 * - short-uuid (Kraken): 32 hex characters, the "short UUID" cl_ord_id format;
 * - uuid (Coinbase): 8-4-4-4-12 hex, the UUID form Coinbase's own examples use;
 * - prefixed-hash (Binance): 'kl' + 32 hex, inside Binance's 36-character [.A-Z:/a-z0-9_-] range.
 * The 128 bits come from two independent 64-bit hashes of the original id.
 */
export function fitClientOrderId(exchangeId: string, clientOrderId: string): string {
  const rule = capabilitiesFor(exchangeId).clientOrderId;
  if (clientOrderId === '') {
    throw new KeelError('InvalidOrder', `${exchangeId}: the client order id is empty; derive it with clientOrderIdFor(...) from the order's business keys`);
  }
  // Fitted ids are accepted ids, so fitting twice changes nothing.
  if (rule.accepts.test(clientOrderId)) return clientOrderId;
  const hex = hash64Hex(clientOrderId) + hash64Hex(`${clientOrderId}|${clientOrderId.length}`);
  switch (rule.fit) {
    case 'short-uuid':
      return hex;
    case 'uuid':
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
    case 'prefixed-hash':
      return `kl${hex}`;
  }
}

/**
 * The fees a paper account or a backtest charges on `market`: the rate the settings name when they name one (as
 * taker and maker alike), else the venue's own fees from this table, else keel's defaults (sim and replay markets).
 */
export function paperFeeRates(market: string, explicitRate?: number): { takerFeeRate: number; makerFeeRate: number } {
  if (explicitRate !== undefined) return { takerFeeRate: explicitRate, makerFeeRate: explicitRate };
  if (isCcxtExchangeId(market)) {
    const { fees } = EXCHANGE_CAPABILITIES[market];
    return { takerFeeRate: fees.taker, makerFeeRate: fees.maker };
  }
  return { takerFeeRate: DEFAULT_FILL_COSTS.takerFeeRate, makerFeeRate: DEFAULT_FILL_COSTS.makerFeeRate };
}
