import type { Balance, OrderIntent, OrderState, Ticker, Timeframe } from '../domain/market-types.js';
import type { SignalConfig } from '../domain/signal-types.js';
import type { TickRecord } from '../domain/tick-record.js';

/** Inputs and results of keel's activities. Everything here is small: candles stay in PostgreSQL. */

export interface ScanMarketInput {
  exchange: string;
  quote: string;
  symbols: string[] | null;
  maxCoins: number;
  /** The tick's market time (epoch ms); simulated and replayed markets answer "as of" it. */
  asOfMs: number;
}

export interface ScanMarketResult {
  tickers: Array<Pick<Ticker, 'symbol' | 'last' | 'quoteVolume'>>;
  /** Requested symbols the exchange does not list. */
  unknownSymbols: string[];
}

export interface SyncCandlesInput {
  exchange: string;
  symbol: string;
  timeframe: Timeframe;
  /** Only candles that have closed by this time (epoch ms) are fetched. */
  untilMs: number;
  warmupCandles: number;
}

export interface SyncCandlesResult {
  /** Candles the exchange returned. */
  fetched: number;
  /** Candles newly written (0 when all were already stored). */
  stored: number;
  /** Open time of the newest stored candle, or null if the exchange had none. */
  lastTs: number | null;
}

export interface EvaluateCoinInput {
  exchange: string;
  symbol: string;
  timeframe: Timeframe;
  /** Evaluate the candle that closed at this time (epoch ms). */
  untilMs: number;
  /** Stored candles to load for the indicators. */
  lookbackCandles: number;
  signal: SignalConfig;
}

export interface BrokerAccountInput {
  exchange: string;
  /** Paper or live account name; for paper trading the cycle id. */
  account: string;
  quote: string;
}

export interface PlaceOrderInput extends BrokerAccountInput {
  clientOrderId: string;
  intent: OrderIntent;
  asOfMs: number;
}

export interface GetOrderInput extends BrokerAccountInput {
  clientOrderId: string;
  symbol: string;
}

export interface OrderRecordInput {
  cycleId: string;
  tickTs: number;
  intent: OrderIntent;
  order: OrderState;
}

/** One bulk write per tick. */
export type TickRecordInput = TickRecord;

export type { Balance };
