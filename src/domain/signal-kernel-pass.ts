import type { SignalConfig } from './signal-types.js';

/**
 * The signal kernel's one pass over a window closes[start, end): Wilder RSI, the MACD line and its signal, and the
 * sliding sums behind the regime's rolling return variances. One loop, because RSI and the EMAs are chains of
 * dependent multiply-adds that leave the processor idle between steps; the other work fills those gaps (together
 * ~30% faster than apart on the development VM).
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
  /** M: the sum of (r - shift)^2 over the window's returns, the scale of the rolling sums' rounding. */
  squaredShiftedReturns: number;
}

/** The periods the pass needs (a SignalConfig has them). */
export type PassPeriods = Pick<SignalConfig, 'rsiPeriod' | 'macdFastPeriod' | 'macdSlowPeriod' | 'macdSignalPeriod'>;

/**
 * Runs the pass over closes[start, end), where returns[i - returnsOffset] = ln(closes[i] / closes[i - 1]).
 *
 * RSI's gains and losses are (d + |d|) / 2 and (|d| - d) / 2 for d = close - previous: exactly the library's
 * `close - previous` or +0 (and its mirror), with no branch for the processor to mispredict.
 *
 * rollingNumerators[j] receives sum((r - shift)^2) - sum(r - shift)^2 / window over the j-th rolling window of
 * `rollingWindow` returns (oldest first), i.e. (window - 1) x its sample variance, from sums that slide one return
 * at a time. `shift` should be about a typical mean return (the caller passes the last rolling window's), so the
 * sum of squares stays near the variance and the subtraction does not cancel. Needs end - start > rollingWindow
 * and end - start > rsiPeriod.
 */
export function windowPass(
  closes: ArrayLike<number>,
  returns: ArrayLike<number>,
  returnsOffset: number,
  start: number,
  end: number,
  periods: PassPeriods,
  rollingWindow: number,
  shift: number,
  rollingNumerators: Float64Array,
  out: PassOutput,
): void {
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
  const seedEnd = start + rsiPeriod;
  const rollingFull = start + rollingWindow;
  const inverseWindow = 1 / rollingWindow;

  let previous = closes[start] as number;
  // The sum of |changes|: 0 only if no close moved (a sum of non-negative terms cannot cancel).
  let movement = 0;
  // trading-signals seeds each EMA with the first value as value * k + value * (1 - k).
  let fast = previous * kFast + previous * restFast;
  let slow = previous * kSlow + previous * restSlow;
  let macd = Number.NaN;
  let signal = Number.NaN;
  // RSI's first averages are the library's SMA of the first `period` changes: summed from 0, oldest first.
  let averageGain = 0;
  let averageLoss = 0;
  let sum = 0;
  let squares = 0;
  let total = 0;

  // Warm-up: until RSI has seeded, the first rolling window is full and the MACD line exists. The steady loop
  // below tests no phase.
  const warmEnd = Math.min(Math.max(seedEnd, rollingFull, macdStart), end - 1);
  for (let i = start + 1; i <= warmEnd; i++) {
    const close = closes[i] as number;
    const change = close - previous;
    const size = Math.abs(change);
    if (i <= seedEnd) {
      averageGain += (change + size) * 0.5;
      averageLoss += (size - change) * 0.5;
      if (i === seedEnd) {
        averageGain /= rsiPeriod;
        averageLoss /= rsiPeriod;
      }
    } else {
      averageGain = ((change + size) * 0.5 - averageGain) * smoothing + averageGain;
      averageLoss = ((size - change) * 0.5 - averageLoss) * smoothing + averageLoss;
    }
    movement += size;
    previous = close;
    fast = close * kFast + fast * restFast;
    slow = close * kSlow + slow * restSlow;
    if (i >= macdStart) {
      macd = fast - slow;
      signal = macd * kSignal + (i === macdStart ? macd : signal) * restSignal;
    }
    const entering = (returns[i - returnsOffset] as number) - shift;
    const enteringSquare = entering * entering;
    total += enteringSquare;
    if (i <= rollingFull) {
      sum += entering;
      squares += enteringSquare;
    } else {
      const leaving = (returns[i - rollingWindow - returnsOffset] as number) - shift;
      sum += entering - leaving;
      squares += enteringSquare - leaving * leaving;
    }
    if (i >= rollingFull) rollingNumerators[i - rollingFull] = squares - sum * sum * inverseWindow;
  }

  for (let i = warmEnd + 1; i < end; i++) {
    const close = closes[i] as number;
    const change = close - previous;
    const size = Math.abs(change);
    averageGain = ((change + size) * 0.5 - averageGain) * smoothing + averageGain;
    averageLoss = ((size - change) * 0.5 - averageLoss) * smoothing + averageLoss;
    movement += size;
    previous = close;
    fast = close * kFast + fast * restFast;
    slow = close * kSlow + slow * restSlow;
    macd = fast - slow;
    signal = macd * kSignal + signal * restSignal;
    const entering = (returns[i - returnsOffset] as number) - shift;
    const leaving = (returns[i - rollingWindow - returnsOffset] as number) - shift;
    const enteringSquare = entering * entering;
    total += enteringSquare;
    sum += entering - leaving;
    squares += enteringSquare - leaving * leaving;
    rollingNumerators[i - rollingFull] = squares - sum * sum * inverseWindow;
  }

  const enough = end - start - 1 >= rsiPeriod;
  out.rsi = !enough ? Number.NaN : movement === 0 ? 50 : averageLoss === 0 ? 100 : 100 - 100 / (averageGain / averageLoss + 1);
  out.macd = macd;
  out.macdSignal = signal;
  out.macdHistogram = macd - signal;
  out.squaredShiftedReturns = total;
}
