import type { EvaluateCoinInput, MeasureCorrelationInput, OrderRecordInput, TickRecordInput } from '../contracts/activity-types.js';
import { closesOnGrid, correlationGrid, measureCorrelation, type CorrelationSnapshot } from '../domain/correlation-snapshot.js';
import { evaluatedCandleOpenTs, timeframeMs } from '../domain/market-types.js';
import type { CoinEvaluation } from '../domain/signal-types.js';
import type { Database } from '../db/client.js';
import { loadClosesBetween } from '../db/queries/candles.js';
import { recordTick } from '../db/queries/ticks.js';
import { upsertOrder } from '../db/queries/orders.js';
import type { KeelMetrics } from '../observability/metrics.js';
import { withFailureMapping } from './to-application-failure.js';
import { evaluateStoredCoin } from './evaluate-stored-coin.js';

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
      return evaluateStoredCoin(db, input);
    },

    /**
     * The correlation gate's clusters and betas from the stored closes of the tick's coins (one query, about
     * coins x window rows; the cycle asks every correlation.recomputeCandles ticks). Returns a few KB.
     */
    async measureCorrelation(input: MeasureCorrelationInput): Promise<CorrelationSnapshot> {
      const tfMs = timeframeMs(input.timeframe);
      const untilOpenTs = evaluatedCandleOpenTs(input.untilMs, tfMs);
      const grid = correlationGrid(untilOpenTs, tfMs, input.config.window);
      const rows = await loadClosesBetween(db, { exchange: input.exchange, timeframe: input.timeframe, symbols: input.symbols, fromTs: grid.fromTs, untilOpenTs });
      const bySymbol = new Map<string, Array<{ ts: number; close: number }>>(input.symbols.map((symbol) => [symbol, []]));
      for (const row of rows) bySymbol.get(row.symbol)?.push(row);
      const closes: Record<string, Float64Array> = {};
      for (const [symbol, candles] of bySymbol) closes[symbol] = closesOnGrid(candles, grid, tfMs);
      return measureCorrelation(closes, input.market, input.config, input.tickNo);
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
