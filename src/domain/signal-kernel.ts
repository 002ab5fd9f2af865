import { KeelError } from './errors.js';
import { classifyRegimeReading, DEFAULT_REGIME_THRESHOLDS } from './regime-definitions.js';
import {
  actionFor,
  combineScore,
  macdComponent,
  maCrossComponent,
  roundSignificant,
  rsiComponent,
  type SignalComponents,
} from './signal-components.js';
import { fillLogReturns, meanOf, sampleStdDevAround, windowSmas, type SmaReading } from './signal-kernel-math.js';
import type { MiddlePair } from './signal-kernel-median.js';
import { windowPass, type PassOutput } from './signal-kernel-pass.js';
import { trendStrengthOf, windowVolatilityRatio, type NoiseCache, type RollingState } from './signal-kernel-regime.js';
import { minimumCandlesFor, type CoinEvaluation, type Regime, type SignalConfig } from './signal-types.js';

/**
 * The signal kernel: the one implementation of the coin signal, run by the live market cycle (through
 * evaluateSignal) and by the backtester over windows of long series. Same definitions and, by construction, the
 * same floating-point operations as the trading-signals/regime.ts reference (analyzeCloses, measureRegime), in plain
 * loops over arrays with no allocation besides the result: ~2 microseconds per 100-close window with precomputed
 * returns on the 2-core development VM, where the library-based reference takes ~130.
 * RSI and the EMAs are recursive (they depend on where the window starts), so parity needs the same window as live.
 */

/** A coin's closes, oldest first; logReturns[i] = Math.log(closes[i] / closes[i - 1]) for i >= 1, when precomputed. */
export interface CloseSeries {
  closes: ArrayLike<number>;
  logReturns?: ArrayLike<number>;
}

/** Every measurement of the last evaluation, unrounded: for tests and for callers that want to see why. */
export interface KernelReading extends PassOutput, SmaReading {
  /** Sample stddev of the last maSlowPeriod log returns (also the regime's sigma). */
  volatility: number;
  trendStrength: number;
  volatilityRatio: number;
  regime: Regime;
  score: number;
}

/**
 * Reusable buffers, caches and the last reading; evaluations are synchronous, so one scratch serves one caller at
 * a time. A caller that walks many windows of several series goes fastest with one scratch per series: the
 * previous window's median seeds the next one's selection (results never depend on it).
 */
export class KernelScratch implements RollingState, NoiseCache {
  returns = new Float64Array(0);
  rollingNumerators = new Float64Array(0);
  selection = new Float64Array(0);
  readonly middle: MiddlePair = { lower: 0, upper: 0 };
  medianNumerator = Number.NaN;
  medianShare = Number.NaN;
  followsLast = false;
  exactMedians = 0;
  /** The last window measured, to recognise its successor. */
  private lastCloses: ArrayLike<number> | null = null;
  private lastStart = -1;
  private lastEnd = -1;
  noiseWindow = 0;
  noiseLookback = 0;
  noise = 0;
  readonly components: SignalComponents = { rsi: 0, maCross: 0, macd: 0 };
  readonly reading: KernelReading = {
    rsi: 0,
    macd: 0,
    macdSignal: 0,
    macdHistogram: 0,
    squaredShiftedReturns: 0,
    maFast: 0,
    maSlow: 0,
    previousMaFast: 0,
    previousMaSlow: 0,
    maSlowThen: 0,
    volatility: 0,
    trendStrength: 0,
    volatilityRatio: 1,
    regime: 'ranging',
    score: 0,
  };

  /** Notes the window about to be measured; tells whether it is the last one moved by one close. */
  startWindow(closes: ArrayLike<number>, start: number, end: number): void {
    this.followsLast = closes === this.lastCloses && start === this.lastStart + 1 && end === this.lastEnd + 1;
    this.lastCloses = closes;
    this.lastStart = start;
    this.lastEnd = end;
  }

  /** Grows the buffers (the only allocation) to fit a window of `closeCount` closes. */
  reserve(closeCount: number): void {
    if (this.returns.length >= closeCount) return;
    const size = Math.max(closeCount, 2 * this.returns.length, 128);
    this.returns = new Float64Array(size);
    this.rollingNumerators = new Float64Array(size);
    this.selection = new Float64Array(size);
  }
}

const sharedScratch = new KernelScratch();

function assertPeriod(key: string, period: number): void {
  if (!Number.isInteger(period) || period < 2) {
    throw new KeelError('InvalidConfig', `signal.${key} must be an integer of at least 2 (got ${String(period)})`);
  }
}

/** The checks the kernel's loops rely on; cheap enough to run on every call (hence no loop over setting names). */
function assertWindow(symbol: string, series: CloseSeries, start: number, end: number, config: SignalConfig): void {
  assertSignalConfig(config);
  const length = series.closes.length;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > length) {
    throw new KeelError('Internal', `${symbol}: window [${String(start)}, ${String(end)}) is not inside the ${length} closes`);
  }
  if (series.logReturns !== undefined && series.logReturns.length < end) {
    throw new KeelError('Internal', `${symbol}: ${series.logReturns.length} precomputed log returns do not cover the window ending at ${end}`);
  }
  const needed = minimumCandlesFor(config);
  if (end - start < needed) {
    throw new KeelError('InvalidMarketData', `${symbol}: need at least ${needed} closed candles, got ${Math.max(0, end - start)}`);
  }
}

