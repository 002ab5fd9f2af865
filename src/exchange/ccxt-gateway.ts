import { AsyncLocalStorage } from 'node:async_hooks';
import { BadResponse, ExchangeError, OrderImmediatelyFillable, binance, coinbase, kraken } from 'ccxt';
import type { Balances, Exchange, OHLCV, Order, Ticker as CcxtTicker, Trade } from 'ccxt';
import { decimalString, fromNumber } from '../domain/decimal-math.js';
import { KeelError, isKeelError } from '../domain/errors.js';
import type { Balance, Candle, OrderIntent, OrderState, OrderStatus, Ticker, Timeframe } from '../domain/market-types.js';
import type { MarketOrderRules } from '../domain/market-rules.js';
import { assertTimeframeSupported, capabilitiesFor, fitClientOrderId } from './capabilities.js';
import type { CcxtExchangeId, ExchangeCapabilities } from './capabilities.js';
import { translateCcxtError } from './ccxt-errors.js';
import { feeOfOrderTrades, feeTotals, feesOf, reportsFee } from './ccxt-fees.js';
import { parseCcxtOrderRules } from './ccxt-order-rules.js';
import type { ParsedOrderRules } from './ccxt-order-rules.js';
import { orderTypeOf, stopPriceOf, stopTrigger } from './ccxt-stop-orders.js';
import { pointApiUrlsAt } from './ccxt-urls.js';
import { checkAsOf, checkOhlcvRequest, isoTime, newGatewayCalls } from './market-args.js';
import type { GatewayCalls, OhlcvRequest } from './market-args.js';
import type { AccountReader, AttemptGuard, ExchangeGateway, ExchangeTrade, MarketRules } from './port.js';

export interface CcxtGatewayOptions {
  /** 'kraken', 'coinbase' or 'binance' (see capabilities.ts). */
  exchangeId: string;
  /** Replaces the origin of every API URL, keeping the paths: the loopback fake exchange in tests and benchmarks. */
  baseUrl?: string;
  /** Credentials for private calls; never logged, never returned (toJSON and inspect show only whether they are set). */
  apiKey?: string;
  secret?: string;
  /** Per request, until the reply's headers arrive. Default 10 s. */
  timeoutMs?: number;
  /**
   * Calls per second ccxt's own limiter lets through, every call counted as one, as the request-budget planner and the
   * exchange queue's server-side limit count them (one activity, one call). With several exchange-worker replicas
   * this is each replica's share of the budget. The limiter never bursts: at most floor(rateLimitPerSecond) calls fall
   * in any one-second window (one call per 1/rate s below 1/s), so replicas' shares add up to no more than the budget
   * at the exchange in any second. Default: the exchange's public REST limit.
   */
  rateLimitPerSecond?: number;
}

/** Call counters for tests and benchmarks: one per exchange round trip keel asked for (failed ones included). */
export interface CcxtGatewayCalls extends GatewayCalls {
  markets: number;
  balance: number;
  createOrder: number;
  fetchOrder: number;
  cancelOrder: number;
  openOrders: number;
  closedOrders: number;
  orders: number;
  myTrades: number;
  /** Calls that ended in an error (any of the above). */
  failures: number;
  /** Guarded calls refused before their request went out (also counted above): their attempt was over or would be. */
  notSent: number;
}

export type { ExchangeTrade };

const CCXT_CLASSES: Record<CcxtExchangeId, new (config: Record<string, unknown>) => Exchange> = { kraken, coinbase, binance };
const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_EXAMPLE_SYMBOLS = 10;

/** A spot market as the gateway keeps it after loadMarkets. */
export type CcxtMarketSummary = {
  symbol: string;
  base: string;
  quote: string;
  active: boolean;
  /** Amount step, minimum amount and cost, from the market's precision and limits (see parseCcxtOrderRules). */
  orderRules: ParsedOrderRules;
};

/**
 * ExchangeGateway over a real exchange through ccxt (kraken, coinbase, binance), plus the account calls a live broker
 * and reconciliation need. Every ccxt call goes through one wrapper: counted, errors translated by translateCcxtError
 * (credentials removed), and replies checked before keel uses them (NaN or negative prices, missing ids and fields
 * become BadResponse naming the symbol, the field and the value). Exchange quirks come from capabilities.ts.
 */
export class CcxtGateway implements ExchangeGateway, MarketRules, AccountReader {
  readonly exchangeId: CcxtExchangeId;
  readonly capabilities: ExchangeCapabilities;
  readonly baseUrl: string | undefined;
  readonly calls: CcxtGatewayCalls = { ...newGatewayCalls(), markets: 0, balance: 0, createOrder: 0, fetchOrder: 0, cancelOrder: 0, openOrders: 0, closedOrders: 0, orders: 0, myTrades: 0, failures: 0, notSent: 0 };
  // Private fields: not enumerable, so neither JSON.stringify, util.inspect nor a logger walking the object sees them.
  readonly #exchange: Exchange;
  readonly #secrets: string[];
  readonly #timeoutMs: number;
  /** The guard of the call in progress (set by #call), for the throttle hook, which ccxt calls before every request. */
  readonly #guarded = new AsyncLocalStorage<{ guard: AttemptGuard; context: string }>();
  #markets: Promise<Map<string, CcxtMarketSummary>> | undefined;

