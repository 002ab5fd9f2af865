/** Settings of the combined RSI / moving-average cross / MACD signal. Indicator defaults are the classic textbook values. */
export interface SignalConfig {
  rsiPeriod: number;
  rsiOversold: number;
  rsiOverbought: number;
  maFastPeriod: number;
  maSlowPeriod: number;
  macdFastPeriod: number;
  macdSlowPeriod: number;
  macdSignalPeriod: number;
  weights: { rsi: number; maCross: number; macd: number };
  /** score >= buyThreshold means buy; score <= -sellThreshold means sell. */
  buyThreshold: number;
  sellThreshold: number;
}

export const DEFAULT_SIGNAL_CONFIG: SignalConfig = {
  rsiPeriod: 14,
  rsiOversold: 30,
  rsiOverbought: 70,
  maFastPeriod: 10,
  maSlowPeriod: 20,
  macdFastPeriod: 12,
  macdSlowPeriod: 26,
  macdSignalPeriod: 9,
  weights: { rsi: 0.4, maCross: 0.35, macd: 0.25 },
  // Buy on a clear majority of the three indicators, sell on a weaker one: at 0.05 both ways the signal flipped on noise
  // and paid more in fees than it kept (README, "Default settings").
  buyThreshold: 0.3,
  sellThreshold: 0.2,
};

export type SignalAction = 'buy' | 'sell' | 'hold';
export type Regime = 'trending_up' | 'trending_down' | 'ranging' | 'volatile';

/** Indicator values for the latest closed candle. */
export interface IndicatorSnapshot {
  rsi: number;
  maFast: number;
  maSlow: number;
  macd: number;
  macdSignal: number;
  macdHistogram: number;
}

/** The evaluated candle's range (its close is the evaluation's price): exits are checked against it. */
export interface CandleRange {
  open: number;
  high: number;
  low: number;
}

/** The compact, ~200-byte result of evaluating one coin; this is what travels through workflow history. */
export interface CoinEvaluation {
  symbol: string;
  /** Open time of the latest closed candle evaluated. */
  candleTs: number;
  price: number;
  /** Combined score in [-1, 1]. */
  score: number;
  action: SignalAction;
  /** Standard deviation of log returns over the slow MA window. */
  volatility: number;
  regime: Regime;
  indicators: IndicatorSnapshot;
  /** The evaluated candle's open, high and low; absent in evaluations recorded before exits existed. */
  candle?: CandleRange;
  /** Wilder's ATR over the evaluated window, when an ATR stop is configured (exits.stopLossAtr.period). */
  atr?: number;
}

/** Smallest number of closed candles needed before the signal is meaningful. */
export function minimumCandlesFor(config: SignalConfig): number {
  return Math.max(config.rsiPeriod + 1, config.maSlowPeriod, config.macdSlowPeriod + config.macdSignalPeriod) + 1;
}
