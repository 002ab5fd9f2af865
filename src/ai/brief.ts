import type { Candle } from '../domain/market-types.js';
import type { Position } from '../domain/portfolio-types.js';
import type { CoinEvaluation } from '../domain/signal-types.js';
import type { CoinBrief } from './port.js';

/** Most candles a brief shows: beyond a couple of dozen the prompt grows and the indicators already summarise them. */
export const MAX_BRIEF_CANDLES = 48;

/** The analyst's view of one coin: its evaluation, its last `maxCandles` candles (oldest first) and its position. */
export function buildCoinBrief(
  evaluation: CoinEvaluation,
  options: { timeframe: string; candles: readonly Candle[]; position: Position | null; maxCandles: number },
): CoinBrief {
  const keep = Math.max(0, Math.min(MAX_BRIEF_CANDLES, Math.floor(options.maxCandles)));
  const candles = keep === 0 ? [] : options.candles.slice(-keep);
  return {
    symbol: evaluation.symbol,
    timeframe: options.timeframe,
    candleTs: evaluation.candleTs,
    price: evaluation.price,
    score: evaluation.score,
    signalAction: evaluation.action,
    regime: evaluation.regime,
    volatility: evaluation.volatility,
    indicators: { ...evaluation.indicators },
    recentCandles: candles.map((c) => ({ ts: c.ts, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume })),
    position: options.position === null ? null : { quantity: options.position.quantity, averagePrice: options.position.averagePrice, openedTick: options.position.openedTick },
  };
}
