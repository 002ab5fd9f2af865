import { backtestFolder } from '../backtest/run.js';
import { formatReport, reportJson } from '../backtest/report.js';
import { BACKTEST_USAGE, parseBacktestCommand } from './backtest-args.js';
import type { BacktestCommand } from './backtest-args.js';
import { runLookaheadCli } from './backtest-lookahead.js';
import { backtestRefused, backtestRequestOf } from './backtest-request.js';
import { CliUsageError } from './findings-args.js';
import { connectSweepTarget, runBacktestSweep } from './backtest-sweep.js';
import type { SweepSettings, SweepTarget } from './backtest-sweep.js';

/** Data warnings printed before the report; the rest are counted. */
const MAX_DATA_WARNINGS = 10;

export interface BacktestOutput {
  out: (text: string) => void;
  /** Notes, progress and errors. */
  err: (text: string) => void;
  /** Redraws one status line (a terminal's progress bar); absent when stderr is not a terminal. */
  status?: (line: string) => void;
}

/**
 * `keel backtest ...`: 0 on success, 2 for a mistake in the command line, 1 when the data or a setting is refused (or,
 * in a sweep, a run failed). With --sweep the runs go to the keel-backtest workers through Temporal: `sweepTarget`,
 * else a client connected from the settings.
 */
export async function runBacktestCli(
  args: readonly string[],
  settings: Parameters<typeof parseBacktestCommand>[1] & Partial<SweepSettings>,
  output: BacktestOutput,
  sweepTarget?: SweepTarget,
): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    output.out(BACKTEST_USAGE);
    return 0;
  }
  let command: BacktestCommand;
  try {
    command = parseBacktestCommand(args, settings);
  } catch (error) {
    if (!(error instanceof CliUsageError)) throw error;
    output.err(`${error.message}\n\n${BACKTEST_USAGE}`);
    return 2;
  }
  if (command.sweep !== undefined) {
    const sweepCommand = { ...command, sweep: command.sweep };
    if (sweepTarget !== undefined) return runBacktestSweep(sweepCommand, sweepTarget, output);
    const target = await connectSweepTarget({ TEMPORAL_NAMESPACE: 'default', TEMPORAL_UI_PORT: 8233, KEEL_TASK_QUEUE_PREFIX: '', ...settings });
    try {
      return await runBacktestSweep(sweepCommand, target, output);
    } finally {
      await target.close();
    }
  }
  const status = command.progress ? output.status : undefined;
  if (command.lookaheadSamples !== undefined) return runLookaheadCli(command, output, status);
  try {
    const result = await backtestFolder({
      ...backtestRequestOf(command),
      ...(status !== undefined && {
        onLoad: (done: number, total: number) => status(`reading candles ${bar(done / total)} ${done}/${total} files`),
        onProgress: (done: number, total: number) => status(`replaying ${bar(done / total)} ${done}/${total} ticks`),
      }),
    });
    status?.('');
    const { timings, data, run } = result;
    output.err(
      `${data.candles.toLocaleString('en-US')} ${data.timeframe} candles of ${result.facts.pairs.length} pairs from ${data.dir} read in ${(timings.loadMs / 1000).toFixed(1)} s; ` +
        `${run.ticks.length.toLocaleString('en-US')} ticks replayed in ${(timings.runMs / 1000).toFixed(1)} s`,
    );
    if (run.failedEvaluations > 0) output.err(`${run.failedEvaluations.toLocaleString('en-US')} coin evaluations had no candle at their tick or too short a history (skipped, as the cycle skips them)`);
    for (const warning of result.dataWarnings.slice(0, MAX_DATA_WARNINGS)) output.err(`warning: ${warning}`);
    if (result.dataWarnings.length > MAX_DATA_WARNINGS) output.err(`warning: ${result.dataWarnings.length - MAX_DATA_WARNINGS} more such price steps`);
    if (run.unfilled.length > 0) output.err(`${run.unfilled.length} orders not filled, e.g. ${run.unfilled[0]!.symbol} ${run.unfilled[0]!.side}: ${run.unfilled[0]!.message}`);
    output.out(command.json ? JSON.stringify(reportJson(result.metrics, result.facts, result.fingerprint)) : `${formatReport(result.metrics, result.facts)}\n  fingerprint     ${result.fingerprint}`);
    return 0;
  } catch (error) {
    return backtestRefused(error, output, status);
  }
}

function bar(fraction: number, width = 24): string {
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%`;
}
