import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import type { BacktestRunSpec, BacktestSweepInput, BacktestSweepResult, RankedBacktestRun, SweepRankMetric } from '../contracts/backtest-types.js';
import { backtestSweepWorkflowId } from '../contracts/backtest-types.js';
import { sweepIdAt } from '../domain/backtest-sweep.js';
import { taskQueuesFor } from '../contracts/task-queues.js';
import { connectClient } from '../temporal/client-connection.js';
import { webUiWorkflowUrl } from '../temporal/cycle-client.js';
import type { backtestSweep } from '../workflows/backtest-sweep.js';
import type { BacktestCommand, BacktestSweepCommand } from './backtest-args.js';
import { windowOf } from './backtest-request.js';

/** Where a sweep runs: a Temporal client, and what its Web UI link and task queues are built from. */
export interface SweepTarget {
  client: Client;
  namespace: string;
  taskQueuePrefix: string;
  webUiUrl: string;
}

export interface SweepSettings {
  TEMPORAL_ADDRESS?: string;
  TEMPORAL_NAMESPACE: string;
  TEMPORAL_UI_PORT: number;
  KEEL_TEMPORAL_UI_URL?: string;
  KEEL_TASK_QUEUE_PREFIX: string;
}

/** "20240301T120000-a1b2c3": sorts by start time, unique enough for one person's sweeps. */
export function newSweepId(nowMs = Date.now()): string {
  return sweepIdAt(nowMs, randomBytes(3).toString('hex'));
}

/** One spec per combination: the same flags as a single run, ids `<sweepId>/<n>` numbered so they sort in order. */
export function sweepSpecs(command: BacktestCommand & { sweep: BacktestSweepCommand }, sweepId: string): BacktestRunSpec[] {
  const { sweep } = command;
  const width = String(sweep.runs.length).length;
  return sweep.runs.map((run, i) => ({
    runId: `${sweepId}/${String(i + 1).padStart(width, '0')}`,
    label: run.label,
    ...(sweep.dir !== undefined && { dir: sweep.dir }),
    timeframe: sweep.timeframe,
    quote: sweep.quote,
    pairs: sweep.pairs,
    config: run.patch,
    ...windowOf(command),
    startingCash: command.startingCash,
    fill: command.fill,
  }));
}

/** Starts the sweep, prints its Web UI link, waits for it and prints the runs ranked. 0 when every run finished. */
export async function runBacktestSweep(
  command: BacktestCommand & { sweep: BacktestSweepCommand },
  target: SweepTarget,
  output: { out: (text: string) => void; err: (text: string) => void },
  sweepId = newSweepId(),
): Promise<number> {
  const input: BacktestSweepInput = { sweepId, runs: sweepSpecs(command, sweepId), rankBy: command.sweep.rankBy, taskQueuePrefix: target.taskQueuePrefix };
  const workflowId = backtestSweepWorkflowId(sweepId);
  // The sweep is orchestration: it runs on the cycle workers, its runs on the backtest workers.
  const handle = await target.client.workflow.start<typeof backtestSweep>('backtestSweep', { workflowId, taskQueue: taskQueuesFor(target.taskQueuePrefix, 'replay').cycle, args: [input] });
  output.err(`sweep ${sweepId}: ${input.runs.length} run${input.runs.length === 1 ? '' : 's'} on the keel-backtest workers`);
  output.err(`  ${webUiWorkflowUrl(target.webUiUrl, target.namespace, workflowId)}`);
  const result = await handle.result();
  output.out(command.json ? JSON.stringify(result) : formatSweepTable(result));
  const failed = result.ranked.filter((r) => r.status === 'failed');
  for (const run of failed) output.err(`${run.runId} (${run.label}) failed: ${run.error ?? 'no reason recorded'}`);
  return failed.length === 0 ? 0 : 1;
}

/** Connects to TEMPORAL_ADDRESS (default 127.0.0.1:7233) for runBacktestSweep; close it when done. */
export async function connectSweepTarget(settings: SweepSettings): Promise<SweepTarget & { close: () => Promise<void> }> {
  const address = settings.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
  const connection = await connectClient(address).catch((error: unknown) => {
    throw new Error(`cannot reach Temporal at ${address} (${(error as Error).message}); a sweep runs on the keel-backtest workers: is \`npm start\` running, or TEMPORAL_ADDRESS set?`);
  });
  return {
    client: new Client({ connection, namespace: settings.TEMPORAL_NAMESPACE }),
    namespace: settings.TEMPORAL_NAMESPACE,
    taskQueuePrefix: settings.KEEL_TASK_QUEUE_PREFIX,
    webUiUrl: settings.KEEL_TEMPORAL_UI_URL ?? `http://localhost:${settings.TEMPORAL_UI_PORT}`,
    close: () => connection.close(),
  };
}

function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? 'n/a' : `${(value * 100).toFixed(2)}%`;
}

/** The rank metric as the report prints it: fractions as percentages, ratios with 2 decimals. */
function metricText(rankBy: SweepRankMetric, value: number | null): string {
  if (value === null) return 'n/a';
  return ['totalReturn', 'annualisedReturn', 'winRate', 'maxDrawdown'].includes(rankBy) ? percent(value) : value.toFixed(2);
}

/** Best first: rank, label, the metric, total return, max drawdown, trades, fingerprint prefix (or why it failed). */
export function formatSweepTable(result: BacktestSweepResult): string {
  const header = ['#', 'run', result.rankBy, 'total return', 'max drawdown', 'trades', 'fingerprint'];
  const rows = result.ranked.map((r: RankedBacktestRun, i) => [
    String(i + 1),
    r.label === '' ? r.runId : r.label,
    r.status === 'failed' ? 'failed' : metricText(result.rankBy, r.value),
    percent(r.metrics?.totalReturn),
    percent(r.metrics?.maxDrawdown),
    r.trades === undefined ? '' : String(r.trades),
    r.fingerprint === null ? (r.error ?? '').slice(0, 60) : r.fingerprint.slice(0, 12),
  ]);
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((row) => row[col]!.length)));
  // The label reads left to right; figures line up on the right.
  const line = (cells: string[]) => cells.map((c, col) => (col === 1 || col === 6 ? c.padEnd(widths[col]!) : c.padStart(widths[col]!))).join('  ').trimEnd();
  return [`Sweep ${result.sweepId}, ranked by ${result.rankBy}${result.rankBy === 'maxDrawdown' ? ' (lowest first)' : ''}`, line(header), ...rows.map(line)].join('\n');
}
