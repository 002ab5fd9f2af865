import type { Regime } from './signal-types.js';

/**
 * The regime's thresholds, clamps and noise scale, shared by the library-based reference (regime.ts) and the fast
 * kernel (signal-kernel-regime.ts). Kept free of trading-signals so the kernel can run anywhere domain code runs.
 */

export interface RegimeThresholds {
  /** Recent volatility at or above this multiple of its usual level is 'volatile'. */
  volatilityRatio: number;
  /** |trend strength| at or above this is 'trending_up' / 'trending_down'. */
  trendStrength: number;
}

export const DEFAULT_REGIME_THRESHOLDS: RegimeThresholds = { volatilityRatio: 2, trendStrength: 1.5 };

/** Keeps a perfectly smooth series (sigma 0) from dividing by zero; the clamps keep readings printable. */
export const MIN_SIGMA = 1e-12;
export const MAX_TREND_STRENGTH = 100;
export const MAX_VOLATILITY_RATIO = 100;

/**
 * SMA_now - SMA_then = (1/window) * sum over i < window, k < lookback of r[t - i - k], so return r[t - m] carries
 * weight #{(i, k): i + k = m} / window. With unit-variance independent returns the difference's stddev is the
 * root of the summed squared weights.
 */
export function smaDifferenceNoise(window: number, lookback: number): number {
  let sumSquares = 0;
  for (let m = 0; m < window + lookback - 1; m++) {
    const pairs = Math.min(m, window - 1) - Math.max(0, m - lookback + 1) + 1;
    sumSquares += (pairs / window) ** 2;
  }
  return Math.sqrt(sumSquares);
}

/** Volatile wins over trending: a crash is first of all a volatility event for sizing and risk. */
export function classifyRegimeReading(volatilityRatio: number, trendStrength: number, thresholds: RegimeThresholds): Regime {
  if (volatilityRatio >= thresholds.volatilityRatio) return 'volatile';
  if (trendStrength >= thresholds.trendStrength) return 'trending_up';
  if (trendStrength <= -thresholds.trendStrength) return 'trending_down';
  return 'ranging';
}
