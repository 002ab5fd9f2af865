import { randomBytes } from 'node:crypto';
import { backtestSweepWorkflowId, type BacktestRunSpec, type BacktestSweepInput } from '../contracts/backtest-types.js';
import { taskQueuesFor } from '../contracts/task-queues.js';
import { DEFAULT_AI_CONFIG } from '../domain/ai-policy.js';
import { patchFromDottedKeys } from '../domain/config-dotted-keys.js';
import { defaultCycleConfig, validateConfigPatch, type CycleConfig } from '../domain/cycle-config.js';
import { isKeelError } from '../domain/errors.js';
import type { Timeframe } from '../domain/market-types.js';
import type { StartBacktestsBody } from './backtest-validation.js';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';

/** What the API starts backtests with when a request leaves a setting out: the deployment's KEEL_* settings. */
export interface BacktestDefaults {
  timeframe: Timeframe;
  quote: string;
  startingCash: string;
  takerFeeRate: number;
  slippageBps: number;
  maxCoins: number;
}

/** The defaults of src/config/settings.ts, for an API built without settings (tests). */
export const DEFAULT_BACKTEST_DEFAULTS: BacktestDefaults = { timeframe: '1h', quote: 'USDT', startingCash: '100000', takerFeeRate: 0.001, slippageBps: 5, maxCoins: 250 };

/** The workflow type, by name: the API never imports workflow code. */
const SWEEP_WORKFLOW_TYPE = 'backtestSweep';

export interface StartBacktestsResult {
  sweepId: string;
  runIds: string[];
  workflowId: string;
  webUiUrl: string;
}

/**
 * The config a backtest starts from, as `keel backtest` builds it: the replay exchange, the market clock without
 * pacing, no AI (verdicts are not replayed). Requests' settings are checked against it.
 */
function backtestBaseConfig(timeframe: Timeframe, quote: string, pairs: string[] | null, maxCoins: number): CycleConfig {
  return defaultCycleConfig({
    exchange: 'replay',
    name: 'backtest',
    timeframe,
    quote,
    clock: 'market',
    tickPacingMs: 0,
    universe: { symbols: pairs, maxCoins },
    ai: { ...DEFAULT_AI_CONFIG, enabled: false },
  });
}

/** `bt-20240301T120000-1a2b3c`: sortable by time, unique without coordination. */
export function newSweepId(nowMs = Date.now()): string {
  const stamp = new Date(nowMs).toISOString().slice(0, 19).replace(/[-:]/g, '');
  return `bt-${stamp}-${randomBytes(3).toString('hex')}`;
}

/** "1h USDT BTC/USDT,ETH/USDT risk.maxOpenPositions=20": what a person reads in the run list. */
function labelOf(timeframe: Timeframe, quote: string, pairs: string[] | null, config: Record<string, unknown>): string {
  const universe = pairs === null ? `every ${quote} pair` : pairs.length <= 3 ? pairs.join(',') : `${pairs.length} ${quote} pairs`;
  const settings = Object.entries(config).map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return [timeframe, universe, ...settings].join(' ').slice(0, 500);
}

/**
 * The sweep a request asks for (today one run: a single backtest is a sweep of one). Settings are checked against the
 * default backtest config by the same validator as `keel config set`; BAD_REQUEST names the key.
 */
export function backtestSweepFor(body: StartBacktestsBody, defaults: BacktestDefaults, taskQueuePrefix: string, sweepId = newSweepId()): BacktestSweepInput {
  const timeframe = body.timeframe ?? defaults.timeframe;
  const quote = body.quote ?? defaults.quote;
  const pairs = body.pairs ?? null;
  const settings = body.config ?? {};
  let patch;
  try {
    patch = patchFromDottedKeys(settings, 'body field "config":');
  } catch (error) {
    if (isKeelError(error)) throw new ApiError('BAD_REQUEST', error.message, { cause: error });
    throw error;
  }
  const problems = validateConfigPatch(backtestBaseConfig(timeframe, quote, pairs, defaults.maxCoins), patch);
  if (problems.length > 0) throw new ApiError('BAD_REQUEST', `body field "config": ${problems.join('; ')}`);
  const takerFeeRate = body.feeRate ?? defaults.takerFeeRate;
  const run: BacktestRunSpec = {
    runId: `${sweepId}/1`,
    label: labelOf(timeframe, quote, pairs, settings),
    timeframe,
    quote,
    pairs,
    config: patch,
    ...(body.from !== undefined && { fromMs: body.from }),
    ...(body.to !== undefined && { toMs: body.to }),
    ...(body.ticks !== undefined && { ticks: body.ticks }),
    startingCash: body.cash ?? defaults.startingCash,
    fill: { takerFeeRate, makerFeeRate: body.makerFeeRate ?? takerFeeRate, slippageBps: body.slippageBps ?? defaults.slippageBps },
  };
  return { sweepId, runs: [run], rankBy: body.rankBy, taskQueuePrefix };
}

/**
 * Starts the sweep workflow on the cycle queue (its activities run on the keel-backtest workers). The API only asks
 * Temporal: it neither runs backtests nor writes their rows (the worker does, when it takes a run).
 */
export async function startBacktests(ctx: ApiContext, body: StartBacktestsBody, defaults: BacktestDefaults): Promise<StartBacktestsResult> {
  const prefix = ctx.cycleDefaults.taskQueuePrefix ?? '';
  const input = backtestSweepFor(body, defaults, prefix);
  const workflowId = backtestSweepWorkflowId(input.sweepId);
  await ctx.temporal(() => ctx.client.workflow.start(SWEEP_WORKFLOW_TYPE, { workflowId, taskQueue: taskQueuesFor(prefix, 'replay').cycle, args: [input] }));
  return { sweepId: input.sweepId, runIds: input.runs.map((r) => r.runId), workflowId, webUiUrl: ctx.workflowUrl(workflowId) };
}
