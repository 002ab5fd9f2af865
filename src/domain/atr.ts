import { KeelError } from './errors.js';

/**
 * Wilder's average true range over the candles [start, end) of parallel high/low/close arrays, oldest first: the
 * first value is the mean of the window's first `period` true ranges, later ones are smoothed with 1/period; the
 * window's first candle has no previous close inside the window, so its true range is high - low. NaN when the window
 * holds fewer than period + 1 candles (at least one true range that sees a previous close).
 *
 * ATR is recursive, so its value depends on where the window starts: the live cycle and the backtester must pass the
 * same window (as with the signal kernel). The arithmetic is trading-signals' ATR (TR smoothed by WSMA) operation for
 * operation, so both agree to the bit on the same candles. Plain loops, no allocation.
 */
export function atrOf(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  start: number,
  end: number,
  period: number,
): number {
  if (!Number.isInteger(period) || period < 1) {
    throw new KeelError('InvalidConfig', `ATR period must be a positive integer (got ${String(period)})`);
  }
  const length = Math.min(high.length, low.length, close.length);
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > length || start > end) {
    throw new KeelError('Internal', `atrOf: window [${String(start)}, ${String(end)}) is outside the ${length} candles given`);
  }
  if (end - start < period + 1) return Number.NaN;

  const firstEnd = start + period;
  let sum = 0;
  for (let i = start; i < firstEnd; i++) sum += trueRange(high, low, close, i, start);
  let atr = sum / period;
  const smoothing = 1 / period;
  for (let i = firstEnd; i < end; i++) {
    // (tr - atr) / period + atr, written as trading-signals' WSMA writes it so the two agree exactly.
    atr = (trueRange(high, low, close, i, start) - atr) * smoothing + atr;
  }
  return atr;
}

/** True range of candle i; the window's first candle (i === start) has no previous close, so it is high - low. */
function trueRange(high: ArrayLike<number>, low: ArrayLike<number>, close: ArrayLike<number>, i: number, start: number): number {
  const h = high[i] as number;
  const l = low[i] as number;
  const range = h - l;
  if (i === start) return range;
  const previousClose = close[i - 1] as number;
  return Math.max(range, Math.abs(h - previousClose), Math.abs(l - previousClose));
}
