import { Context } from '@temporalio/activity';
import type { BacktestRunOutcome, BacktestRunSpec, SweepRankMetric } from '../contracts/backtest-types.js';
import { SWEEP_RANK_METRICS } from '../contracts/backtest-types.js';
import { backtestFolderInThread } from '../backtest/run-in-thread.js';
import { backtestCycleConfig } from '../domain/backtest-config.js';
import type { BacktestMetrics } from '../domain/backtest-types.js';
import { isKeelError, KeelError } from '../domain/errors.js';
import type { ErrorCode } from '../domain/errors.js';
import type { Database } from '../db/client.js';
import { failBacktestRun, finishBacktestRun, startBacktestRun } from '../db/queries/backtest-runs.js';
import { withFailureMapping } from './to-application-failure.js';

export interface BacktestActivityDeps {
  db: Database;
  /** The worker's KEEL_REPLAY_DIR: the folder of a run whose spec names none. */
  replayDir?: string;
  /** How often a running backtest tells Temporal it is alive (default 5 s; the sweep's heartbeat timeout is 1 min). */
  heartbeatEveryMs?: number;
}

/**
 * Refusals of the run itself (its settings or its data): retrying cannot help, so the run is stored as failed and
 * reported as a result; the sweep goes on with the others.
 */
const RUN_REFUSALS = new Set<ErrorCode>(['InvalidConfig', 'InvalidMarketData', 'BadSymbol', 'NotSupported']);

/** Activities of the `keel-backtest` queue: one backtest per call, on a thread of its own. */
export function createBacktestActivities({ db, replayDir, heartbeatEveryMs = 5_000 }: BacktestActivityDeps) {
  return withFailureMapping({
    /**
     * Runs one backtest of a sweep and stores it (idempotent: a retried attempt replaces what an earlier one left).
     * Heartbeats {phase, done, total} (files read, then ticks replayed) every few seconds while it runs.
     */
    async runBacktest(spec: BacktestRunSpec): Promise<BacktestRunOutcome> {
      const context = Context.current();
      await startBacktestRun(db, { id: spec.runId, sweepId: sweepIdOf(spec.runId), request: spec, label: spec.label });
      let progress: { phase: 'load' | 'run'; done: number; total: number } | undefined;
      // A timer rather than the thread's messages alone: the heartbeat says this worker is alive, also while a big
      // file loads or the metrics are computed.
      const beat = setInterval(() => context.heartbeat(progress), heartbeatEveryMs);
      try {
        const dir = spec.dir ?? replayDir;
        if (dir === undefined || dir === '') {
          throw new KeelError('InvalidConfig', `backtest ${spec.runId}: no candle folder: the run names none and this keel-backtest worker has no KEEL_REPLAY_DIR (pass --replay-dir, or set KEEL_REPLAY_DIR on the workers)`);
        }
        const config = backtestCycleConfig({ timeframe: spec.timeframe, quote: spec.quote, pairs: spec.pairs }, spec.config);
        const result = await backtestFolderInThread(
          {
            dir,
            config,
            startingCash: spec.startingCash,
            fill: spec.fill,
            ...(spec.fromMs !== undefined && { fromMs: spec.fromMs }),
            ...(spec.toMs !== undefined && { toMs: spec.toMs }),
            ...(spec.ticks !== undefined && { ticks: spec.ticks }),
          },
          {
            signal: context.cancellationSignal,
            onProgress: (phase, done, total) => {
              progress = { phase, done, total };
              context.heartbeat(progress);
            },
          },
        );
        await finishBacktestRun(db, spec.runId, result);
        return { runId: spec.runId, status: 'finished', fingerprint: result.fingerprint, metrics: rankMetrics(result.metrics), trades: result.metrics.trades };
      } catch (error) {
        if (!isKeelError(error) || !RUN_REFUSALS.has(error.code)) throw error;
        await failBacktestRun(db, spec.runId, error.message);
        return { runId: spec.runId, status: 'failed', fingerprint: null, metrics: null, error: error.message };
      } finally {
        clearInterval(beat);
      }
    },

    /** Stores a run as failed once runBacktest has used its attempts (the sweep workflow calls it). */
    async markBacktestRunFailed(input: { runId: string; error: string }): Promise<void> {
      await failBacktestRun(db, input.runId, input.error);
    },
  });
}

export type BacktestActivities = ReturnType<typeof createBacktestActivities>;

/** Run ids are `<sweepId>/<n>`. */
function sweepIdOf(runId: string): string | undefined {
  const slash = runId.lastIndexOf('/');
  return slash > 0 ? runId.slice(0, slash) : undefined;
}

/** Just the metrics a sweep ranks by: the outcome travels through workflow history. */
function rankMetrics(metrics: BacktestMetrics): Partial<Record<SweepRankMetric, number | null>> {
  return Object.fromEntries(SWEEP_RANK_METRICS.map((key) => [key, metrics[key]]));
}
