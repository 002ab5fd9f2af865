import { parseArgs } from 'node:util';
import type { Settings } from '../config/settings.js';
import type { CycleConfig, CycleConfigPatch } from '../domain/cycle-config.js';
import { backtestCycleConfig } from '../domain/backtest-config.js';
import { mergeConfigPatches, parseSweepAxis, sweepCombinations } from '../domain/backtest-sweep.js';
import type { SweepAxis, SweepCombination } from '../domain/backtest-sweep.js';
import { isKeelError } from '../domain/errors.js';
import { TIMEFRAMES, isTimeframe } from '../domain/market-types.js';
import { SWEEP_RANK_METRICS } from '../contracts/backtest-types.js';
import type { SweepRankMetric } from '../contracts/backtest-types.js';
import { parseConfigAssignments } from './config-patch.js';
import { CliUsageError } from './findings-args.js';
import { DEFAULT_LOOKAHEAD_SAMPLES } from '../backtest/lookahead.js';
import { CCXT_EXCHANGE_IDS, isCcxtExchangeId, paperFeeRates } from '../exchange/capabilities.js';

export const BACKTEST_USAGE = `usage: keel backtest [--replay-dir DIR] [--timeframe TF] [--quote Q] [--pairs A/USDT,B/USDT]
                     [--from DATE] [--to DATE | --ticks N] [--config KEY=VALUE]... [--cash AMOUNT]
                     [--venue ID] [--fee-rate F] [--maker-fee-rate F] [--slippage-bps N] [--json] [--no-progress]
                     [--check-lookahead [--samples N]]
                     [--sweep KEY=V1,V2,...]... [--rank-by METRIC]
Runs the market cycle's own decisions over recorded freqtrade candles (<BASE>_<QUOTE>-<tf>.json, .json.gz or
.feather), in this process, without Temporal: the same candle windows, signal, allocation, risk and fill model as a
paper cycle on the replay market, so its orders are the cycle's orders. Prints a report; --json prints
{"metrics":{...},"orders":[{tickTs,symbol,side,amount,price,fee,reason}],"equity":[[ts,value],...]}.
  --replay-dir DIR   folder of candle files (default KEEL_REPLAY_DIR)
  --timeframe TF     candle timeframe (default KEEL_TIMEFRAME, 1h)
  --quote Q          quote currency (default KEEL_QUOTE, USDT)
  --pairs LIST       only these pairs, comma separated (default: every pair of the quote)
  --from, --to DATE  first and last tick close, ISO 8601 such as 2021-03-01 or 2021-03-01T12:00Z
                     (default: after the warm-up, to where the data ends)
  --ticks N          at most N ticks
  --config KEY=VALUE a cycle setting, as \`keel config set\` takes it (repeatable), e.g. risk.maxOpenPositions=20
  --cash AMOUNT      starting cash (default KEEL_PAPER_CASH, 100000)
  --fee-rate F       taker fee as a fraction of notional (default KEEL_PAPER_FEE_RATE, else 0.001)
  --maker-fee-rate F maker fee for resting limit orders (default: the taker fee, or the venue's maker fee)
  --venue ID         charge a real venue's fees at its entry tier: kraken (0.25 % maker, 0.40 % taker), coinbase
                     (0.60 %, 1.20 %), binance (0.10 %, 0.10 %); --fee-rate overrides
  --slippage-bps N   price moved against takers, basis points (default KEEL_PAPER_SLIPPAGE_BPS, 5)
  --check-lookahead  instead of a report, check that no decision read a candle not yet closed: rerun on the data
                     cut at N ticks and compare every earlier order; exits 1 on any difference (--json: the report)
  --samples N        cut ticks for --check-lookahead (default 20)
  --sweep KEY=V1,V2  run every combination of the swept settings (repeatable; at most 500 runs) as a sweep on the
                     keel-backtest workers (needs Temporal, \`npm start\` or the workers); without --replay-dir the
                     workers read their own KEEL_REPLAY_DIR. Prints the runs ranked; --json prints the sweep's result
  --rank-by METRIC   ${SWEEP_RANK_METRICS.join(', ')} (default totalReturn; maxDrawdown ranks lowest first)
AI verdicts are not replayed: a backtest trades on its signals alone.`;

/** What `keel backtest` runs, once its arguments are checked. */
export interface BacktestCommand {
  dir: string;
  config: CycleConfig;
  startingCash: string;
  fill: { takerFeeRate: number; makerFeeRate: number; slippageBps: number };
  fromMs?: number;
  toMs?: number;
  ticks?: number;
  json: boolean;
  progress: boolean;
  /** Present with --check-lookahead: how many cut ticks to check instead of reporting. */
  lookaheadSamples?: number;
  /** Present with --sweep: the runs go to the backtest workers instead of this process. */
  sweep?: BacktestSweepCommand;
}

