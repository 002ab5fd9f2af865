import { atrOf } from './atr.js';
import { assertUsableCandles } from './candle-validation.js';
import { KeelError } from './errors.js';
import { macd, rsi, smaSeries } from './indicators.js';
import type { Candle } from './market-types.js';
import { combineScore, macdComponent, maCrossComponent, rsiComponent, type SignalComponents } from './signal-components.js';
import { evaluateCloses } from './signal-kernel.js';
import { minimumCandlesFor, type CoinEvaluation, type IndicatorSnapshot, type SignalConfig } from './signal-types.js';

/** Indicator values and component scores before rounding, for callers that want to see why a score came out. */
export interface SignalBreakdown {
  indicators: IndicatorSnapshot;
  components: SignalComponents;
  /** Unrounded combined score. */
  score: number;
}

function required<T>(value: T | null, what: string): T {
  // Unreachable once the candle count is checked; kept so a future formula change fails loudly, not with NaN.
  if (value === null) throw new KeelError('Internal', `${what} had too little data after the candle-count check`);
  return value;
}

/** The signal's arithmetic over closes (oldest first); assumes enough valid closes. */
export function analyzeCloses(closes: readonly number[], config: SignalConfig): SignalBreakdown {
  const price = required(closes[closes.length - 1] ?? null, 'latest close');
  const rsiValue = required(rsi(closes, config.rsiPeriod), 'RSI');
  const fast = smaSeries(closes, config.maFastPeriod);
  const slow = smaSeries(closes, config.maSlowPeriod);
  const maFast = required(fast[fast.length - 1] ?? null, 'fast MA');
  const maSlow = required(slow[slow.length - 1] ?? null, 'slow MA');
  const macdValue = required(macd(closes, config.macdFastPeriod, config.macdSlowPeriod, config.macdSignalPeriod), 'MACD');
  const components: SignalComponents = {
    rsi: rsiComponent(rsiValue, config.rsiOversold, config.rsiOverbought),
    maCross: maCrossComponent(maFast, maSlow, fast[fast.length - 2] ?? null, slow[slow.length - 2] ?? null),
    macd: macdComponent(macdValue.histogram, price),
  };
  return {
    indicators: {
      rsi: rsiValue,
      maFast,
      maSlow,
      macd: macdValue.macd,
      macdSignal: macdValue.signal,
      macdHistogram: macdValue.histogram,
    },
    components,
    score: combineScore(components, config.weights),
  };
}

/**
 * Scores one coin from its closed candles (oldest first): RSI, MA cross and MACD components weighted into a score
 * in [-1, 1], the action the thresholds give, per-candle volatility over the slow MA window, and the regime.
 * Throws KeelError('InvalidMarketData') for too few candles or a bad price. The arithmetic is the signal kernel's
 * (signal-kernel.ts), the same the backtester runs; analyzeCloses above stays as the library-based reference.
 */
export function evaluateSignal(symbol: string, candles: readonly Candle[], config: SignalConfig, atrPeriod?: number): CoinEvaluation {
  assertUsableCandles(symbol, candles, minimumCandlesFor(config));
  const closes = candles.map((c) => c.close);
  const latest = candles[candles.length - 1] as Candle;
  const evaluation = evaluateCloses(symbol, latest.ts, { closes }, 0, closes.length, config);
  evaluation.candle = { open: latest.open, high: latest.high, low: latest.low };
  // An ATR stop's distance: Wilder's ATR over the same window (the backtester measures the same candles).
  if (atrPeriod !== undefined) {
    evaluation.atr = atrOf(Float64Array.from(candles, (c) => c.high), Float64Array.from(candles, (c) => c.low), Float64Array.from(closes), 0, candles.length, atrPeriod);
  }
  return evaluation;
}
