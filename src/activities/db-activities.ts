import type { EvaluateCoinInput, OrderRecordInput, TickRecordInput } from '../contracts/activity-types.js';
import { KeelError } from '../domain/errors.js';
import { timeframeMs } from '../domain/market-types.js';
import type { CoinEvaluation } from '../domain/signal-types.js';
import { evaluateSignal } from '../domain/signal.js';
import type { Database } from '../db/client.js';
import { loadRecentCandles } from '../db/queries/candles.js';
import { recordTick } from '../db/queries/ticks.js';
import { upsertOrder } from '../db/queries/orders.js';
import type { KeelMetrics } from '../observability/metrics.js';
import { withFailureMapping } from './to-application-failure.js';

export interface DbActivityDeps {
  db: Database;
  /** Tick duration and coins, rows written, orders by status. */
  metrics?: KeelMetrics;
}

/** Activities of the `keel-db` queue: bulk reads and writes, and the signal math over stored candles. */
export function createDbActivities({ db, metrics }: DbActivityDeps) {
  return withFailureMapping({
    /** Indicators, combined score and regime from stored candles; returns a compact (~200 byte) evaluation. */
    async evaluateCoin(input: EvaluateCoinInput): Promise<CoinEvaluation> {
      const tfMs = timeframeMs(input.timeframe);
      const untilOpenTs = Math.floor(input.untilMs / tfMs) * tfMs - tfMs;
      const candles = await loadRecentCandles(db, { exchange: input.exchange, symbol: input.symbol, timeframe: input.timeframe, untilOpenTs, limit: input.lookbackCandles });
      const newest = candles.at(-1);
      if (newest === undefined || newest.ts !== untilOpenTs) {
        throw new KeelError(
          'InvalidMarketData',
          `${input.symbol}: no stored ${input.timeframe} candle opening at ${new Date(untilOpenTs).toISOString()} (newest stored: ${newest ? new Date(newest.ts).toISOString() : 'none'}); the exchange has not published it`,
        );
      }
      return evaluateSignal(input.symbol, candles, input.signal, input.atrPeriod);
    },

    /** One transaction for the whole tick: the tick row, every coin's signal, the position snapshot. Idempotent. */
    async recordTick(input: TickRecordInput): Promise<void> {
      await recordTick(db, input);
      if (metrics) {
        metrics.observeTick({ cycleId: input.cycleId, tickTs: input.tickTs, durationMs: input.completedAtMs - input.startedAtMs, coins: input.coins });
        metrics.rowsWritten('ticks', 1);
        metrics.rowsWritten('signals', input.evaluations.length);
        metrics.rowsWritten('positions', input.positions.length);
      }
    },

    async recordOrder(input: OrderRecordInput): Promise<void> {
      await upsertOrder(db, { cycleId: input.cycleId, tickTs: input.tickTs, reason: input.intent.reason, price: input.intent.price, ...input.order });
      metrics?.rowsWritten('orders', 1);
      metrics?.observeOrder({ status: input.order.status, side: input.order.side });
    },
  });
}

export type DbActivities = ReturnType<typeof createDbActivities>;