  constructor(options: CcxtGatewayOptions) {
    this.capabilities = capabilitiesFor(options.exchangeId);
    this.exchangeId = this.capabilities.id;
    this.baseUrl = options.baseUrl;
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const rps = options.rateLimitPerSecond ?? this.capabilities.publicRest.requestsPerSecond;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new KeelError('InvalidConfig', `${this.exchangeId}: timeoutMs must be a positive number of milliseconds, got ${String(timeoutMs)}`);
    }
    if (!Number.isFinite(rps) || rps <= 0) {
      throw new KeelError('InvalidConfig', `${this.exchangeId}: rateLimitPerSecond must be a positive number, got ${String(rps)}`);
    }
    if ((options.apiKey === undefined) !== (options.secret === undefined)) {
      throw new KeelError('InvalidConfig', `${this.exchangeId}: give both apiKey and secret, or neither (public data only)`);
    }
    this.#secrets = [options.apiKey, options.secret].filter((value): value is string => value !== undefined && value !== '');
    this.#timeoutMs = timeoutMs;
    const ExchangeClass = CCXT_CLASSES[this.exchangeId];
    const exchange = new ExchangeClass({
      // ccxt calls throttle() before every request; keel replaces it with its own spacer below.
      enableRateLimit: true,
      rateLimit: 1000 / limiterRate(rps),
      timeout: timeoutMs,
      options: { ...this.capabilities.ccxtOptions },
      ...(options.apiKey !== undefined && { apiKey: options.apiKey, secret: options.secret }),
    });
    if (options.baseUrl !== undefined) {
      exchange.urls['api'] = pointApiUrlsAt(exchange.urls['api'], options.baseUrl) as typeof exchange.urls.api;
    }
    installReplyChecks(exchange);
    // ccxt's own limiter weighs endpoints (a Binance bulk ticker call costs 40 OHLCV calls' worth) and, after a pause,
    // lets two calls through back to back. keel counts every call as one, as the request-budget planner and the
    // server-side task-queue limit do (one activity, one call), and never bursts.
    const spacer = new CallSpacer(rps);
    exchange.throttle = () => this.#throttle(spacer);
    this.#exchange = exchange;
  }

  get hasCredentials(): boolean {
    return this.#secrets.length > 0;
  }

  /** Loads the exchange's markets once; a failed load is retried by the next call. */
  loadMarkets(): Promise<Map<string, CcxtMarketSummary>> {
    if (this.#markets === undefined) {
      this.#markets = this.#call('markets', 'loadMarkets', (exchange) => exchange.loadMarkets()).then((markets) => {
        const spot = new Map<string, CcxtMarketSummary>();
        for (const market of Object.values(markets)) {
          if (market === undefined || market.spot !== true || typeof market.symbol !== 'string') continue;
          const orderRules = parseCcxtOrderRules(market, this.#exchange.precisionMode);
          spot.set(market.symbol, { symbol: market.symbol, base: market.base, quote: market.quote, active: market.active !== false, orderRules });
        }
        if (spot.size === 0) throw new KeelError('BadResponse', `${this.exchangeId} loadMarkets: the exchange listed no spot markets`);
        return spot;
      });
      this.#markets.catch(() => {
        this.#markets = undefined;
        // ccxt keeps a failed loadMarkets promise and hands it to every later call (its own methods load markets
        // first), so one lost reply would fail this gateway for good: forget it, and the next call loads again.
        (this.#exchange as unknown as { marketsLoading: unknown }).marketsLoading = undefined;
      });
    }
    return this.#markets;
  }

  /**
   * The order-size rules of these listed markets, from the markets already loaded (no call of its own). A market whose
   * precision or limits are malformed is a BadResponse naming the symbol and the field, raised only here, for it.
   */
  async orderRules(symbols: readonly string[]): Promise<Record<string, MarketOrderRules>> {
    await this.validateSymbols(symbols);
    const markets = await this.loadMarkets();
    const rules: Record<string, MarketOrderRules> = {};
    for (const symbol of symbols) {
      const parsed = (markets.get(symbol) as CcxtMarketSummary).orderRules;
      if (!parsed.ok) throw this.#bad(`loadMarkets ${symbol}`, parsed.problem);
      if (Object.keys(parsed.rules).length > 0) rules[symbol] = parsed.rules;
    }
    return rules;
  }

  async listSymbols(quote: string): Promise<string[]> {
    const markets = await this.loadMarkets();
    return [...markets.values()].filter((market) => market.active && market.quote === quote).map((market) => market.symbol);
  }

  /** Refuses symbols the exchange does not list (or lists as inactive), naming valid ones. */
  async validateSymbols(symbols: readonly string[]): Promise<void> {
    const markets = await this.loadMarkets();
    const unknown = symbols.filter((symbol) => markets.get(symbol)?.active !== true);
    if (unknown.length === 0) return;
    const quotes = new Set(unknown.map((symbol) => symbol.split('/')[1] ?? ''));
    const active = [...markets.values()].filter((market) => market.active);
    const sameQuote = active.filter((market) => quotes.has(market.quote));
    const pool = sameQuote.length > 0 ? sameQuote : active;
    const examples = pool.slice(0, MAX_EXAMPLE_SYMBOLS).map((market) => market.symbol);
    throw new KeelError(
      'BadSymbol',
      `unknown symbol${unknown.length > 1 ? 's' : ''} on ${this.exchangeId}: ${unknown.join(', ')}; valid symbols include ` +
        `${examples.join(', ')}${pool.length > examples.length ? ', ...' : ''} (${pool.length} in all` +
        `${sameQuote.length > 0 ? ` for ${[...quotes].join('/')}` : `; none is quoted in ${[...quotes].join('/')}`})`,
    );
  }

  /** Refuses a timeframe the exchange has no candles for (coinbase has no 4h), naming the supported ones. */
  validateTimeframe(timeframe: string): Timeframe {
    return assertTimeframeSupported(this.exchangeId, timeframe);
  }

  async fetchTickers(quote: string, symbols: string[] | undefined, asOfMs: number): Promise<Ticker[]> {
    checkAsOf(this.exchangeId, asOfMs);
    if (symbols !== undefined) await this.validateSymbols(symbols);
    const wanted = symbols ?? (await this.listSymbols(quote));
    if (wanted.length === 0) return [];
    let raw: Record<string, CcxtTicker | undefined>;
    if (symbols !== undefined && wanted.length === 1) {
      // One symbol (the paper broker's price check): the single-ticker endpoint, which exchanges weigh far lighter than
      // the bulk one (Binance: 2 against 80, which would hold ccxt's limiter for seconds).
      const symbol = wanted[0] as string;
      raw = { [symbol]: await this.#call('tickers', `fetchTicker ${symbol}`, (exchange) => exchange.fetchTicker(symbol)) };
    } else {
      // Up to maxSymbolsPerCall symbols are named in the call; beyond that one call for every ticker is cheaper.
      const named = this.capabilities.tickers.needsSymbolList || wanted.length <= this.capabilities.tickers.maxSymbolsPerCall;
      raw = await this.#call('tickers', `fetchTickers ${wanted.length} ${quote} symbols`, (exchange) => exchange.fetchTickers(named ? wanted : undefined));
    }
    const receivedAtMs = Date.now();
    const tickers: Ticker[] = [];
    for (const symbol of wanted) {
      const ticker = raw[symbol];
      if (ticker === undefined) continue; // listed but not traded: no price, like a sim coin without a candle yet
      const parsed = this.#parseTicker(symbol, ticker, receivedAtMs);
      if (parsed !== null) tickers.push(parsed);
    }
    return tickers;
  }

  async fetchOhlcv(symbol: string, timeframe: Timeframe, options: OhlcvRequest): Promise<Candle[]> {
    const tfMs = checkOhlcvRequest(this.exchangeId, timeframe, options);
    this.validateTimeframe(timeframe);
    await this.validateSymbols([symbol]);
    // The newest closed candle opens one timeframe before the candle in progress at untilMs.
    const lastOpen = Math.floor(options.untilMs / tfMs) * tfMs - tfMs;
    const firstOpen = options.sinceMs ?? lastOpen - (options.limit - 1) * tfMs;
    const candles: Candle[] = [];
    let cursor = firstOpen;
    while (candles.length < options.limit && cursor <= lastOpen) {
      const want = Math.min(this.capabilities.ohlcv.maxCandlesPerCall, options.limit - candles.length);
      const since = cursor;
      const rows = await this.#call('ohlcv', `fetchOHLCV ${symbol} ${timeframe} since ${isoTime(since)}`, (exchange) =>
        exchange.fetchOHLCV(symbol, timeframe, since, want),
      );
      this.calls.ohlcvCandles += rows.length;
      const page = this.#parseCandles(symbol, timeframe, rows).filter((candle) => candle.ts >= since && candle.ts <= lastOpen);
      if (page.length === 0) break;
      candles.push(...page);
      cursor = (page[page.length - 1] as Candle).ts + tfMs;
    }
    return candles.slice(0, options.limit);
  }

  /** Balances of the account, per asset with anything free or in use. */
  async fetchBalances(): Promise<Balance[]> {
    this.#needCredentials('fetchBalance');
    await this.loadMarkets();
    const balances = await this.#call('balance', 'fetchBalance', (exchange) => exchange.fetchBalance());
    return this.#parseBalances(balances);
  }

  /**
   * Places one order carrying the client order id fitted to the exchange (one attempt, no lookup: see
   * findOrCreateOrder). Replies that carry only the order id (kraken, coinbase) are completed by reading the order, and
   * a fill without its fee by reading the order's trades (see #readOrderState; binance's reply carries its fills).
   * With a guard, the order is sent only if the guard allows it after the rate limiter's wait, right before the request
   * goes out; otherwise AttemptStopped (nothing sent).
   *
   * A post-only limit (`postOnly`) and an immediate-or-cancel one (`timeInForce: 'IOC'`) go out as ccxt's unified
   * params, which each venue's class translates (kraken oflags post / timeinforce IOC, binance LIMIT_MAKER / timeInForce
   * IOC, coinbase limit_limit_gtc post_only / sor_limit_ioc). A post-only order that would take liquidity is refused by
   * binance and coinbase: InvalidOrder, nothing placed. Kraken accepts it and cancels it at once: it comes back
   * canceled with nothing filled, as does an immediate-or-cancel order that found nothing to trade.
   *
   * A stop (`stopPrice`, a stop-market sell) goes out as a market sell with ccxt's unified `stopLossPrice` (see
   * ccxt-stop-orders.ts): it comes back open with nothing filled, type 'market', carrying its stopPrice.
   */
  async createOrder(clientOrderId: string, intent: OrderIntent, guard?: AttemptGuard): Promise<OrderState> {
    this.#needCredentials('createOrder');
    const { amount, price, stopPrice } = this.#checkIntent(intent, clientOrderId);
    await this.validateSymbols([intent.symbol]);
    const fitted = fitClientOrderId(this.exchangeId, clientOrderId);
    const sendPrice = intent.type === 'limit' || (intent.side === 'buy' && this.capabilities.orders.marketBuyNeedsPrice);
    const params = {
      [this.capabilities.clientOrderId.createParam]: fitted,
      ...(intent.postOnly === true && { postOnly: true }),
      ...(intent.timeInForce === 'IOC' && { timeInForce: 'IOC' }),
      ...(stopPrice !== undefined && { stopLossPrice: stopPrice }),
    };
    const flags = `${intent.postOnly === true ? ' post-only' : ''}${intent.timeInForce === 'IOC' ? ' IOC' : ''}${stopPrice !== undefined ? ` stop ${intent.stopPrice}` : ''}`;
    const context = `createOrder ${intent.side} ${intent.type}${flags} ${intent.amount} ${intent.symbol} (client order id ${clientOrderId})`;
    const placed = await this.#call(
      'createOrder',
      context,
      (exchange) =>
        exchange.createOrder(intent.symbol, intent.type, intent.side, amount, sendPrice ? price : undefined, params).catch((error: unknown) => {
          if (intent.postOnly !== true || !wouldTakeLiquidity(error)) throw error;
          const said = translateCcxtError(error, 'the exchange said', { secrets: this.#secrets }).message;
          throw new KeelError('InvalidOrder', `${this.exchangeId} ${context}: a post-only order at ${intent.price} that would have taken liquidity; the exchange refused it and nothing was placed (${said})`);
        }),
      guard,
    );
    const id = placed.id;
    if (typeof id !== 'string' || id === '') {
      throw new KeelError('BadResponse', `${this.exchangeId} ${context}: the reply has no order id (got ${JSON.stringify(id)})`);
    }
    const complete = placed.status !== undefined && placed.status !== null && placed.filled !== undefined && placed.filled !== null;
    try {
      if (complete) return await this.#readOrderState(placed, clientOrderId, context, intent.symbol);
      const full = await this.#call('fetchOrder', `fetchOrder ${id} ${intent.symbol}`, (exchange) => exchange.fetchOrder(id, intent.symbol));
      return await this.#readOrderState(full, clientOrderId, `fetchOrder ${id}`, intent.symbol);
    } catch (error) {
      if (!(isKeelError(error) && error.retryable)) throw error;
      // The order IS placed; only reading it back (or its fee) failed. Report it as just accepted: the caller polls its
      // state (orderExecution reads it by client order id until it is final), rather than retrying the placement.
      return {
        clientOrderId,
        exchangeOrderId: id,
        symbol: intent.symbol,
        side: intent.side,
        type: intent.type,
        status: 'open',
        amount: intent.amount,
        filled: '0',
        averagePrice: '0',
        feeQuote: '0',
        ...(intent.stopPrice !== undefined && { stopPrice: intent.stopPrice }),
        createdAtMs: Date.now(),
      };
    }
  }

  /**
   * The order with this (keel) client order id, whatever its status, or null when the exchange has none. A guard (a
   * placement's look-up) stops it like createOrder: a dead attempt need not queue for reads it cannot use.
   */
  async fetchOrderByClientId(symbol: string, clientOrderId: string, guard?: AttemptGuard): Promise<OrderState | null> {
    this.#needCredentials('fetchOrderByClientId');
    await this.validateSymbols([symbol]);
    const fitted = fitClientOrderId(this.exchangeId, clientOrderId);
    const lookup = this.capabilities.lookupByClientId;
    const context = `find order ${symbol} by client order id ${clientOrderId}${fitted === clientOrderId ? '' : ` (${fitted} at the exchange)`}`;
    const matching = (orders: Order[]): Order | undefined => orders.find((order) => order.clientOrderId === fitted && (order.symbol ?? symbol) === symbol);
    let found: Order | undefined;
    switch (lookup.kind) {
      case 'fetch-order-param':
        try {
          found = await this.#call('fetchOrder', context, (exchange) => exchange.fetchOrder('', symbol, { [lookup.param]: fitted }), guard);
        } catch (error) {
          if (isKeelError(error) && error.code === 'OrderNotFound') return null;
          throw error;
        }
        break;
      case 'open-then-closed':
        found = matching(await this.#call('openOrders', context, (exchange) => exchange.fetchOpenOrders(symbol, undefined, undefined, { [lookup.param]: fitted }), guard));
        found ??= matching(await this.#call('closedOrders', context, (exchange) => exchange.fetchClosedOrders(symbol, undefined, undefined, { [lookup.param]: fitted }), guard));
        break;
      case 'recent-orders':
        found = matching(await this.#call('orders', context, (exchange) => exchange.fetchOrders(symbol, undefined, lookup.pageSize), guard));
        break;
    }
    return found === undefined ? null : this.#readOrderState(found, clientOrderId, context, symbol, guard);
  }

  /**
   * The idempotent placement step: look the client order id up, and place the order only when the exchange has none.
   * Run it on every attempt (a lost reply, a timeout, a worker restart): whatever happened to an earlier attempt, the
   * order exists at most once, provided an attempt Temporal has given up sends nothing more: the guard's job, since
   * the next attempt's look-up may run while this one still waits for the rate limiter. An intent createOrder would
   * refuse is refused before the look-up, so nothing at all is sent for it.
   */
  async findOrCreateOrder(clientOrderId: string, intent: OrderIntent, guard?: AttemptGuard): Promise<{ order: OrderState; created: boolean }> {
    this.#checkIntent(intent, clientOrderId);
    const existing = await this.fetchOrderByClientId(intent.symbol, clientOrderId, guard);
    if (existing !== null) return { order: existing, created: false };
    return { order: await this.createOrder(clientOrderId, intent, guard), created: true };
  }

  /** Cancels the order if it is still open; returns its final state, or null when the exchange has no such order. */
  async cancelOrder(symbol: string, clientOrderId: string): Promise<OrderState | null> {
    const order = await this.fetchOrderByClientId(symbol, clientOrderId);
    if (order === null || order.status !== 'open') return order;
    try {
      await this.#call('cancelOrder', `cancelOrder ${order.exchangeOrderId} ${symbol} (client order id ${clientOrderId})`, (exchange) =>
        exchange.cancelOrder(order.exchangeOrderId, symbol),
      );
    } catch (error) {
      // Filled or canceled in the meantime: the lookup below tells which.
      if (!(isKeelError(error) && error.code === 'OrderNotFound')) throw error;
    }
    return (await this.fetchOrderByClientId(symbol, clientOrderId)) ?? order;
  }

  /**
   * Open orders, of one symbol or all. Their clientOrderId is the exchange's (the fitted form, see fitClientOrderId),
   * since the exchange does not know keel's original id.
   */
  async fetchOpenOrders(symbol?: string): Promise<OrderState[]> {
    this.#needCredentials('fetchOpenOrders');
    if (symbol !== undefined) await this.validateSymbols([symbol]);
    else await this.loadMarkets();
    const context = `fetchOpenOrders ${symbol ?? '(all symbols)'}`;
    const orders = await this.#call('openOrders', context, (exchange) => exchange.fetchOpenOrders(symbol));
    const states: OrderState[] = [];
    for (const order of orders) states.push(await this.#readOrderState(order, undefined, context, symbol));
    return states;
  }

  /** The account's fills in a symbol, oldest first. */
  async fetchMyTrades(symbol: string, sinceMs?: number, limit?: number): Promise<ExchangeTrade[]> {
    this.#needCredentials('fetchMyTrades');
    await this.validateSymbols([symbol]);
    const context = `fetchMyTrades ${symbol}`;
    const trades = await this.#call('myTrades', context, (exchange) => exchange.fetchMyTrades(symbol, sinceMs, limit));
    return trades.map((trade, index) => this.#parseTrade(trade, `${context} trade #${index}`, symbol)).sort((a, b) => a.ts - b.ts);
  }

  /**
   * The account's fills since `sinceMs`, oldest first: one call for all symbols where the exchange allows it (kraken,
   * coinbase), else one call per symbol of `symbols` (binance needs the symbol).
   */
  async fetchRecentTrades(symbols: readonly string[], sinceMs: number): Promise<ExchangeTrade[]> {
    this.#needCredentials('fetchMyTrades');
    await this.loadMarkets();
    if (this.capabilities.myTrades.allSymbolsInOneCall) {
      const context = `fetchMyTrades (all symbols) since ${isoTime(sinceMs)}`;
      const trades = await this.#call('myTrades', context, (exchange) => exchange.fetchMyTrades(undefined, sinceMs));
      return trades
        .map((trade, index) => this.#parseTrade(trade, `${context} trade #${index}`, trade.symbol ?? ''))
        .filter((trade) => trade.ts >= sinceMs)
        .sort((a, b) => a.ts - b.ts);
    }
    const all: ExchangeTrade[] = [];
    for (const symbol of [...new Set(symbols)].sort()) all.push(...(await this.fetchMyTrades(symbol, sinceMs)));
    return all.filter((trade) => trade.ts >= sinceMs).sort((a, b) => a.ts - b.ts);
  }

  async close(): Promise<void> {
    await this.#exchange.close();
  }

  toJSON(): Record<string, unknown> {
    return { exchangeId: this.exchangeId, baseUrl: this.baseUrl, credentials: this.hasCredentials ? '[redacted]' : 'none' };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `CcxtGateway ${JSON.stringify(this.toJSON())}`;
  }

  /**
   * Every ccxt call: counted, and whatever it throws translated (with this gateway's credentials removed). A guard
   * travels with the call to #throttle, the hook ccxt calls right before each request.
   */
  async #call<T>(counter: Exclude<keyof CcxtGatewayCalls, 'failures' | 'ohlcvCandles' | 'notSent'>, context: string, run: (exchange: Exchange) => Promise<T>, guard?: AttemptGuard): Promise<T> {
    this.calls[counter]++;
    try {
      return await (guard === undefined ? run(this.#exchange) : this.#guarded.run({ guard, context }, () => run(this.#exchange)));
    } catch (error) {
      this.calls.failures++;
      throw translateCcxtError(error, `${this.exchangeId} ${context}`, { secrets: this.#secrets });
    }
  }

  /**
   * ccxt's rate-limit hook, awaited right before every request it sends. A guarded call is refused before it queues
   * when its slot would come too late for its attempt, stops waiting when the attempt is cancelled, and is checked
   * once more after the wait, so nothing is sent by an attempt Temporal has given up.
   */
  async #throttle(spacer: CallSpacer): Promise<void> {
    const guarded = this.#guarded.getStore();
    if (guarded === undefined) return spacer.wait();
    const { guard, context } = guarded;
    const waitMs = spacer.waitMs();
    const early = guard.refusal(waitMs, this.#timeoutMs);
    // Come back when the calls queued ahead have gone (at most 30 s, the placement retries' longest interval).
    if (early !== null) throw this.#notSent(context, early, Math.min(Math.max(waitMs, 1_000), 30_000));
    await spacer.wait(guard.signal);
    const late = guard.refusal(0, this.#timeoutMs);
    if (late !== null) throw this.#notSent(context, late);
  }

  #notSent(context: string, reason: string, retryAfterMs?: number): KeelError {
    this.calls.notSent++;
    return new KeelError('AttemptStopped', `${this.exchangeId} ${context}: not sent, ${reason}; the next attempt looks the order up first`, {
      ...(retryAfterMs !== undefined && { retryAfterMs }),
    });
  }

  #needCredentials(what: string): void {
    if (!this.hasCredentials) {
      throw new KeelError('AuthenticationError', `${this.exchangeId} ${what} needs API credentials (apiKey and secret); this gateway has public access only`);
    }
  }

  #checkIntent(intent: OrderIntent, clientOrderId: string): { amount: number; price: number; stopPrice: number | undefined } {
    const where = `${this.exchangeId} order ${intent.side} ${intent.type} ${intent.symbol} (client order id ${clientOrderId})`;
    if (intent.side !== 'buy' && intent.side !== 'sell') throw new KeelError('InvalidOrder', `${where}: side must be buy or sell, got "${String(intent.side)}"`);
    if (intent.type !== 'market' && intent.type !== 'limit') throw new KeelError('InvalidOrder', `${where}: type must be market or limit, got "${String(intent.type)}"`);
    const amount = Number(intent.amount);
    const price = Number(intent.price);
    if (!Number.isFinite(amount) || amount <= 0) throw new KeelError('InvalidOrder', `${where}: amount must be a positive decimal string, got "${intent.amount}"`);
    if (!Number.isFinite(price) || price <= 0) throw new KeelError('InvalidOrder', `${where}: price must be a positive decimal string, got "${intent.price}"`);
    const timeInForce: unknown = intent.timeInForce;
    if (timeInForce !== undefined && timeInForce !== 'IOC') throw new KeelError('InvalidOrder', `${where}: timeInForce must be "IOC" or absent, got "${String(timeInForce)}"`);
    const stopPrice = stopTrigger(intent, where, this.capabilities);
    // ccxt would send a post-only or IOC market order as a plain one on some venues, or refuse it only after loading markets.
    if ((intent.postOnly === true || timeInForce === 'IOC') && intent.type !== 'limit') {
      throw new KeelError('InvalidOrder', `${where}: post-only and immediate-or-cancel apply to limit orders only; nothing was sent`);
    }
    if (intent.postOnly === true && timeInForce === 'IOC') {
      throw new KeelError('InvalidOrder', `${where}: an order is post-only (it must rest) or immediate-or-cancel (it must not), not both; nothing was sent`);
    }
    return { amount, price, stopPrice };
  }

  #bad(context: string, detail: string): KeelError {
    return new KeelError('BadResponse', `${this.exchangeId} ${context}: ${detail}`);
  }

  #parseTicker(symbol: string, ticker: CcxtTicker, receivedAtMs: number): Ticker | null {
    const context = `fetchTickers ${symbol}`;
    const last = ticker.last ?? ticker.close;
    if (last === undefined || last === null) return null;
    if (typeof last !== 'number' || !Number.isFinite(last) || last <= 0) {
      throw this.#bad(context, `last price ${String(last)}; prices must be finite and positive`);
    }
    let quoteVolume = ticker.quoteVolume;
    if (quoteVolume === undefined || quoteVolume === null) {
      const base = ticker.baseVolume;
      quoteVolume = base === undefined || base === null ? 0 : base * (ticker.vwap ?? last);
    }
    if (typeof quoteVolume !== 'number' || !Number.isFinite(quoteVolume) || quoteVolume < 0) {
      throw this.#bad(context, `quote volume ${String(quoteVolume)}; volumes must be finite and not negative`);
    }
    const ts = ticker.timestamp ?? receivedAtMs;
    if (!Number.isFinite(ts)) throw this.#bad(context, `timestamp ${String(ts)}; expected epoch milliseconds`);
    // The book's top, where the venue gives a sane one: what a maker-first order is priced at. Absent otherwise.
    const { bid, ask } = ticker;
    const top = typeof bid === 'number' && typeof ask === 'number' && Number.isFinite(bid) && Number.isFinite(ask) && bid > 0 && ask >= bid ? { bid, ask } : {};
    return { symbol, last, quoteVolume, ts, ...top };
  }

  #parseCandles(symbol: string, timeframe: Timeframe, rows: OHLCV[]): Candle[] {
    const context = `fetchOHLCV ${symbol} ${timeframe}`;
    if (!Array.isArray(rows)) throw this.#bad(context, `expected a list of candles, got ${typeof rows}`);
    const candles = rows.map((row, index): Candle => {
      if (!Array.isArray(row) || row.length < 6) throw this.#bad(context, `candle #${index} is ${JSON.stringify(row)}; expected [ts, open, high, low, close, volume]`);
      const [ts, open, high, low, close, volume] = row;
      if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts < 0) throw this.#bad(context, `candle #${index} has ts ${String(ts)}; expected epoch milliseconds`);
      const at = `candle #${index} (ts ${isoTime(ts)})`;
      for (const [field, value] of [['open', open], ['high', high], ['low', low], ['close', close]] as const) {
        if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw this.#bad(context, `${at} has ${field} ${String(value)}; prices must be finite and positive`);
      }
      if (typeof volume !== 'number' || !Number.isFinite(volume) || volume < 0) throw this.#bad(context, `${at} has volume ${String(volume)}; volumes must be finite and not negative`);
      const candle = { ts, open: open as number, high: high as number, low: low as number, close: close as number, volume };
      if (candle.high < Math.max(candle.open, candle.close, candle.low) || candle.low > Math.min(candle.open, candle.close)) {
        throw this.#bad(context, `${at} has high ${candle.high} and low ${candle.low} that do not bound open ${candle.open} and close ${candle.close}`);
      }
      return candle;
    });
    candles.sort((a, b) => a.ts - b.ts);
    for (let i = 1; i < candles.length; i++) {
      if ((candles[i] as Candle).ts === (candles[i - 1] as Candle).ts) throw this.#bad(context, `two candles open at ${isoTime((candles[i] as Candle).ts)}`);
    }
    return candles;
  }

  #parseBalances(balances: Balances): Balance[] {
    const skip = new Set(['info', 'timestamp', 'datetime', 'free', 'used', 'total', 'debt']);
    const result: Balance[] = [];
    for (const [asset, entry] of Object.entries(balances)) {
      if (skip.has(asset) || entry === undefined || entry === null || typeof entry !== 'object') continue;
      const free = entry.free ?? 0;
      const used = entry.used ?? 0;
      for (const [field, value] of [['free', free], ['used', used]] as const) {
        if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
          throw this.#bad('fetchBalance', `${asset} ${field} is ${String(value)}; balances must be finite and not negative`);
        }
      }
      if (free > 0 || used > 0) result.push({ asset, free: decimalString(fromNumber(free)), used: decimalString(fromNumber(used)) });
    }
    return result.sort((a, b) => a.asset.localeCompare(b.asset));
  }

  /**
   * The order as keel books it: #toOrderState, and where the venue's order queries carry no fee
   * (capabilities.orders.feesOnlyInTrades: Binance) and the order has filled without one, the fee of its own trades,
   * read with one more call (counted as myTrades; a new order whose reply carries its fills needs none). A failed read
   * throws, as any read here: a fill is never reported without its fee.
   */
  async #readOrderState(order: Order, keelClientOrderId: string | undefined, context: string, expectedSymbol: string | undefined, guard?: AttemptGuard): Promise<OrderState> {
    const state = this.#toOrderState(order, keelClientOrderId, context, expectedSymbol);
    if (!this.capabilities.orders.feesOnlyInTrades || Number(state.filled) === 0 || reportsFee(order)) return state;
    const id = state.exchangeOrderId;
    const at = `${context}: fees of order ${id} (filled ${state.filled})`;
    const trades = await this.#call('myTrades', at, (exchange) => exchange.fetchOrderTrades(id, state.symbol), guard);
    if (!Array.isArray(trades)) throw this.#bad(at, `expected a list of trades, got ${typeof trades}`);
    const market = this.#exchange.markets?.[state.symbol];
    const fee = feeOfOrderTrades(trades, id, Number(state.filled), market?.base, market?.quote);
    if ('problem' in fee) throw new KeelError('BadResponse', `${this.exchangeId} ${at}: ${fee.problem}`, { retryable: fee.retryable });
    return { ...state, feeQuote: decimalString(fromNumber(fee.feeQuote)), ...(fee.feeBase > 0 && { feeBase: decimalString(fromNumber(fee.feeBase)) }) };
  }

  #toOrderState(order: Order, keelClientOrderId: string | undefined, context: string, expectedSymbol: string | undefined): OrderState {
    if (order === undefined || order === null || typeof order !== 'object') throw this.#bad(context, `expected an order, got ${String(order)}`);
    const id = order.id;
    if (typeof id !== 'string' || id === '') throw this.#bad(context, `the order has no id (got ${JSON.stringify(id)})`);
    const at = `order ${id}`;
    const symbol = order.symbol ?? expectedSymbol;
    if (typeof symbol !== 'string' || symbol === '') throw this.#bad(context, `${at} has no symbol`);
    if (order.side !== 'buy' && order.side !== 'sell') throw this.#bad(context, `${at} has side ${JSON.stringify(order.side)}; expected buy or sell`);
    // Unknown until filled for orders sized in the quote currency (coinbase market buys): then the filled amount.
    const amount = this.#quantity(context, `${at} amount`, order.amount ?? order.filled ?? 0);
    const filled = this.#quantity(context, `${at} filled`, order.filled ?? 0);
    let average = order.average ?? undefined;
    if (average === undefined && filled > 0 && typeof order.cost === 'number') average = order.cost / filled;
    const averagePrice = average === undefined || filled === 0 ? 0 : this.#quantity(context, `${at} average price`, average);
    const status = this.#status(context, at, order.status, amount, filled);
    const market = this.#exchange.markets?.[symbol];
    const { feeQuote, feeBase } = feeTotals(feesOf(order), market?.base, market?.quote, averagePrice);
    const createdAtMs = typeof order.timestamp === 'number' && Number.isFinite(order.timestamp) ? order.timestamp : Date.now();
    const stopPrice = stopPriceOf(order);
    return {
      clientOrderId: keelClientOrderId ?? order.clientOrderId ?? '',
      exchangeOrderId: id,
      symbol,
      side: order.side,
      // Stop-market sells read as market orders (with their stopPrice); anything else keel did not place reads as limit.
      type: orderTypeOf(order.type),
      status,
      amount: decimalString(fromNumber(amount)),
      filled: decimalString(fromNumber(filled)),
      averagePrice: decimalString(fromNumber(averagePrice)),
      feeQuote: decimalString(fromNumber(feeQuote)),
      ...(feeBase > 0 && { feeBase: decimalString(fromNumber(feeBase)) }),
      ...(stopPrice !== undefined && { stopPrice }),
      createdAtMs,
    };
  }

  #status(context: string, at: string, status: string | undefined | null, amount: number, filled: number): OrderStatus {
    switch (status) {
      case 'open':
        return 'open';
      case 'closed':
        return 'closed';
      case 'canceled':
      case 'cancelled':
      case 'expired':
        return 'canceled';
      case 'rejected':
        return 'rejected';
      case undefined:
      case null:
        return amount > 0 && filled >= amount ? 'closed' : 'open';
      default:
        throw this.#bad(context, `${at} has status ${JSON.stringify(status)}; expected open, closed, canceled, expired or rejected`);
    }
  }

  #quantity(context: string, what: string, value: unknown): number {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw this.#bad(context, `${what} is ${String(value)}; expected a finite number >= 0`);
    return value;
  }

  #parseTrade(trade: Trade, context: string, expectedSymbol: string): ExchangeTrade {
    if (typeof trade.id !== 'string' || trade.id === '') throw this.#bad(context, `the trade has no id (got ${JSON.stringify(trade.id)})`);
    if (trade.side !== 'buy' && trade.side !== 'sell') throw this.#bad(context, `trade ${trade.id} has side ${JSON.stringify(trade.side)}`);
    const price = this.#quantity(context, `trade ${trade.id} price`, trade.price);
    if (price === 0) throw this.#bad(context, `trade ${trade.id} has price 0; prices must be positive`);
    const amount = this.#quantity(context, `trade ${trade.id} amount`, trade.amount);
    const ts = trade.timestamp;
    if (typeof ts !== 'number' || !Number.isFinite(ts)) throw this.#bad(context, `trade ${trade.id} has timestamp ${String(ts)}`);
    const symbol = trade.symbol ?? expectedSymbol;
    const market = this.#exchange.markets?.[symbol];
    return {
      id: trade.id,
      orderId: trade.order ?? '',
      symbol,
      side: trade.side,
      price: decimalString(fromNumber(price)),
      amount: decimalString(fromNumber(amount)),
      feeQuote: decimalString(fromNumber(feeTotals(feesOf(trade), market?.base, market?.quote, price).feeQuote)),
      ts,
    };
  }
}

