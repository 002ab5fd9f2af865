import { parseArgs } from 'node:util';
import type { Settings } from '../config/settings.js';
import { applyConfigPatch, defaultCycleConfig, validateConfigPatch } from '../domain/cycle-config.js';
import type { CycleConfig } from '../domain/cycle-config.js';
import { DEFAULT_AI_CONFIG } from '../domain/ai-policy.js';
import { TIMEFRAMES, isTimeframe } from '../domain/market-types.js';
import { parseConfigAssignments } from './config-patch.js';
import { CliUsageError } from './findings-args.js';
import { DEFAULT_LOOKAHEAD_SAMPLES } from '../backtest/lookahead.js';

export const BACKTEST_USAGE = `usage: keel backtest [--replay-dir DIR] [--timeframe TF] [--quote Q] [--pairs A/USDT,B/USDT]
                     [--from DATE] [--to DATE | --ticks N] [--config KEY=VALUE]... [--cash AMOUNT]
                     [--fee-rate F] [--maker-fee-rate F] [--slippage-bps N] [--json] [--no-progress]
                     [--check-lookahead [--samples N]]
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
  --fee-rate F       taker fee as a fraction of notional (default KEEL_PAPER_FEE_RATE, 0.001)
  --maker-fee-rate F maker fee for resting limit orders (default: the taker fee)
  --slippage-bps N   price moved against takers, basis points (default KEEL_PAPER_SLIPPAGE_BPS, 5)
  --check-lookahead  instead of a report, check that no decision read a candle not yet closed: rerun on the data
                     cut at N ticks and compare every earlier order; exits 1 on any difference (--json: the report)
  --samples N        cut ticks for --check-lookahead (default 20)
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
        json: { type: 'boolean', default: false },
        'no-progress': { type: 'boolean', default: false },
        'check-lookahead': { type: 'boolean', default: false },
        samples: { type: 'string' },
      },
    });
  } catch (error) {
    throw new CliUsageError((error as Error).message);
  }
  const v = parsed.values;
  const dir = v['replay-dir'] ?? settings.KEEL_REPLAY_DIR;
  if (dir === undefined || dir === '') throw new CliUsageError('--replay-dir is required (or set KEEL_REPLAY_DIR): a folder of freqtrade candle files such as BTC_USDT-1h.feather');
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
  let config = defaultCycleConfig({
    exchange: 'replay',
    name: 'backtest',
    timeframe,
    quote,
    clock: 'market',
    tickPacingMs: 0,
    universe: { symbols: pairs, maxCoins: settings.KEEL_COINS },
    ai: { ...DEFAULT_AI_CONFIG, enabled: false },
  });
  if (v.config !== undefined && v.config.length > 0) {
    let patch;
    try {
      patch = parseConfigAssignments(v.config);
    } catch (error) {
      throw new CliUsageError(`--config: ${(error as Error).message}`);
    }
    const problems = validateConfigPatch(config, patch);
    if (problems.length > 0) throw new CliUsageError(`--config: ${problems.join('; ')}`);
    config = applyConfigPatch(config, patch);
  }
  const cash = v.cash ?? settings.KEEL_PAPER_CASH;
  if (!/^\d+(\.\d+)?$/.test(cash) || Number(cash) <= 0) throw new CliUsageError(`--cash "${cash}" must be a positive decimal amount such as 100000`);
  const takerFeeRate = fraction('--fee-rate', v['fee-rate'], settings.KEEL_PAPER_FEE_RATE);
  const makerFeeRate = fraction('--maker-fee-rate', v['maker-fee-rate'], takerFeeRate);
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
  };
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