/** A sweep's part of the command: each combination's patch is already checked against the backtest config. */
export interface BacktestSweepCommand {
  axes: SweepAxis[];
  /** Per combination, the whole patch a run applies: universe.maxCoins from KEEL_COINS, --config, then the swept values. */
  runs: Array<{ label: string; patch: CycleConfigPatch }>;
  rankBy: SweepRankMetric;
  /** --replay-dir as given; absent means the workers' KEEL_REPLAY_DIR. */
  dir?: string;
  timeframe: CycleConfig['timeframe'];
  quote: string;
  pairs: string[] | null;
}

type BacktestSettings = Pick<Settings, 'KEEL_REPLAY_DIR' | 'KEEL_TIMEFRAME' | 'KEEL_QUOTE' | 'KEEL_PAPER_CASH' | 'KEEL_PAPER_FEE_RATE' | 'KEEL_PAPER_SLIPPAGE_BPS' | 'KEEL_COINS'>;

/** Checks the arguments after `keel backtest`; every mistake is a CliUsageError that names the flag or setting. */
export function parseBacktestCommand(args: readonly string[], settings: BacktestSettings): BacktestCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: false,
      options: {
        'replay-dir': { type: 'string' },
        timeframe: { type: 'string' },
        quote: { type: 'string' },
        pairs: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        ticks: { type: 'string' },
        config: { type: 'string', multiple: true },
        cash: { type: 'string' },
        'fee-rate': { type: 'string' },
        'maker-fee-rate': { type: 'string' },
        'slippage-bps': { type: 'string' },
        venue: { type: 'string' },
        json: { type: 'boolean', default: false },
        'no-progress': { type: 'boolean', default: false },
        'check-lookahead': { type: 'boolean', default: false },
        samples: { type: 'string' },
        sweep: { type: 'string', multiple: true },
        'rank-by': { type: 'string' },
      },
    });
  } catch (error) {
    throw new CliUsageError((error as Error).message);
  }
  const v = parsed.values;
  const sweeping = v.sweep !== undefined && v.sweep.length > 0;
  if (!sweeping && v['rank-by'] !== undefined) throw new CliUsageError('--rank-by ranks the runs of a sweep: give --sweep KEY=V1,V2 too');
  // A sweep without --replay-dir leaves the folder to the workers, which may see another file system than this shell.
  const dir = v['replay-dir'] ?? (sweeping ? '' : (settings.KEEL_REPLAY_DIR ?? ''));
  if (!sweeping && dir === '') throw new CliUsageError('--replay-dir is required (or set KEEL_REPLAY_DIR): a folder of freqtrade candle files such as BTC_USDT-1h.feather');
  const timeframe = v.timeframe ?? settings.KEEL_TIMEFRAME;
  if (!isTimeframe(timeframe)) throw new CliUsageError(`--timeframe "${timeframe}" is not a timeframe keel knows (${TIMEFRAMES.join(", ")})`);
  const quote = v.quote ?? settings.KEEL_QUOTE;
  if (!/^[A-Z0-9]{2,10}$/.test(quote)) throw new CliUsageError(`--quote "${quote}" must be an uppercase currency code such as USDT`);
  let pairs: string[] | null = null;
  if (v.pairs !== undefined) {
    pairs = v.pairs.split(',').map((p) => p.trim()).filter((p) => p !== '');
    const bad = pairs.filter((p) => !/^[A-Z0-9]+\/[A-Z0-9]+$/.test(p));
    if (pairs.length === 0 || bad.length > 0) throw new CliUsageError(`--pairs must list pairs as BASE/QUOTE separated by commas, e.g. BTC/USDT,ETH/USDT (bad: ${bad.join(', ') || 'empty'})`);
  }
  const base = { timeframe, quote, pairs, maxCoins: settings.KEEL_COINS };
  let patch: CycleConfigPatch | undefined;
  if (v.config !== undefined && v.config.length > 0) {
    try {
      patch = parseConfigAssignments(v.config);
    } catch (error) {
      throw new CliUsageError(`--config: ${(error as Error).message}`);
    }
  }
  const config = buildConfig('--config', base, patch);
  const cash = v.cash ?? settings.KEEL_PAPER_CASH;
  if (!/^\d+(\.\d+)?$/.test(cash) || Number(cash) <= 0) throw new CliUsageError(`--cash "${cash}" must be a positive decimal amount such as 100000`);
  // --fee-rate wins, then the venue's own fees (--venue), then KEEL_PAPER_FEE_RATE, then the sim/replay default.
  const venue = v.venue;
  if (venue !== undefined && !isCcxtExchangeId(venue)) throw new CliUsageError(`--venue "${venue}" is not a venue keel knows the fees of (${CCXT_EXCHANGE_IDS.join(', ')})`);
  const venueFees = paperFeeRates(venue ?? 'replay', venue === undefined ? settings.KEEL_PAPER_FEE_RATE : undefined);
  const takerFeeRate = fraction('--fee-rate', v['fee-rate'], venueFees.takerFeeRate);
  const makerFeeRate = fraction('--maker-fee-rate', v['maker-fee-rate'], v['fee-rate'] === undefined ? venueFees.makerFeeRate : takerFeeRate);
  const slippageBps = v['slippage-bps'] === undefined ? settings.KEEL_PAPER_SLIPPAGE_BPS : Number(v['slippage-bps']);
  if (!Number.isFinite(slippageBps) || slippageBps < 0 || slippageBps > 500) throw new CliUsageError(`--slippage-bps "${v['slippage-bps']}" must be basis points from 0 to 500, such as 5`);
  const fromMs = v.from === undefined ? undefined : date('--from', v.from);
  const toMs = v.to === undefined ? undefined : date('--to', v.to);
  if (fromMs !== undefined && toMs !== undefined && toMs < fromMs) throw new CliUsageError(`--to (${v.to}) is before --from (${v.from})`);
  let ticks: number | undefined;
  if (v.ticks !== undefined) {
    ticks = Number(v.ticks);
    if (!/^\d+$/.test(v.ticks) || ticks < 1) throw new CliUsageError(`--ticks "${v.ticks}" must be a whole number of at least 1`);
    if (toMs !== undefined) throw new CliUsageError('give --to or --ticks, not both');
  }
  const lookaheadSamples = lookaheadOf(v['check-lookahead'] === true, v.samples);
  if (lookaheadSamples !== undefined && v.sweep !== undefined && v.sweep.length > 0) throw new CliUsageError('give --check-lookahead or --sweep, not both');
  return {
    dir,
    config,
    startingCash: cash,
    fill: { takerFeeRate, makerFeeRate, slippageBps },
    ...(fromMs !== undefined && { fromMs }),
    ...(toMs !== undefined && { toMs }),
    ...(ticks !== undefined && { ticks }),
    json: v.json === true,
    progress: v['no-progress'] !== true,
    ...(lookaheadSamples !== undefined && { lookaheadSamples }),
    ...(sweeping && { sweep: sweepCommand(v.sweep!, v['rank-by'], { ...base, patch, dir: v['replay-dir'] }) }),
  };
}

