/** Candle timeframes keel understands, with their length in milliseconds. */
export const TIMEFRAME_MS = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
  '1d': 86_400_000,
} as const;

export type Timeframe = keyof typeof TIMEFRAME_MS;

export const TIMEFRAMES = Object.keys(TIMEFRAME_MS) as Timeframe[];

export function isTimeframe(value: string): value is Timeframe {
  return Object.prototype.hasOwnProperty.call(TIMEFRAME_MS, value);
}

export function timeframeMs(timeframe: Timeframe): number {
  return TIMEFRAME_MS[timeframe];
}

/** The open time of the newest candle closed by the tick at `tickTs`: the candle the tick evaluates up to. */
export function evaluatedCandleOpenTs(tickTs: number, timeframeMs: number): number {
  return Math.floor(tickTs / timeframeMs) * timeframeMs - timeframeMs;
}

/**
 * One OHLCV candle. `ts` is the candle's OPEN time in epoch milliseconds (ccxt and freqtrade convention);
 * the candle is closed once `ts + timeframeMs` has passed.
 */
export interface Candle {
  ts: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export interface Ticker {
  symbol: string;
  /** Last traded price in quote currency. */
  last: number;
  /** 24h volume in quote currency, used for universe selection. */
  quoteVolume: number;
  /** Best bid and ask where the venue's ticker carries them (real exchanges; sim and replay have only `last`). */
  bid?: number;
  ask?: number;
  /** Epoch ms of the ticker snapshot. */
  ts: number;
}

export type OrderSide = 'buy' | 'sell';
export type OrderType = 'market' | 'limit';
export type OrderStatus = 'open' | 'closed' | 'canceled' | 'rejected';

/** What the workflow asks an order execution to do. Quantities and prices are decimal strings, never floats. */
export interface OrderIntent {
  symbol: string;
  side: OrderSide;
  type: OrderType;
  /** Base-asset quantity as a decimal string. */
  amount: string;
  /** Limit price (decimal string) for limit orders; the reference price for market orders. */
  price: string;
  /** Why the order exists, for logs and the Web UI. */
  reason: string;
  /**
   * Exits only: where the evaluated candle reached the exit's level (the stop or take-profit price, or the open when
   * it gapped through). A simulated fill (paper broker, backtest) starts from it instead of the last price, as a
   * stop resting on the exchange would have filled; a live exchange gets a market order.
   */
  triggerPrice?: number;
  /** A limit order that must rest on the book (maker-first): refused, not filled, when it would take liquidity. */
  postOnly?: boolean;
  /** 'IOC': a limit order that fills at once, as far as it can, and is cancelled for the rest (maker-first's fallback). */
  timeInForce?: 'IOC';
  /**
   * A stop-market sell resting on the exchange (decimal string): it becomes a market sell once the price trades at or
   * below stopPrice (exits.onExchange). Only with side 'sell' and type 'market', without postOnly or timeInForce;
   * `price` stays the reference price. Live accounts on venues with stop-market sells (capabilities orders.stopMarket)
   * only: the paper broker refuses it.
   */
  stopPrice?: string;
}

/** An order as the exchange (or the paper broker) reports it. */
export interface OrderState {
  clientOrderId: string;
  exchangeOrderId: string;
  symbol: string;
  side: OrderSide;
  type: OrderType;
  status: OrderStatus;
  amount: string;
  filled: string;
  /** Average fill price, decimal string; '0' when nothing filled. */
  averagePrice: string;
  /** Fee paid in quote currency, decimal string. */
  feeQuote: string;
  /**
   * Part of the fee the exchange took in the base coin (an amount of base, decimal string), already counted in
   * `feeQuote` at the fill price. Binance takes buy fees this way: the account then holds `filled - feeBase`.
   * Absent when every fee was paid in the quote currency (and in records from before it existed).
   */
  feeBase?: string;
  /**
   * The trigger of a stop order (OrderIntent.stopPrice) as the exchange reports it, decimal string; absent for other
   * orders. A stop-market sell reads as type 'market': 'open' with nothing filled until it triggers.
   */
  stopPrice?: string;
  /** Epoch ms when the exchange accepted the order. */
  createdAtMs: number;
}

export interface Balance {
  asset: string;
  free: string;
  used: string;
}
