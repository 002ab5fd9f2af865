import { hashInts, Prng } from './prng.js';
import { DAY_MS, MARKET_GARCH, MARKET_VOL_PER_DAY, MIN_REGIME_CANDLES, REGIME_PARAMS_BY_INDEX, REGIMES, garchStep } from './sim-regimes.js';

/** Salt that keeps the market factor's random stream apart from every coin's. */
const MARKET_STREAM = 0x4d4b_5446;

/**
 * The shared part of every coin's return at one timeframe: the regime chain and the market factor's log returns,
 * generated sequentially from the first candle and kept, so candle i is the same whenever it is asked for.
 */
export class MarketFactorPath {
  private regimes = new Uint8Array(256);
  private returns = new Float64Array(256);
  private count = 0;
  private readonly prng: Prng;
  private variance = 1;
  private regime = 0;
  private readonly stayProbability: number[];
  private readonly volPerCandle: number;
  private readonly dayFraction: number;

  constructor(seed: number, anchorMs: number, timeframeMs: number) {
    this.prng = new Prng(hashInts(seed, anchorMs, timeframeMs, MARKET_STREAM));
    this.dayFraction = timeframeMs / DAY_MS;
    this.volPerCandle = MARKET_VOL_PER_DAY * Math.sqrt(this.dayFraction);
    this.stayProbability = REGIME_PARAMS_BY_INDEX.map(
      (params) => 1 - 1 / Math.max(MIN_REGIME_CANDLES, params.meanDays / this.dayFraction),
    );
    this.regime = this.pickRegime(-1);
  }

  get length(): number {
    return this.count;
  }

  regimeAt(index: number): number {
    return this.regimes[index] ?? 0;
  }

  returnAt(index: number): number {
    return this.returns[index] ?? 0;
  }

  /** Typical (long-run, regime-neutral) standard deviation of one candle's market return. */
  get typicalVolPerCandle(): number {
    return this.volPerCandle;
  }

  extendTo(count: number): void {
    if (count <= this.count) return;
    this.reserve(count);
    for (let i = this.count; i < count; i++) {
      if (i > 0 && this.prng.uniform() > (this.stayProbability[this.regime] ?? 0)) this.regime = this.pickRegime(this.regime);
      const params = REGIME_PARAMS_BY_INDEX[this.regime] ?? REGIME_PARAMS_BY_INDEX[0]!;
      const shock = Math.sqrt(this.variance) * this.prng.normal();
      this.variance = garchStep(MARKET_GARCH, this.variance, shock);
      this.regimes[i] = this.regime;
      this.returns[i] = params.driftPerDay * this.dayFraction + this.volPerCandle * params.volMultiplier * shock;
    }
    this.count = count;
  }

  /** Draws the next regime by entry weight, never the current one (-1 at the start: any regime). */
  private pickRegime(current: number): number {
    let total = 0;
    REGIME_PARAMS_BY_INDEX.forEach((params, index) => {
      if (index !== current) total += params.entryWeight;
    });
    let draw = this.prng.uniform() * total;
    for (let index = 0; index < REGIMES.length; index++) {
      if (index === current) continue;
      draw -= REGIME_PARAMS_BY_INDEX[index]?.entryWeight ?? 0;
      if (draw <= 0) return index;
    }
    return current === REGIMES.length - 1 ? 0 : REGIMES.length - 1;
  }

  private reserve(count: number): void {
    if (count <= this.returns.length) return;
    let capacity = this.returns.length;
    while (capacity < count) capacity *= 2;
    const regimes = new Uint8Array(capacity);
    regimes.set(this.regimes);
    const returns = new Float64Array(capacity);
    returns.set(this.returns);
    this.regimes = regimes;
    this.returns = returns;
  }
}
