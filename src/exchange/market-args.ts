import { KeelError } from '../domain/errors.js';
import { TIMEFRAMES, isTimeframe, timeframeMs } from '../domain/market-types.js';
import type { Timeframe } from '../domain/market-types.js';

export interface OhlcvRequest {
  sinceMs?: number;
  limit: number;
  untilMs: number;
}

const SYMBOL_PATTERN = /^([A-Z0-9]+)\/([A-Z0-9]+)$/;

/** Splits 'BTC/USDT' into base and quote; null when the text is not a spot symbol in ccxt's unified form. */
export function splitSymbol(symbol: string): { base: string; quote: string } | null {
  const match = SYMBOL_PATTERN.exec(symbol);
  return match?.[1] !== undefined && match[2] !== undefined ? { base: match[1], quote: match[2] } : null;
}

/** Checks a fetchOhlcv request's arguments at run time (they may come from user config) and returns the timeframe length. */
export function checkOhlcvRequest(exchangeId: string, timeframe: string, options: OhlcvRequest): number {
  if (!isTimeframe(timeframe)) {
    throw new KeelError('BadRequest', `${exchangeId}: timeframe "${timeframe}" is not supported; use one of ${TIMEFRAMES.join(', ')}`);
  }
  if (!Number.isInteger(options.limit) || options.limit < 1) {
    throw new KeelError('BadRequest', `${exchangeId}: fetchOhlcv limit must be a positive integer, got ${String(options.limit)}`);
  }
  if (!Number.isFinite(options.untilMs)) {
    throw new KeelError('BadRequest', `${exchangeId}: fetchOhlcv untilMs must be epoch milliseconds, got ${String(options.untilMs)}`);
  }
  if (options.sinceMs !== undefined && !Number.isFinite(options.sinceMs)) {
    throw new KeelError('BadRequest', `${exchangeId}: fetchOhlcv sinceMs must be epoch milliseconds or absent, got ${String(options.sinceMs)}`);
  }
  return timeframeMs(timeframe);
}

/** Same run-time check for the ticker timeframe option of the sim and replay markets. */
export function checkTimeframeOption(exchangeId: string, timeframe: string): Timeframe {
  if (!isTimeframe(timeframe)) {
    throw new KeelError('InvalidConfig', `${exchangeId}: tickerTimeframe "${timeframe}" is not supported; use one of ${TIMEFRAMES.join(', ')}`);
  }
  return timeframe;
}

export function checkAsOf(exchangeId: string, asOfMs: number): void {
  if (!Number.isFinite(asOfMs)) {
    throw new KeelError('BadRequest', `${exchangeId}: fetchTickers asOfMs must be epoch milliseconds, got ${String(asOfMs)}`);
  }
}

/** Resolves after `ms` milliseconds; the sim and replay markets use it to imitate exchange round trips. */
export function delay(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

/** What tests and benchmarks count: every exchange round trip and every candle it carried. */
export interface GatewayCalls {
  tickers: number;
  ohlcv: number;
  ohlcvCandles: number;
}

export function newGatewayCalls(): GatewayCalls {
  return { tickers: 0, ohlcv: 0, ohlcvCandles: 0 };
}

/** Epoch ms as ISO text for error messages; falls back to the raw number when it is no valid date. */
export function isoTime(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : String(ms);
}