/**
 * The call rate the spacer keeps for a budget of `rps` calls per second: whole calls per second (a share of 7.5 is 7,
 * so two replicas never put 16 calls in one second of a 15/s budget), 1% under, so a late timer followed by a punctual
 * one cannot fit one call more into a one-second window.
 */
function limiterRate(rps: number): number {
  return (rps >= 1 ? Math.floor(rps) : rps) * 0.99;
}

/**
 * Spaces calls 1/rate apart on a fixed schedule (each call takes the next slot, never earlier than now: a late timer
 * does not push every later call back, and a pause earns no burst), and, whatever timers do, never lets more than
 * floor(rps) calls go within one second: a stalled event loop that wakes several calls at once holds the extra ones.
 */
class CallSpacer {
  readonly #spacingMs: number;
  readonly #perSecond: number;
  #next = 0;
  /** When the last `perSecond` calls went. */
  readonly #sent: number[] = [];

  constructor(rps: number) {
    this.#spacingMs = 1000 / limiterRate(rps);
    this.#perSecond = Math.max(1, Math.floor(rps));
  }

  /** How long a call queued now would wait for its slot. */
  waitMs(): number {
    return Math.max(0, this.#next - performance.now());
  }

  /** Waits for the next slot; returns early (its slot spent) when `signal` aborts, and the caller decides what then. */
  async wait(signal?: AbortSignal): Promise<void> {
    const requested = performance.now();
    const slot = Math.max(requested, this.#next);
    this.#next = slot + this.#spacingMs;
    if (slot > requested) await sleep(slot - requested, signal);
    for (;;) {
      if (signal?.aborted === true) return;
      const now = performance.now();
      while (this.#sent.length > 0 && (this.#sent[0] as number) <= now - 1000) this.#sent.shift();
      if (this.#sent.length < this.#perSecond) {
        this.#sent.push(now);
        return;
      }
      await sleep((this.#sent[0] as number) + 1000 - now + 1, signal);
    }
  }
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Whether ccxt's error is the venue refusing an order because it would take liquidity at once: binance's -2010 "Order
 * would immediately match and take." (ccxt's OrderImmediatelyFillable), or coinbase's INVALID_LIMIT_PRICE_POST_ONLY,
 * which ccxt's tables lack, so it arrives as a plain ExchangeError carrying the reply's body.
 */
function wouldTakeLiquidity(error: unknown): boolean {
  return error instanceof OrderImmediatelyFillable || (error instanceof ExchangeError && error.message.includes('INVALID_LIMIT_PRICE_POST_ONLY'));
}

/**
 * Two checks ccxt does not make, hooked where every reply passes (onRestResponse sees status, headers and body):
 * - a Retry-After header on an error status becomes part of the error message, so translateCcxtError can read the
 *   wait the server asked for (ccxt's own messages carry the body but not the headers);
 * - a 2xx reply that is not JSON (cut off, or a proxy's HTML page) is a BadResponse, where ccxt would hand the
 *   parsers a string and let them produce empty results.
 */
function installReplyChecks(exchange: Exchange): void {
  const original = exchange.onRestResponse.bind(exchange);
  exchange.onRestResponse = (statusCode, statusText, url, method, responseHeaders, responseBody, requestHeaders, requestBody) => {
    const body = String(original(statusCode, statusText, url, method, responseHeaders, responseBody, requestHeaders, requestBody));
    const status = Number(statusCode);
    const where = `${exchange.id} ${String(method)} ${String(url).split('?')[0]}`;
    if (status >= 400) {
      const retryAfterS = retryAfterSeconds(responseHeaders);
      if (retryAfterS !== undefined) {
        const ErrorClass = (exchange.httpExceptions as Record<string, typeof ExchangeError>)[String(status)] ?? ExchangeError;
        throw new ErrorClass(`${where} ${status} ${String(statusText)} Retry-After: ${retryAfterS} s ${body.slice(0, 200)}`);
      }
    } else if (status >= 200 && status < 300 && status !== 204 && !isJson(body)) {
      throw new BadResponse(`${where} ${status}: the reply is not valid JSON (${body.length} bytes: ${JSON.stringify(body.slice(0, 80))})`);
    }
    return body;
  };
}

function isJson(text: string): boolean {
  if (text === '') return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Retry-After in seconds, from either form the header takes (delta-seconds or an HTTP date). */
function retryAfterSeconds(headers: unknown): number | undefined {
  if (headers === null || typeof headers !== 'object') return undefined;
  const entry = Object.entries(headers as Record<string, unknown>).find(([key]) => key.toLowerCase() === 'retry-after');
  const value = entry === undefined ? undefined : String(entry[1]).trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
