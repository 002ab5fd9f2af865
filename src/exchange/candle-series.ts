import type { Candle, Ticker } from '../domain/market-types.js';
import type { OhlcvRequest } from './market-args.js';

const DAY_MS = 86_400_000;

/** Read access to candles held in memory, oldest first, open times strictly increasing (gaps allowed). */
export interface CandleSeries {
  readonly length: number;
  tsAt(index: number): number;
  closeAt(index: number): number;
  volumeAt(index: number): number;
  candleAt(index: number): Candle;
}

/** Number of leading candles whose open time is below `ts` (binary search). */
export function countBefore(series: CandleSeries, ts: number): number {
  let low = 0;
  let high = series.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (series.tsAt(mid) < ts) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * The ExchangeGateway.fetchOhlcv window: closed candles only (ts + timeframe <= untilMs), open time >= sinceMs when
 * given, at most `limit`; with sinceMs the oldest ones after it, without it the newest ones.
 */
export function selectWindow(series: CandleSeries, timeframeMs: number, request: OhlcvRequest): Candle[] {
  // A candle is closed at untilMs when its open time is at most untilMs - timeframe.
  const end = countBefore(series, request.untilMs - timeframeMs + 1);
  let start: number;
  let stop: number;
  if (request.sinceMs === undefined) {
    stop = end;
    start = Math.max(0, end - request.limit);
  } else {
    start = countBefore(series, request.sinceMs);
    stop = Math.min(end, start + request.limit);
  }
  const candles: Candle[] = [];
  for (let i = start; i < stop; i++) candles.push(series.candleAt(i));
  return candles;
}

/**
 * The ticker rule shared by the sim and replay markets: `last` is the close of the newest candle closed by asOfMs,
 * `quoteVolume` sums volume x close over the candles that closed in the 24 hours up to asOfMs, `ts` is the close
 * time of that newest candle. A symbol with no candle closed in those 24 hours (not listed yet, delisted, a long
 * outage) has no ticker, as on a real exchange.
 */
export function tickerAt(series: CandleSeries, symbol: string, timeframeMs: number, asOfMs: number): Ticker | null {
  const end = countBefore(series, asOfMs - timeframeMs + 1);
  if (end === 0) return null;
  const newestTs = series.tsAt(end - 1);
  const windowStartMs = asOfMs - DAY_MS;
  if (newestTs + timeframeMs <= windowStartMs) return null;
  let quoteVolume = 0;
  for (let i = end - 1; i >= 0 && series.tsAt(i) + timeframeMs > windowStartMs; i--) {
    quoteVolume += series.volumeAt(i) * series.closeAt(i);
  }
  return { symbol, last: series.closeAt(end - 1), quoteVolume, ts: newestTs + timeframeMs };
}
