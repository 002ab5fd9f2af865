import type { EvaluateCoinInput } from '../contracts/activity-types.js';
import type { Database } from '../db/client.js';
import { loadRecentCandles } from '../db/queries/candles.js';
import { KeelError } from '../domain/errors.js';
import { evaluatedCandleOpenTs, timeframeMs } from '../domain/market-types.js';
import type { CoinEvaluation } from '../domain/signal-types.js';
import { evaluateSignal } from '../domain/signal.js';

/**
 * Indicators, combined score and regime of one coin from its stored candles, as of the candle that closed at
 * `untilMs`: the evaluation both `evaluateCoin` (db queue) and `syncAndEvaluateCoin` (exchange queue) return.
 */
export async function evaluateStoredCoin(db: Database, input: EvaluateCoinInput): Promise<CoinEvaluation> {
  const tfMs = timeframeMs(input.timeframe);
  const untilOpenTs = evaluatedCandleOpenTs(input.untilMs, tfMs);
  const candles = await loadRecentCandles(db, { exchange: input.exchange, symbol: input.symbol, timeframe: input.timeframe, untilOpenTs, limit: input.lookbackCandles });
  const newest = candles.at(-1);
  if (newest === undefined || newest.ts !== untilOpenTs) {
    throw new KeelError(
      'InvalidMarketData',
      `${input.symbol}: no stored ${input.timeframe} candle opening at ${new Date(untilOpenTs).toISOString()} (newest stored: ${newest ? new Date(newest.ts).toISOString() : 'none'}); the exchange has not published it`,
    );
  }
  return evaluateSignal(input.symbol, candles, input.signal, input.atrPeriod);
}
