import { log } from '@temporalio/workflow';
import type { BacktestRunOutcome, BacktestSweepInput, BacktestSweepResult } from '../contracts/backtest-types.js';
import { backtestTaskQueue } from '../contracts/backtest-types.js';
import { rankRuns } from '../domain/backtest-sweep.js';
import { backtestActivities, backtestBookkeepingActivities } from './activity-profiles.js';
import { failureInfo } from './failure-info.js';

/**
 * A backtest sweep: every run is scheduled at once on the keel-backtest queue, where each worker takes as many as it
 * has slots, so the sweep spreads over every replica. A run that fails is a result (ranked last), not a failed
 * sweep. Returns the runs ranked by input.rankBy; their full results are in backtest_runs.
 */
export async function backtestSweep(input: BacktestSweepInput): Promise<BacktestSweepResult> {
  const queue = backtestTaskQueue(input.taskQueuePrefix);
  const outcomes = await Promise.all(
    input.runs.map(async (spec): Promise<BacktestRunOutcome & { label: string }> => {
      const { runBacktest } = backtestActivities(queue, `backtest ${spec.runId}: ${spec.label || 'defaults'}`);
      try {
        return { ...(await runBacktest(spec)), label: spec.label };
      } catch (error) {
        // Out of attempts (a lost worker, the database down): the run's row still says running, so say it failed.
        const { errorType, message } = failureInfo(error);
        const reason = `${errorType}: ${message}`;
        log.warn('backtest run failed', { runId: spec.runId, reason });
        try {
          await backtestBookkeepingActivities(queue).markBacktestRunFailed({ runId: spec.runId, error: reason });
        } catch (markError) {
          log.warn('could not mark the backtest run failed', { runId: spec.runId, error: failureInfo(markError).message });
        }
        return { runId: spec.runId, label: spec.label, status: 'failed', fingerprint: null, metrics: null, error: reason };
      }
    }),
  );
  return { sweepId: input.sweepId, rankBy: input.rankBy, ranked: rankRuns(outcomes, input.rankBy) };
}
