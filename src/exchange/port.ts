import type { Balance, Candle, OrderIntent, OrderState, Ticker, Timeframe } from '../domain/market-types.js';

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
}

export interface PlaceOrderRequest {
  account: string;
  quote: string;
  clientOrderId: string;
  intent: OrderIntent;
  asOfMs: number;
}

/**
 * Where orders go: the paper broker by default, a live exchange account only behind an explicit switch.
 * `placeOrder` MUST look the client order id up before placing and return the existing order if there is one.
 */
export interface OrderBroker {
  readonly mode: 'paper' | 'live';
  findOrder(account: string, clientOrderId: string, symbol: string): Promise<OrderState | null>;
  placeOrder(request: PlaceOrderRequest): Promise<OrderState>;
  cancelOrder(account: string, clientOrderId: string, symbol: string): Promise<OrderState | null>;
  fetchBalances(account: string, quote: string): Promise<Balance[]>;
}
