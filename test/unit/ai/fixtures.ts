import type { CoinBrief } from '../../../src/ai/port.js';
import type { CoinEvaluation } from '../../../src/domain/signal-types.js';

export const HOUR_MS = 3_600_000;
export const T0 = Date.UTC(2026, 10, 20, 12);

export function evaluation(symbol = 'BTC/USDT', overrides: Partial<CoinEvaluation> = {}): CoinEvaluation {
  return {
    symbol,
    candleTs: T0,
    price: 43125.5,
    score: 0.4213,
    action: 'buy',
    volatility: 0.0123,
    regime: 'trending_up',
    indicators: { rsi: 58.21, maFast: 43010.2, maSlow: 42780.9, macd: 12.31, macdSignal: 10.05, macdHistogram: 2.26 },
    ...overrides,
  };
}

export function brief(overrides: Partial<CoinBrief> = {}): CoinBrief {
  const e = evaluation();
  return {
    symbol: e.symbol,
    timeframe: '1h',
    candleTs: e.candleTs,
    price: e.price,
    score: e.score,
    signalAction: e.action,
    regime: e.regime,
    volatility: e.volatility,
    indicators: e.indicators,
    recentCandles: [0, 1, 2].map((i) => ({ ts: T0 - (2 - i) * HOUR_MS, open: 43000 + i * 10, high: 43200 + i * 10, low: 42900 + i * 10, close: 43050 + i * 40, volume: 12.5 + i })),
    position: null,
    ...overrides,
  };
}
