/**
 * Small loops of the signal kernel besides its main pass (signal-kernel-pass.ts). Like the pass, they repeat the
 * reference's floating-point operations in its order (indicators.ts, regime.ts), so their values are bit-identical.
 */

/** The simple moving averages the signal and the regime need, all at once. */
export interface SmaReading {
  maFast: number;
  maSlow: number;
  previousMaFast: number;
  previousMaSlow: number;
  /** Slow SMA `lookback` closes before the last: the trend strength's starting point. */
  maSlowThen: number;
}

/**
 * SMAs ending at the last close of closes[.., end), at the one before, and (slow only) `lookback` closes before.
 * Each is its own sum from 0, oldest first, divided by the period, as trading-signals' SMA computes it; the sums
 * run side by side so their additions overlap. Reads back to close end - slowPeriod - max(1, lookback), and needs
 * fastPeriod < slowPeriod.
 */
export function windowSmas(closes: ArrayLike<number>, end: number, fastPeriod: number, slowPeriod: number, lookback: number, out: SmaReading): void {
  let fastNow = 0;
  let fastBefore = 0;
  for (let i = end - fastPeriod; i < end; i++) {
    fastNow += closes[i] as number;
    fastBefore += closes[i - 1] as number;
  }
  let slowNow = 0;
  let slowBefore = 0;
  let slowThen = 0;
  for (let i = end - slowPeriod; i < end; i++) {
    slowNow += closes[i] as number;
    slowBefore += closes[i - 1] as number;
    slowThen += closes[i - lookback] as number;
  }
  out.maFast = fastNow / fastPeriod;
  out.previousMaFast = fastBefore / fastPeriod;
  out.maSlow = slowNow / slowPeriod;
  out.previousMaSlow = slowBefore / slowPeriod;
  out.maSlowThen = slowThen / slowPeriod;
}

/** Mean of values[from, to), summed from 0 in order and divided by the count, like indicators.ts sampleStdDev. */
export function meanOf(values: ArrayLike<number>, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += values[i] as number;
  return sum / (to - from);
}

/** The second pass of indicators.ts sampleStdDev (n - 1) over values[from, to), given their meanOf. */
export function sampleStdDevAround(values: ArrayLike<number>, from: number, to: number, mean: number): number {
  let squares = 0;
  for (let i = from; i < to; i++) {
    const deviation = (values[i] as number) - mean;
    squares += deviation * deviation;
  }
  return Math.sqrt(squares / (to - from - 1));
}

/** Sample standard deviation (n - 1) of values[from, to), two-pass like indicators.ts sampleStdDev. */
export function sampleStdDevOf(values: ArrayLike<number>, from: number, to: number): number {
  return sampleStdDevAround(values, from, to, meanOf(values, from, to));
}

/** out[i - start] = ln(closes[i] / closes[i - 1]) for i in (start, end): the window's returns, as indicators.ts. */
export function fillLogReturns(closes: ArrayLike<number>, start: number, end: number, out: Float64Array): void {
  for (let i = start + 1; i < end; i++) out[i - start] = Math.log((closes[i] as number) / (closes[i - 1] as number));
}
