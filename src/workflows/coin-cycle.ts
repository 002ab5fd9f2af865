import { log } from '@temporalio/workflow';
import type { CoinCycleInput, CoinCycleResult } from '../contracts/workflow-types.js';
import { taskQueuesFor } from '../contracts/task-queues.js';
import { minimumCandlesFor } from '../domain/signal-types.js';
import { databaseActivities, exchangeReadActivities } from './activity-profiles.js';
import { failureInfo } from './failure-info.js';

/**
 * One coin in one tick: bring its stored candles up to date, then evaluate the signal from PostgreSQL (in one activity
 * when the parent asks, since FAST_COIN_TICK_PATCH; children started before it run, and replay, their two).
 * Candles never pass through workflow history; the result is a ~200-byte evaluation. A failure is returned,
 * not thrown, so one bad coin neither fails the tick nor adds failure noise to the parent's history.
 */
export async function coinCycle(input: CoinCycleInput): Promise<CoinCycleResult> {
  const queues = taskQueuesFor(input.taskQueuePrefix, input.exchange);
  const closeIso = new Date(input.tickTs).toISOString();
  const lookbackCandles = Math.max(input.warmupCandles, minimumCandlesFor(input.signal));
  const atr = input.atrPeriod !== undefined ? { atrPeriod: input.atrPeriod } : {};
  try {
    if (input.syncAndEvaluate === true) {
      const exchange = exchangeReadActivities(queues, `sync ${input.symbol} ${input.timeframe} candles closed by ${closeIso}, then evaluate (RSI, MA cross, MACD)`);
      const { sync, evaluation } = await exchange.syncAndEvaluateCoin({ exchange: input.exchange, symbol: input.symbol, timeframe: input.timeframe, untilMs: input.tickTs, warmupCandles: input.warmupCandles, lookbackCandles, signal: input.signal, ...atr });
      return { ok: true, evaluation, candlesStored: sync.stored };
    }
    const exchange = exchangeReadActivities(queues, `sync ${input.symbol} ${input.timeframe} candles closed by ${closeIso}`);
    const db = databaseActivities(queues, `evaluate ${input.symbol} (RSI, MA cross, MACD) at ${closeIso}`);
    const sync = await exchange.syncCandles({
      exchange: input.exchange,
      symbol: input.symbol,
      timeframe: input.timeframe,
      untilMs: input.tickTs,
      warmupCandles: input.warmupCandles,
    });
    const evaluation = await db.evaluateCoin({
      exchange: input.exchange,
      symbol: input.symbol,
      timeframe: input.timeframe,
      untilMs: input.tickTs,
      lookbackCandles,
      signal: input.signal,
      ...atr,
    });
    return { ok: true, evaluation, candlesStored: sync.stored };
  } catch (error) {
    const { errorType, message } = failureInfo(error);
    log.warn('coin failed this tick', { symbol: input.symbol, tickTs: input.tickTs, errorType, message });
    return { ok: false, symbol: input.symbol, errorType, message };
  }
}
