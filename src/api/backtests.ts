import { randomBytes } from 'node:crypto';
import type { Settings } from '../config/settings.js';
import { backtestSweepWorkflowId, type BacktestRunSpec, type BacktestSweepInput } from '../contracts/backtest-types.js';
import { taskQueuesFor } from '../contracts/task-queues.js';
import { backtestCycleConfig, type BacktestConfigBase } from '../domain/backtest-config.js';
import { mergeConfigPatches, sweepCombinations, sweepIdAt } from '../domain/backtest-sweep.js';
import { patchFromDottedKeys } from '../domain/config-dotted-keys.js';
import type { CycleConfigPatch } from '../domain/cycle-config.js';
import { isKeelError } from '../domain/errors.js';
import { DEFAULT_FILL_COSTS } from '../domain/fill-model.js';
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
export const DEFAULT_BACKTEST_DEFAULTS: BacktestDefaults = { timeframe: '1h', quote: 'USDT', startingCash: '100000', takerFeeRate: DEFAULT_FILL_COSTS.takerFeeRate, slippageBps: DEFAULT_FILL_COSTS.slippageBps, maxCoins: 250 };

/** The deployment's settings as backtest defaults (`npm run api` and `npm start`'s API). */
export function backtestDefaultsFrom(settings: Pick<Settings, 'KEEL_TIMEFRAME' | 'KEEL_QUOTE' | 'KEEL_PAPER_CASH' | 'KEEL_PAPER_FEE_RATE' | 'KEEL_PAPER_SLIPPAGE_BPS' | 'KEEL_COINS'>): BacktestDefaults {
  return {
    timeframe: settings.KEEL_TIMEFRAME as Timeframe,
    quote: settings.KEEL_QUOTE,
    startingCash: settings.KEEL_PAPER_CASH,
    takerFeeRate: settings.KEEL_PAPER_FEE_RATE ?? DEFAULT_FILL_COSTS.takerFeeRate,
    slippageBps: settings.KEEL_PAPER_SLIPPAGE_BPS,
    maxCoins: settings.KEEL_COINS,
  };
}

/** The workflow type, by name: the API never imports workflow code. */
const SWEEP_WORKFLOW_TYPE = 'backtestSweep';

export interface StartBacktestsResult {
  sweepId: string;
  runIds: string[];
  workflowId: string;
  webUiUrl: string;
}

/** `bt-20240301T120000-1a2b3c`: sortable by time, unique without coordination. */
export function newSweepId(nowMs = Date.now()): string {
  return sweepIdAt(nowMs, randomBytes(3).toString('hex'), 'bt-');
}

/** "1h BTC/USDT,ETH/USDT risk.maxOpenPositions=20": what a person reads in the run list (a sweep adds its values). */
function labelOf(timeframe: Timeframe, quote: string, pairs: string[] | null, config: Record<string, unknown>): string {
  const universe = pairs === null ? `every ${quote} pair` : pairs.length <= 3 ? pairs.join(',') : `${pairs.length} ${quote} pairs`;
  const settings = Object.entries(config).map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return [timeframe, universe, ...settings].join(' ').slice(0, 300);
}

/** backtestCycleConfig's refusal (InvalidConfig naming each setting) as a 400 saying which part of the body it is. */
function checkRunConfig(what: string, base: BacktestConfigBase, patch: CycleConfigPatch): void {
  try {
    backtestCycleConfig(base, patch);
  } catch (error) {
    if (isKeelError(error)) throw new ApiError('BAD_REQUEST', `${what}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** The pure sweep helpers speak the CLI's flags; over HTTP the same refusals name the body field. */
function sweepRefusal(error: unknown): unknown {
  if (!isKeelError(error)) return error;
  return new ApiError('BAD_REQUEST', `body field "sweep": ${error.message.replaceAll('--sweep ', '')}`, { cause: error });
}

/**
 * The sweep a request asks for: one run, or one per combination of `sweep`'s values (each on top of `config`). Every
 * run's settings are checked by the builder the backtest workers use (backtestCycleConfig, the validator of `keel
 * config set`) before anything starts; BAD_REQUEST names the key.
 */
export function backtestSweepFor(body: StartBacktestsBody, defaults: BacktestDefaults, taskQueuePrefix: string, sweepId = newSweepId()): BacktestSweepInput {
  const base: BacktestConfigBase = { timeframe: body.timeframe ?? defaults.timeframe, quote: body.quote ?? defaults.quote, pairs: body.pairs ?? null };
  const settings = body.config ?? {};
  let requested: CycleConfigPatch;
  try {
    requested = patchFromDottedKeys(settings, 'body field "config":');
  } catch (error) {
    if (isKeelError(error)) throw new ApiError('BAD_REQUEST', error.message, { cause: error });
    throw error;
  }
  // The workers build a run's config without KEEL_COINS; as `keel backtest --sweep` does, the run's patch carries it.
  const fixed = mergeConfigPatches({ universe: { maxCoins: defaults.maxCoins } }, requested as Record<string, unknown>) as CycleConfigPatch;
  checkRunConfig('body field "config"', base, fixed);

  const axes = Object.entries(body.sweep ?? {}).map(([key, values]) => ({ key, values }));
  const clash = axes.find(({ key }) => Object.keys(settings).some((c) => c === key || c.startsWith(`${key}.`) || key.startsWith(`${c}.`)));
  if (clash !== undefined) throw new ApiError('BAD_REQUEST', `body field "sweep": ${clash.key} is also set in "config": give it in one of them`);
  let combinations: Array<{ patch: Record<string, unknown>; label: string }>;
  try {
    combinations = axes.length === 0 ? [{ patch: {}, label: '' }] : sweepCombinations(axes);
  } catch (error) {
    throw sweepRefusal(error);
  }
  const baseLabel = labelOf(base.timeframe, base.quote, base.pairs, settings);
  const takerFeeRate = body.feeRate ?? defaults.takerFeeRate;
  // Numbered to sort in run order as text (a sweep's runs are listed by id), as `keel backtest --sweep` numbers them.
  const width = String(combinations.length).length;
  const runs = combinations.map((combination, i): BacktestRunSpec => {
    const config = mergeConfigPatches(fixed as Record<string, unknown>, combination.patch) as CycleConfigPatch;
    if (combination.label !== '') checkRunConfig(`body field "sweep": ${combination.label}`, base, config);
    return {
      runId: `${sweepId}/${String(i + 1).padStart(width, '0')}`,
      label: combination.label === '' ? baseLabel : `${baseLabel} ${combination.label}`.slice(0, 500),
      timeframe: base.timeframe,
      quote: base.quote,
      pairs: base.pairs,
      config,
      ...(body.from !== undefined && { fromMs: body.from }),
      ...(body.to !== undefined && { toMs: body.to }),
      ...(body.ticks !== undefined && { ticks: body.ticks }),
      startingCash: body.cash ?? defaults.startingCash,
      fill: { takerFeeRate, makerFeeRate: body.makerFeeRate ?? takerFeeRate, slippageBps: body.slippageBps ?? defaults.slippageBps },
    };
  });
  return { sweepId, runs, rankBy: body.rankBy, taskQueuePrefix };
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
