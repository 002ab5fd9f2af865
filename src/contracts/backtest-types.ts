import type { RankedRun } from '../domain/backtest-sweep.js';
import type { CycleConfigPatch } from '../domain/cycle-config.js';
import type { Timeframe } from '../domain/market-types.js';

/*
 * Backtests on the worker pools: a sweep is one durable workflow (id `backtest/<sweepId>`) that runs one activity per
 * run on the `keel-backtest` queue, so every worker replica shares the work and a crashed worker loses only the run it
 * was on. A single run started from the API is a sweep of one.
 */

/** One backtest to run: the settings as `keel backtest` takes them. Small: it travels through workflow history. */
export interface BacktestRunSpec {
  /** Business key of the run: `<sweepId>/<n>`; the run's row in backtest_runs. */
  runId: string;
  /** What a person reads in lists: "signal.buyThreshold=0.1 risk.maxOpenPositions=20". */
  label: string;
  /** Folder of freqtrade candle files as the backtest worker sees it; absent means the worker's KEEL_REPLAY_DIR. */
  dir?: string;
  timeframe: Timeframe;
  quote: string;
  /** Only these pairs; null for every pair of the quote. */
  pairs: string[] | null;
  /** Applied to the default backtest config with the same validator as `keel config set`. */
  config: CycleConfigPatch;
  fromMs?: number;
  toMs?: number;
  ticks?: number;
  /** Starting cash, decimal string. */
  startingCash: string;
  fill: { takerFeeRate: number; makerFeeRate: number; slippageBps: number };
}

/** Metrics a sweep can rank its runs by (higher is better, except maxDrawdown: lower is better). */
export const SWEEP_RANK_METRICS = ['totalReturn', 'annualisedReturn', 'sharpe', 'sortino', 'calmar', 'profitFactor', 'winRate', 'maxDrawdown'] as const;
export type SweepRankMetric = (typeof SWEEP_RANK_METRICS)[number];

export interface BacktestSweepInput {
  sweepId: string;
  runs: BacktestRunSpec[];
  rankBy: SweepRankMetric;
  taskQueuePrefix: string;
}

/** A sweep's run as rankRuns (src/domain/backtest-sweep.ts) ranks it, with the rank metrics for its table. */
export type RankedBacktestRun = RankedRun<SweepRankMetric>;

export interface BacktestSweepResult {
  sweepId: string;
  rankBy: SweepRankMetric;
  /** Best first; failed runs and runs without a value last. */
  ranked: RankedBacktestRun[];
}

/** The activity's answer for one run: compact, the run's full results are in backtest_runs. */
export interface BacktestRunOutcome {
  runId: string;
  status: 'finished' | 'failed';
  fingerprint: string | null;
  metrics: Partial<Record<SweepRankMetric, number | null>> | null;
  /** Closed trades (metrics.trades), for the sweep's table. */
  trades?: number;
  error?: string;
}

export function backtestSweepWorkflowId(sweepId: string): string {
  return `backtest/${sweepId}`;
}

export function backtestTaskQueue(prefix: string): string {
  return `${prefix}keel-backtest`;
}