/** The periods the kernel's loops rely on (what measureCloses checks of the config on every call). */
export function assertSignalConfig(config: SignalConfig): void {
  assertPeriod('rsiPeriod', config.rsiPeriod);
  assertPeriod('maFastPeriod', config.maFastPeriod);
  assertPeriod('maSlowPeriod', config.maSlowPeriod);
  assertPeriod('macdFastPeriod', config.macdFastPeriod);
  assertPeriod('macdSlowPeriod', config.macdSlowPeriod);
  assertPeriod('macdSignalPeriod', config.macdSignalPeriod);
  if (config.maFastPeriod >= config.maSlowPeriod) {
    throw new KeelError('InvalidConfig', `signal.maFastPeriod (${config.maFastPeriod}) must be shorter than signal.maSlowPeriod (${config.maSlowPeriod})`);
  }
  if (config.macdFastPeriod >= config.macdSlowPeriod) {
    throw new KeelError('InvalidConfig', `signal.macdFastPeriod (${config.macdFastPeriod}) must be shorter than signal.macdSlowPeriod (${config.macdSlowPeriod})`);
  }
}

/**
 * Measures the window closes[start, end) into scratch.reading (unrounded; overwritten by the next call) and returns
 * it. Closes must be finite and positive (evaluateSignal checks candles; a backtester checks a series once); the
 * window and the periods are checked here.
 */
export function measureCloses(symbol: string, series: CloseSeries, start: number, end: number, config: SignalConfig, scratch: KernelScratch = sharedScratch): KernelReading {
  assertWindow(symbol, series, start, end, config);
  return measureCheckedWindow(series, start, end, config, scratch);
}

/**
 * measureCloses without its checks, for a caller that made them once for a whole run: the config by
 * assertSignalConfig, and every window inside its series (integers, logReturns covering it) and at least
 * minimumCandlesFor(config) long. The same reading; the backtester's thread measures hundreds of thousands.
 */
export function measureCheckedWindow(series: CloseSeries, start: number, end: number, config: SignalConfig, scratch: KernelScratch): KernelReading {
  const { closes } = series;
  const reading = scratch.reading;
  const closeCount = end - start;
  const returnCount = closeCount - 1;
  const window = config.maSlowPeriod;
  scratch.reserve(closeCount);
  scratch.startWindow(closes, start, end);

  // Precomputed returns are indexed by close; the scratch copy by close - start.
  let returns: ArrayLike<number> = scratch.returns;
  let offset = start;
  if (series.logReturns !== undefined) {
    returns = series.logReturns;
    offset = 0;
  } else {
    fillLogReturns(closes, start, end, scratch.returns);
  }
  // The volatility window's mean return also shifts the pass's rolling sums (any value near the typical return
  // keeps their subtraction from cancelling); reusing it saves a log call.
  const returnsEnd = end - offset;
  const recentMean = meanOf(returns, returnsEnd - window, returnsEnd);
  reading.volatility = sampleStdDevAround(returns, returnsEnd - window, returnsEnd, recentMean);
  windowPass(closes, returns, offset, start, end, config, window, recentMean, scratch.rollingNumerators, reading);
  // regime.ts: the trend compares the slow SMA now with half a window ago (less when the window is short).
  const lookback = Math.min(Math.floor(window / 2), closeCount - window);
  windowSmas(closes, end, config.maFastPeriod, window, lookback, reading);
  reading.volatilityRatio = windowVolatilityRatio(returns, start + 1 - offset, returnCount, window, reading.volatility, reading.squaredShiftedReturns, scratch);
  reading.trendStrength = trendStrengthOf(reading.maSlow, reading.maSlowThen, reading.volatility, window, lookback, scratch);
  reading.regime = classifyRegimeReading(reading.volatilityRatio, reading.trendStrength, DEFAULT_REGIME_THRESHOLDS);

  const components = scratch.components;
  components.rsi = rsiComponent(reading.rsi, config.rsiOversold, config.rsiOverbought);
  components.maCross = maCrossComponent(reading.maFast, reading.maSlow, reading.previousMaFast, reading.previousMaSlow);
  components.macd = macdComponent(reading.macdHistogram, closes[end - 1] as number);
  reading.score = combineScore(components, config.weights);
  return reading;
}

/**
 * Evaluates the window closes[start, end) (oldest first) of one coin, whose last candle opened at `candleTs`: the
 * CoinEvaluation evaluateSignal returns for those candles, bit for bit. Pass one scratch per caller, or none.
 */
export function evaluateCloses(
  symbol: string,
  candleTs: number,
  series: CloseSeries,
  start: number,
  end: number,
  config: SignalConfig,
  scratch: KernelScratch = sharedScratch,
): CoinEvaluation {
  const reading = measureCloses(symbol, series, start, end, config, scratch);
  // The action follows the rounded score, so the reported score and the action always agree.
  const score = roundSignificant(reading.score);
  return {
    symbol,
    candleTs,
    price: series.closes[end - 1] as number,
    score,
    action: actionFor(score, config),
    volatility: roundSignificant(reading.volatility),
    regime: reading.regime,
    indicators: {
      rsi: roundSignificant(reading.rsi),
      maFast: roundSignificant(reading.maFast),
      maSlow: roundSignificant(reading.maSlow),
      macd: roundSignificant(reading.macd),
      macdSignal: roundSignificant(reading.macdSignal),
      macdHistogram: roundSignificant(reading.macdHistogram),
    },
  };
}
