import type { Balance, Candle, OrderIntent, OrderState, Ticker, Timeframe } from '../domain/market-types.js';
import type { MarketOrderRules } from '../domain/market-rules.js';

/**
 * Market data from one exchange (simulated, replayed or real through ccxt). Every method takes the tick's market
 * time `asOfMs`: simulated and replayed markets answer as of that instant, real exchanges answer "now".
 * Implementations throw KeelError with a precise code (BadSymbol, InvalidMarketData, NetworkError, ...).
 */
export interface ExchangeGateway {
  readonly exchangeId: string;
  /** All spot symbols ('BTC/USDT') the exchange lists for the quote currency. */
  listSymbols(quote: string): Promise<string[]>;
  /** One bulk call for many tickers. `symbols` undefined means every symbol of the quote currency. */
  fetchTickers(quote: string, symbols: string[] | undefined, asOfMs: number): Promise<Ticker[]>;
  /**
   * Closed candles, oldest first, with open time >= sinceMs (when given) and close time (ts + timeframe) <= untilMs,
   * at most `limit` of them; without sinceMs, the newest `limit` closed candles.
   */
  fetchOhlcv(symbol: string, timeframe: Timeframe, options: { sinceMs?: number; limit: number; untilMs: number }): Promise<Candle[]>;
  /**
   * Order-size rules (amount step, minimum amount and cost) of these markets, by symbol; a market without any rule is
   * left out. Needs no exchange call beyond the markets already loaded. Throws BadResponse naming the symbol and the
   * field when a market's rules are malformed. Optional: a gateway without it makes orders sized as before rules.
   */
  orderRules?(symbols: readonly string[]): Promise<Record<string, MarketOrderRules>>;
  /**
   * The timeframe whose candles answer fetchTickers (sim and replay). The paper broker judges a resting limit order
   * against these candles, as the backtester does; a gateway without it cannot host paper maker-first orders.
   */
  readonly tickerTimeframe?: Timeframe;
}

export interface PlaceOrderRequest {
  account: string;
  quote: string;
  clientOrderId: string;
  intent: OrderIntent;
  asOfMs: number;
  /**
   * The client order id the daily cap reserves under; a re-priced or sliced order passes its parent's so one decision
   * counts once. Default clientOrderId. The paper broker has no cap and ignores it.
   */
  capKey?: string;
  /** The placement attempt's guard: no order is sent once it refuses (see AttemptGuard). Absent: nothing bounds it. */
  guard?: AttemptGuard;
}

/**
 * What keeps one activity attempt from sending an order it must not send: once Temporal has given the attempt up (a
 * cancellation, a timeout), its retry may already be looking the order up, so a create sent now could place it twice.
 * The activity makes it; an adapter asks it before it queues for the rate limiter and again right before the request
 * goes out, and stops waiting when `signal` aborts.
 */
export interface AttemptGuard {
  /** Aborted when Temporal cancels the attempt (a timed-out attempt learns it through its heartbeat). */
  readonly signal: AbortSignal;
  /**
   * Why a request sent `sendInMs` from now whose reply may take up to `requestMs` must not be sent by this attempt, or
   * null when it may. Always a reason once `signal` has aborted.
   */
  refusal(sendInMs: number, requestMs: number): string | null;
}

/**
 * Where orders go: the paper broker by default, a live exchange account only behind an explicit switch.
 * `placeOrder` MUST look the client order id up before placing and return the existing order if there is one.
 */
export interface OrderBroker {
  readonly mode: 'paper' | 'live';
  /**
   * `asOfMs`: the market time of the question (a tick's close). The paper broker fills a resting limit order it holds
   * when the candles since its placement traded through its price by then; an exchange answers "now" and ignores it.
   */
  findOrder(account: string, clientOrderId: string, symbol: string, asOfMs?: number): Promise<OrderState | null>;
  placeOrder(request: PlaceOrderRequest): Promise<OrderState>;
  cancelOrder(account: string, clientOrderId: string, symbol: string, asOfMs?: number): Promise<OrderState | null>;
  fetchBalances(account: string, quote: string): Promise<Balance[]>;
}

/**
 * Config-time checks only a real exchange can make (its listed symbols, its candle timeframes). Sim and replay have
 * none: they list their own symbols and serve every keel timeframe.
 */
export interface MarketRules {
  /** Throws BadSymbol naming valid symbols when any of `symbols` is not listed (or not active). */
  validateSymbols(symbols: readonly string[]): Promise<void>;
  /** Throws NotSupported naming the supported timeframes when the exchange has no such candles. */
  validateTimeframe(timeframe: string): Timeframe;
}

/** One fill of the account's own orders. Decimal strings, as everywhere money is concerned. */
export interface ExchangeTrade {
  id: string;
  orderId: string;
  symbol: string;
  side: 'buy' | 'sell';
  price: string;
  amount: string;
  /** Fee converted to the quote currency where possible (quote- or base-denominated fees); '0' otherwise. */
  feeQuote: string;
  ts: number;
}

/** Account-wide reads of a live exchange account, each made once per reconciliation. */
export interface AccountReader {
  /** Open orders of every symbol (one call). Their clientOrderId is the exchange's form of it. */
  fetchOpenOrders(): Promise<OrderState[]>;
  /**
   * The account's fills since `sinceMs`: one call for every symbol where the exchange allows it, else one call per
   * symbol of `symbols` (the symbols whose state matters).
   */
  fetchRecentTrades(symbols: readonly string[], sinceMs: number): Promise<ExchangeTrade[]>;
  fetchBalances(): Promise<Balance[]>;
}

/** The gateway's own symbol and timeframe rules, when it has them (the ccxt gateway does; sim and replay do not). */
export function marketRulesOf(gateway: ExchangeGateway): MarketRules | undefined {
  const candidate = gateway as Partial<MarketRules>;
  if (typeof candidate.validateSymbols !== 'function' || typeof candidate.validateTimeframe !== 'function') return undefined;
  return { validateSymbols: (symbols) => candidate.validateSymbols!.call(gateway, symbols), validateTimeframe: (timeframe) => candidate.validateTimeframe!.call(gateway, timeframe) };
}
