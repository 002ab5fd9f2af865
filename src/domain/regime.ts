import type { Candle } from './market-types.js';
import type { Regime } from './signal-types.js';
import { logReturns, sampleStdDev, smaSeries } from './indicators.js';
import {
  classifyRegimeReading,
  DEFAULT_REGIME_THRESHOLDS,
  MAX_TREND_STRENGTH,
  MAX_VOLATILITY_RATIO,
  MIN_SIGMA,
  smaDifferenceNoise,
  type RegimeThresholds,
} from './regime-definitions.js';

export { DEFAULT_REGIME_THRESHOLDS, smaDifferenceNoise, type RegimeThresholds };

/**
 * Market regime from closes, in two measurements:
 *
 * - volatility ratio = stddev of the last `window` log returns / the median of that same rolling stddev over all
 *   the history given. The median is the coin's usual level, so the ratio reads the same for BTC and a meme coin.
 * - trend strength = ln(SMA_now / SMA_lookback_ago) / (sigma * k), lookback = window / 2: how far the slow moving
 *   average moved, in standard deviations of how far it moves on a driftless random walk of the same per-candle
 *   volatility sigma (k = the root of the sum of squared return weights inside the two overlapping averages, about
 *   0.65 * sqrt(lookback) for window 20). A z-score: on a driftless walk |strength| >= 1.5 happens about one time in
 *   seven, so the default threshold asks for a clear but not rare drift (Binance 1h 2021, 100-candle windows: ~7%).
 *
 * Volatile wins over trending: a crash is first of all a volatility event for sizing and risk.
 */

export interface RegimeReading {
  regime: Regime;
  /** Signed; 0 when there is too little data. */
  trendStrength: number;
  /** 1 when the history is shorter than two windows (no usual level to compare with). */
  volatilityRatio: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function volatilityRatio(returns: number[], window: number): number {
  if (returns.length < 2 * window) return 1;
  const rolling: number[] = [];
  for (let end = window; end <= returns.length; end++) {
    rolling.push(sampleStdDev(returns.slice(end - window, end)) as number);
  }
  const usual = median(rolling);
  const recent = rolling[rolling.length - 1] as number;
  if (usual <= MIN_SIGMA) return recent <= MIN_SIGMA ? 1 : MAX_VOLATILITY_RATIO;
  return recent / usual;
}

function trendStrength(closes: readonly number[], window: number, sigma: number): number {
  const lookback = Math.min(Math.floor(window / 2), closes.length - window);
  if (lookback < 1) return 0;
  const sma = smaSeries(closes, window);
  const now = sma[sma.length - 1] as number;
  const then = sma[sma.length - 1 - lookback] as number;
  const strength = Math.log(now / then) / (Math.max(sigma, MIN_SIGMA) * smaDifferenceNoise(window, lookback));
  return Math.max(-MAX_TREND_STRENGTH, Math.min(MAX_TREND_STRENGTH, strength));
}

/** Measures and classifies; `window` is normally the slow MA period. Closes must be finite and positive. */
export function measureRegime(closes: readonly number[], window: number, thresholds: RegimeThresholds = DEFAULT_REGIME_THRESHOLDS): RegimeReading {
  if (!Number.isInteger(window) || window < 2) {
    throw new RangeError(`regime window must be an integer of at least 2 (got ${String(window)})`);
  }
  if (closes.length < window + 1) return { regime: 'ranging', trendStrength: 0, volatilityRatio: 1 };
  const returns = logReturns(closes);
  const sigma = sampleStdDev(returns.slice(-window)) as number;
  const ratio = volatilityRatio(returns, window);
  const strength = trendStrength(closes, window, sigma);
  return { regime: classifyRegimeReading(ratio, strength, thresholds), trendStrength: strength, volatilityRatio: ratio };
}

export function classifyRegime(candles: readonly Candle[], window: number, thresholds: RegimeThresholds = DEFAULT_REGIME_THRESHOLDS): Regime {
  return measureRegime(candles.map((c) => c.close), window, thresholds).regime;
}
