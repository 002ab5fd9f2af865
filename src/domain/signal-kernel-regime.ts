import { MAX_TREND_STRENGTH, MAX_VOLATILITY_RATIO, MIN_SIGMA, smaDifferenceNoise } from './regime-definitions.js';
import { sampleStdDevOf } from './signal-kernel-math.js';
import { selectMiddlePair, type MiddlePair } from './signal-kernel-median.js';

/**
 * The regime measurements of regime.ts (definitions there) in O(window) time and no allocation, for the kernel.
 *
 * regime.ts takes the median of every rolling stddev of the returns, each from a fresh slice, and sorts them:
 * O(returns x window) plus a sort. The kernel gets each rolling variance from sliding sums (signal-kernel-pass.ts)
 * and the median by selection (signal-kernel-median.ts). Sliding sums carry rounding from every value that passed
 * through them; the bound below (in units of the sum of the shifted squared returns M) keeps the result within
 * 1e-10 of the reference, and where the bound cannot promise that (a perfectly flat stretch, a return hundreds of
 * times the usual one) the kernel computes every rolling stddev two-pass as regime.ts does, bit-identical to it.
 */

/** Relative accuracy the sliding sums must be proven to have, else the exact path runs. */
const APPROXIMATION_TOLERANCE = 1e-10;
const UNIT_ROUNDOFF = 2 ** -53;

/** Buffers and state of the ratio, owned by the caller's KernelScratch. */
export interface RollingState {
  /** Rolling variance numerators, one per window (then the exact path's stddevs). */
  rollingNumerators: Float64Array;
  /** Reordered by selection. */
  selection: Float64Array;
  middle: MiddlePair;
  /**
   * Pivot guesses for the selection (speed only): the last median numerator, a near-perfect guess when this window
   * is the last one moved by one close (`followsLast`), else the last median's share of M.
   */
  medianNumerator: number;
  medianShare: number;
  followsLast: boolean;
  /** How many evaluations took the exact median path (for tests and tuning). */
  exactMedians: number;
}

/**
 * Recent stddev / median rolling stddev over `count` returns starting at returns[from], each window `window` long;
 * `recent` is the stddev of the last window. state.rollingNumerators holds the pass's rolling variance numerators
 * and `squaredShiftedReturns` its M (signal-kernel-pass.ts). 1 with fewer than two windows' worth of returns, as
 * regime.ts.
 */
export function windowVolatilityRatio(
  returns: ArrayLike<number>,
  from: number,
  count: number,
  window: number,
  recent: number,
  squaredShiftedReturns: number,
  state: RollingState,
): number {
  if (count < 2 * window) return 1;
  const windows = count - window + 1;
  const { rollingNumerators, selection, middle } = state;
  // How far a numerator can be from the exact one, u = 2^-53: per slide the sum of squares takes four roundings of
  // at most M (4uNM in all); the plain sum's error, squared through sum^2 / window, adds at most 2uNM(1 + 2/sqrt(w))
  // < 5uNM; rounding the shifted returns and the final operations add 8uM. Doubled for slack.
  const errorBound = (18 * count + 20) * UNIT_ROUNDOFF * squaredShiftedReturns;
  const guess =
    state.followsLast && Number.isFinite(state.medianNumerator) ? state.medianNumerator
    : (Number.isFinite(state.medianShare) ? state.medianShare : (window - 1) / count) * squaredShiftedReturns;
  selectMiddlePair(rollingNumerators, windows, guess, selection, middle);
  state.medianNumerator = middle.upper;
  state.medianShare = middle.upper / squaredShiftedReturns;
  let usual: number;
  if (middle.lower > errorBound / APPROXIMATION_TOLERANCE) {
    usual = (Math.sqrt(middle.lower / (window - 1)) + Math.sqrt(middle.upper / (window - 1))) / 2;
  } else {
    state.exactMedians++;
    usual = exactMedianStdDev(returns, from, windows, window, state);
  }
  if (usual <= MIN_SIGMA) return recent <= MIN_SIGMA ? 1 : MAX_VOLATILITY_RATIO;
  return recent / usual;
}

/** regime.ts's median of two-pass rolling stddevs, value for value (the selection returns the same order statistics). */
function exactMedianStdDev(returns: ArrayLike<number>, from: number, windows: number, window: number, state: RollingState): number {
  const stdDevs = state.rollingNumerators;
  for (let j = 0; j < windows; j++) stdDevs[j] = sampleStdDevOf(returns, from + j, from + j + window);
  selectMiddlePair(stdDevs, windows, Number.NaN, state.selection, state.middle);
  const { lower, upper } = state.middle;
  // regime.ts median(): sorted[mid] when odd, (sorted[mid - 1] + sorted[mid]) / 2 when even.
  return windows % 2 === 1 ? upper : (lower + upper) / 2;
}

/** Cache for smaDifferenceNoise, which depends only on (window, lookback): the same pair on every call in practice. */
export interface NoiseCache {
  noiseWindow: number;
  noiseLookback: number;
  noise: number;
}

/** ln(SMA_now / SMA_then) / (sigma * noise), clamped: regime.ts trend strength, for SMAs `lookback` closes apart. */
export function trendStrengthOf(smaNow: number, smaThen: number, sigma: number, window: number, lookback: number, cache: NoiseCache): number {
  if (lookback < 1) return 0;
  if (cache.noiseWindow !== window || cache.noiseLookback !== lookback) {
    cache.noise = smaDifferenceNoise(window, lookback);
    cache.noiseWindow = window;
    cache.noiseLookback = lookback;
  }
  const strength = Math.log(smaNow / smaThen) / (Math.max(sigma, MIN_SIGMA) * cache.noise);
  return Math.max(-MAX_TREND_STRENGTH, Math.min(MAX_TREND_STRENGTH, strength));
}
