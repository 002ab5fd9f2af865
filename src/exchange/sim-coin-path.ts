import type { Candle } from '../domain/market-types.js';
import type { CandleSeries } from './candle-series.js';
import { hashInts, Prng } from './prng.js';
import type { CoinProfile } from './sim-coin-profile.js';
import type { MarketFactorPath } from './sim-market-factor.js';
import { COIN_GARCH, DAY_MS, REGIME_PARAMS_BY_INDEX, garchStep, roundSignificant } from './sim-regimes.js';

/** Prices and volumes keep 7 significant digits, like an exchange's tick size: decimal strings stay short. */
const DIGITS = 7;
/** One candle never moves more than this in log terms (about x2 or /2), however the shocks line up. */
const MAX_LOG_RETURN = 0.7;

/**
 * One coin's candles at one timeframe, generated sequentially from `firstTs` and kept in typed arrays (32 bytes per
 * candle; the open is the previous close). Candle i depends only on the seed and candles before it.
 */
export class CoinPath implements CandleSeries {
  private close = new Float64Array(128);
  private high = new Float64Array(128);
  private low = new Float64Array(128);
  private volume = new Float64Array(128);
  private count = 0;
  private readonly prng: Prng;
  private variance = 1;
  private readonly dayFraction: number;
  private readonly idioVolPerCandle: number;
  private readonly jumpProbability: number;
  private readonly typicalVolPerCandle: number;
  private readonly quoteVolumePerCandle: number;

  constructor(
    seed: number,
    anchorMs: number,
    coinIndex: number,
    readonly firstTs: number,
    readonly timeframeMs: number,
    private readonly profile: CoinProfile,
    private readonly market: MarketFactorPath,
  ) {
    this.prng = new Prng(hashInts(seed, anchorMs, coinIndex, timeframeMs));
    this.dayFraction = timeframeMs / DAY_MS;
    this.idioVolPerCandle = profile.idioVolPerDay * Math.sqrt(this.dayFraction);
    this.jumpProbability = Math.min(0.05, profile.jumpsPerDay * this.dayFraction);
    this.typicalVolPerCandle = Math.hypot(profile.beta * market.typicalVolPerCandle, this.idioVolPerCandle);
    this.quoteVolumePerCandle = profile.quoteVolumePerDay * this.dayFraction;
  }

  get length(): number {
    return this.count;
  }

  tsAt(index: number): number {
    return this.firstTs + index * this.timeframeMs;
  }

  closeAt(index: number): number {
    return this.close[index] ?? Number.NaN;
  }

  volumeAt(index: number): number {
    return this.volume[index] ?? Number.NaN;
  }

  candleAt(index: number): Candle {
    return {
      ts: this.tsAt(index),
      open: this.openAt(index),
      high: this.high[index] ?? Number.NaN,
      low: this.low[index] ?? Number.NaN,
      close: this.closeAt(index),
      volume: this.volumeAt(index),
    };
  }

  extendTo(count: number): void {
    if (count <= this.count) return;
    this.market.extendTo(count);
    this.reserve(count);
    const prng = this.prng;
    for (let i = this.count; i < count; i++) {
      const regime = REGIME_PARAMS_BY_INDEX[this.market.regimeAt(i)] ?? REGIME_PARAMS_BY_INDEX[0]!;
      const shock = Math.sqrt(this.variance) * prng.normal();
      this.variance = garchStep(COIN_GARCH, this.variance, shock);
      let logReturn = this.profile.beta * this.market.returnAt(i) + this.idioVolPerCandle * regime.volMultiplier * shock;
      if (prng.uniform() < this.jumpProbability * regime.jumpMultiplier) {
        logReturn += regime.jumpBias + this.profile.jumpSize * prng.normal();
      }
      logReturn = Math.max(-MAX_LOG_RETURN, Math.min(MAX_LOG_RETURN, logReturn));

      const open = this.openAt(i);
      const close = roundSignificant(open * Math.exp(logReturn), DIGITS);
      // Wicks grow with the candle's own move and the current volatility, as on real charts.
      const wickScale = 0.5 * (Math.abs(logReturn) * 0.5 + this.idioVolPerCandle * regime.volMultiplier * Math.sqrt(this.variance));
      const high = roundSignificant(Math.max(open, close) * Math.exp(wickScale * Math.abs(prng.normal())), DIGITS);
      const low = roundSignificant(Math.min(open, close) * Math.exp(-wickScale * Math.abs(prng.normal())), DIGITS);
      // Activity rises with the size of the move (mean factor about 1) and wanders log-normally around it.
      const activity = 0.5 + (0.625 * Math.abs(logReturn)) / this.typicalVolPerCandle;
      const quoteVolume = this.quoteVolumePerCandle * activity * Math.exp(0.6 * prng.normal() - 0.18);

      this.close[i] = close;
      this.high[i] = Math.max(high, open, close);
      this.low[i] = Math.min(low, open, close);
      this.volume[i] = roundSignificant(quoteVolume / close, DIGITS);
    }
    this.count = count;
  }

  private openAt(index: number): number {
    return index === 0 ? roundSignificant(this.profile.startPrice, DIGITS) : (this.close[index - 1] ?? Number.NaN);
  }

  private reserve(count: number): void {
    if (count <= this.close.length) return;
    let capacity = this.close.length;
    while (capacity < count) capacity *= 2;
    this.close = grow(this.close, capacity);
    this.high = grow(this.high, capacity);
    this.low = grow(this.low, capacity);
    this.volume = grow(this.volume, capacity);
  }
}

function grow(array: Float64Array, capacity: number): Float64Array<ArrayBuffer> {
  const grown = new Float64Array(capacity);
  grown.set(array);
  return grown;
}