/** backtestCycleConfig with its refusal as a usage error that says which flag (or combination) it came from. */
function buildConfig(what: string, base: Parameters<typeof backtestCycleConfig>[0], patch: CycleConfigPatch | undefined): CycleConfig {
  try {
    return backtestCycleConfig(base, patch);
  } catch (error) {
    if (!isKeelError(error)) throw error;
    throw new CliUsageError(`${what}: ${error.message}`);
  }
}

/** The sweep's combinations, every one checked here, so a bad value is refused before any run starts. */
function sweepCommand(
  rawAxes: string[],
  rawRankBy: string | undefined,
  options: { timeframe: CycleConfig['timeframe']; quote: string; pairs: string[] | null; maxCoins: number; patch: CycleConfigPatch | undefined; dir: string | undefined },
): BacktestSweepCommand {
  const rankBy = (rawRankBy ?? 'totalReturn') as SweepRankMetric;
  if (!SWEEP_RANK_METRICS.includes(rankBy)) throw new CliUsageError(`--rank-by "${rawRankBy}" is not a metric a sweep ranks by (${SWEEP_RANK_METRICS.join(', ')})`);
  let axes: SweepAxis[];
  let combinations: SweepCombination[];
  try {
    axes = rawAxes.map(parseSweepAxis);
    combinations = sweepCombinations(axes);
  } catch (error) {
    if (!isKeelError(error)) throw error;
    throw new CliUsageError(error.message);
  }
  const { patch, dir, ...base } = options;
  const fixed = mergeConfigPatches({ universe: { maxCoins: base.maxCoins } }, (patch ?? {}) as Record<string, unknown>);
  const runs = combinations.map((combination) => {
    const runPatch = mergeConfigPatches(fixed, combination.patch) as CycleConfigPatch;
    buildConfig(`--sweep ${combination.label}`, base, runPatch);
    return { label: combination.label, patch: runPatch };
  });
  return { axes, runs, rankBy, ...(dir !== undefined && { dir }), timeframe: base.timeframe, quote: base.quote, pairs: base.pairs };
}

function lookaheadOf(checking: boolean, raw: string | undefined): number | undefined {
  if (!checking) {
    if (raw !== undefined) throw new CliUsageError('--samples goes with --check-lookahead');
    return undefined;
  }
  if (raw === undefined) return DEFAULT_LOOKAHEAD_SAMPLES;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new CliUsageError(`--samples "${raw}" must be a whole number of at least 1`);
  return Number(raw);
}

function fraction(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d*\.?\d+(e-?\d+)?$/i.test(raw) || !Number.isFinite(value) || value < 0 || value >= 0.05) {
    throw new CliUsageError(`${flag} "${raw}" must be a fraction of notional from 0 to 0.05, such as 0.001 for 0.1 %`);
  }
  return value;
}

function date(flag: string, raw: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}/.test(raw) ? Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T00:00:00Z` : raw) : Number.NaN;
  if (!Number.isFinite(ms)) throw new CliUsageError(`${flag} "${raw}" is not a date: use ISO 8601 such as 2021-03-01 or 2021-03-01T12:00Z (UTC unless a zone is given)`);
  return ms;
}
