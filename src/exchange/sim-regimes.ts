/**
 * The simulated market's regimes: a Markov chain whose state sets the drift and volatility of the shared market
 * factor and of every coin's own moves. Parameters are per day of market time and scaled to each timeframe, so a
 * 1m and a 1h path of the same coin behave alike in wall-clock terms.
 */
export const REGIMES = ['bull', 'bear', 'sideways', 'volatile'] as const;
export type Regime = (typeof REGIMES)[number];

export interface RegimeParams {
  /** Mean log return of the market factor per day. */
  driftPerDay: number;
  /** Multiplies the market factor's and the coins' own volatility. */
  volMultiplier: number;
  /** Multiplies every coin's jump probability. */
  jumpMultiplier: number;
  /** Mean log size of a jump: crashes in bear markets, squeezes in bull markets. */
  jumpBias: number;
  /** Mean stay in days before the chain moves on. */
  meanDays: number;
  /** Relative chance of being entered when another regime ends (also the starting distribution). */
  entryWeight: number;
}

export const REGIME_PARAMS: Record<Regime, RegimeParams> = {
  bull: { driftPerDay: 0.006, volMultiplier: 0.9, jumpMultiplier: 1, jumpBias: 0.01, meanDays: 5, entryWeight: 0.3 },
  bear: { driftPerDay: -0.006, volMultiplier: 1.2, jumpMultiplier: 1.5, jumpBias: -0.02, meanDays: 4, entryWeight: 0.25 },
  sideways: { driftPerDay: 0, volMultiplier: 0.6, jumpMultiplier: 0.5, jumpBias: 0, meanDays: 6, entryWeight: 0.3 },
  volatile: { driftPerDay: -0.001, volMultiplier: 2, jumpMultiplier: 3, jumpBias: -0.005, meanDays: 2, entryWeight: 0.15 },
};

/** Parameters by regime index (the paths store regimes as small integers). */
export const REGIME_PARAMS_BY_INDEX: RegimeParams[] = REGIMES.map((regime) => REGIME_PARAMS[regime]);

/** Daily volatility of the market factor before regime and GARCH scaling. */
export const MARKET_VOL_PER_DAY = 0.025;
/** Shortest mean regime stay in candles, so coarse timeframes (1d) still see regimes last a while. */
export const MIN_REGIME_CANDLES = 24;

/**
 * GARCH(1,1) on a unit-variance shock: h' = (1 - alpha - beta) + alpha * eps^2 + beta * h. Long-run variance 1, so
 * the regime and the coin's profile set the scale and GARCH only adds the clustering.
 */
export const MARKET_GARCH = { alpha: 0.08, beta: 0.9 } as const;
export const COIN_GARCH = { alpha: 0.1, beta: 0.85 } as const;

export const DAY_MS = 86_400_000;

export function garchStep(garch: { alpha: number; beta: number }, variance: number, shock: number): number {
  return 1 - garch.alpha - garch.beta + garch.alpha * shock * shock + garch.beta * variance;
}

/** Exact powers of ten (every one up to 1e22 is a double), so rounding needs no Math.pow. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, exponent) => 10 ** exponent);

/** Rounds to `digits` significant digits, giving the double nearest the decimal (prints without float noise). */
export function roundSignificant(value: number, digits: number): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  const decimals = digits - 1 - Math.floor(Math.log10(Math.abs(value)));
  if (decimals >= 0) {
    const factor = POWERS_OF_TEN[decimals] ?? 10 ** decimals;
    return Math.round(value * factor) / factor;
  }
  const factor = POWERS_OF_TEN[-decimals] ?? 10 ** -decimals;
  return Math.round(value / factor) * factor;
}
