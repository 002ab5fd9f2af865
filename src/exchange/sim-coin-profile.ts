import { hashInts, Prng } from './prng.js';

/** A simulated coin's character: fixed per (seed, anchor, coin), the same at every timeframe. */
export interface CoinProfile {
  /** Sensitivity to the market factor; correlation between coins comes from here. */
  beta: number;
  /** Daily volatility of the coin's own (idiosyncratic) moves. */
  idioVolPerDay: number;
  /** Expected jumps per day in a neutral regime. */
  jumpsPerDay: number;
  /** Standard deviation of a jump's log size. */
  jumpSize: number;
  /** Price of the first candle's open, in quote currency. */
  startPrice: number;
  /** Typical traded value per day, in quote currency (universe selection ranks by it). */
  quoteVolumePerDay: number;
}

const PROFILE_STREAM = 0x50_52_4f_46;

export function coinProfile(seed: number, anchorMs: number, coinIndex: number): CoinProfile {
  const prng = new Prng(hashInts(seed, anchorMs, coinIndex, PROFILE_STREAM));
  // BTC and ETH keep recognisable magnitudes; the invented coins spread over the range real alt-coins cover.
  if (coinIndex === 0) {
    return { beta: 1, idioVolPerDay: 0.01, jumpsPerDay: 0.02, jumpSize: 0.03, startPrice: prng.logBetween(20_000, 60_000), quoteVolumePerDay: prng.logBetween(1e9, 3e9) };
  }
  if (coinIndex === 1) {
    return { beta: 1.15, idioVolPerDay: 0.015, jumpsPerDay: 0.03, jumpSize: 0.04, startPrice: prng.logBetween(1_200, 4_000), quoteVolumePerDay: prng.logBetween(5e8, 1.5e9) };
  }
  return {
    beta: prng.between(0.5, 1.6),
    idioVolPerDay: prng.between(0.015, 0.06),
    jumpsPerDay: prng.between(0.02, 0.15),
    jumpSize: prng.between(0.03, 0.12),
    startPrice: prng.logBetween(0.0005, 300),
    quoteVolumePerDay: prng.logBetween(2e5, 3e8),
  };
}
