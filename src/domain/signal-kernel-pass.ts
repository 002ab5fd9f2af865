import type { SignalConfig } from './signal-types.js';

/**
 * The signal kernel's passes over a window closes[start, end): the recursive indicators (Wilder RSI, the MACD line
 * and its signal) in one loop, whose dependent multiply-add chains the processor runs side by side, and the sliding
 * sums behind the regime's rolling return variances.
 *
 * RSI and MACD repeat trading-signals 8.3's floating-point operations in the library's order (definitions in
 * indicators.ts), so they are bit-identical to the library-based reference, not merely close: the backtester's
 * parity with the live cycle rests on the kernel, and the kernel's fidelity on this.
 */

export interface PassOutput {
  rsi: number;
  macd: number;
  macdSignal: number;
  macdHistogram: number;
}

/** The periods the pass needs (a SignalConfig has them). */
export type PassPeriods = Pick<SignalConfig, 'rsiPeriod' | 'macdFastPeriod' | 'macdSlowPeriod' | 'macdSignalPeriod'>;

/**
 * RSI and MACD of the window's last close, in two loops split where RSI's seed ends (so no loop tests the phase).
 * Gains and losses are (d + |d|) / 2 and (|d| - d) / 2 for d = close - previous: exactly the library's
 * `close - previous` or +0 (and its mirror), with no branch for the processor to mispredict.
 */
export function recursivePass(closes: ArrayLike<number>, start: number, end: number, periods: PassPeriods, out: PassOutput): void {
  const rsiPeriod = periods.rsiPeriod;
  const smoothing = 1 / rsiPeriod;
  const kFast = 2 / (periods.macdFastPeriod + 1);
  const kSlow = 2 / (periods.macdSlowPeriod + 1);
  const kSignal = 2 / (periods.macdSignalPeriod + 1);
  const restFast = 1 - kFast;
  const restSlow = 1 - kSlow;
  const restSignal = 1 - kSignal;
  // The MACD line exists from the window's macdSlowPeriod-th close on (the library waits for the slow EMA's period).
  const macdStart = start + periods.macdSlowPeriod - 1;
  const seedEnd = Math.min(start + rsiPeriod, end - 1);

  let previous = closes[start] as number;
  let moved = false;
  // trading-signals seeds each EMA with the first value as value * k + value * (1 - k).
  let fast = previous * kFast + previous * restFast;
  let slow = previous * kSlow + previous * restSlow;
  let macd = Number.NaN;
  let signal = Number.NaN;

  // RSI's first averages are the library's SMA of the first `period` changes: summed from 0, oldest first.
  let averageGain = 0;
  let averageLoss = 0;
  for (let i = start + 1; i <= seedEnd; i++) {
    const close = closes[i] as number;
    const change = close - previous;
    const size = Math.abs(change);
    averageGain += (change + size) * 0.5;
    averageLoss += (size - change) * 0.5;
    if (!moved && change !== 0) moved = true;
    previous = close;
    fast = close * kFast + fast * restFast;
    slow = close * kSlow + slow * restSlow;
    if (i >= macdStart) {
      macd = fast - slow;
      signal = macd * kSignal + (i === macdStart ? macd : signal) * restSignal;
    }
  }
  averageGain /= rsiPeriod;
  averageLoss /= rsiPeriod;

  for (let i = seedEnd + 1; i < end; i++) {
    const close = closes[i] as number;
    const change = close - previous;
    const size = Math.abs(change);
    averageGain = ((change + size) * 0.5 - averageGain) * smoothing + averageGain;
    averageLoss = ((size - change) * 0.5 - averageLoss) * smoothing + averageLoss;
    if (!moved && change !== 0) moved = true;
    previous = close;
    fast = close * kFast + fast * restFast;
    slow = close * kSlow + slow * restSlow;
    if (i >= macdStart) {
      macd = fast - slow;
      signal = macd * kSignal + (i === macdStart ? macd : signal) * restSignal;
    }
  }

  const enough = end - start - 1 >= rsiPeriod;
  out.rsi = !enough ? Number.NaN : !moved ? 50 : averageLoss === 0 ? 100 : 100 - 100 / (averageGain / averageLoss + 1);
  out.macd = macd;
  out.macdSignal = signal;
  out.macdHistogram = macd - signal;
}

/**
 * Fills numerators[j] with sum((r - shift)^2) - sum(r - shift)^2 / window over returns[from + j, from + j + window)
 * for every j, i.e. (window - 1) x each rolling window's sample variance, from sums that slide one return at a
 * time; returns M, the sum of (r - shift)^2 over all `count` returns (the scale of the sums' rounding). `shift`
 * should be about the mean return, so the sum of squares stays near the variance and the subtraction does not
 * cancel; the log of last over first close divided by the count is exactly that, as log returns telescope.
 */
export function rollingVarianceNumerators(returns: ArrayLike<number>, from: number, count: number, window: number, shift: number, numerators: Float64Array): number {
  const inverseWindow = 1 / window;
  let sum = 0;
  let squares = 0;
  for (let i = from; i < from + window; i++) {
    const value = (returns[i] as number) - shift;
    sum += value;
    squares += value * value;
  }
  let total = squares;
  numerators[0] = squares - sum * sum * inverseWindow;
  for (let j = 1; j + window <= count; j++) {
    const entering = (returns[from + j + window - 1] as number) - shift;
    const leaving = (returns[from + j - 1] as number) - shift;
    const enteringSquare = entering * entering;
    total += enteringSquare;
    sum += entering - leaving;
    squares += enteringSquare - leaving * leaving;
    numerators[j] = squares - sum * sum * inverseWindow;
  }
  return total;
}
