import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { backtestFolder } from '../src/backtest/run.js';
import { defaultCycleConfig } from '../src/domain/cycle-config.js';
import type { CycleConfig } from '../src/domain/cycle-config.js';
import { DEFAULT_AI_CONFIG } from '../src/domain/ai-policy.js';
import { PAPER_DEFAULTS } from '../src/exchange/paper-broker.js';
import { median, type Figure } from './figure.js';

/**
 * The backtester's figures (issue 10): the 126 pairs x 1h of ../shared/data/ohlcv/binance-spot-1h-2021 (628,654
 * candles), default cycle config, paper defaults, run REPEATS times in a child process of its own (so its peak RSS is
 * the backtest's alone); medians are reported.
 * - backtest_candles_per_s: candles / (replay + report) seconds, from loaded data to finished report.
 * - backtest_wall_s_126x1h: reading the files + replay + report.
 * - backtest_rss_mb: the child's peak resident memory.
 */
const DATA_DIR = path.resolve('../shared/data/ohlcv/binance-spot-1h-2021');
const REPEATS = 3;

/** Runs the measurement in a child process and returns its figures. */
export async function runBacktestBench(options: { log?: (line: string) => void } = {}): Promise<Figure[]> {
  if (!existsSync(DATA_DIR)) {
    options.log?.(`backtest bench skipped: ${DATA_DIR} is absent (it ships in ../shared/data)`);
    return [];
  }
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--import', 'tsx', self, '--child'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`backtest bench child exited with ${code}`);
  return (JSON.parse(out.trim().split('\n').at(-1)!) as { figures: Figure[] }).figures;
}

async function child(): Promise<void> {
  // The default signal without the default drawdown guard: on this data the guard halts the run in May 2021 and the
  // ticks after it would be idle; the bench measures deciding every tick, and the guards' own cost separately below.
  const config = defaultCycleConfig({ exchange: 'replay', name: 'bench', tickPacingMs: 0, ai: { ...DEFAULT_AI_CONFIG, enabled: false }, guards: { maxDrawdown: null, stopLossGuard: null, lowProfitPairs: null } });
  const fill = { takerFeeRate: PAPER_DEFAULTS.feeRate, makerFeeRate: PAPER_DEFAULTS.feeRate, slippageBps: PAPER_DEFAULTS.slippageBps };
  const walls: number[] = [];
  const rates: number[] = [];
  const loads: number[] = [];
  let candles = 0;
  let ticks = 0;
  let orders = 0;
  let fingerprint = '';
  for (let i = 0; i < REPEATS; i++) {
    const startedMs = performance.now();
    const result = await backtestFolder({ dir: DATA_DIR, config, startingCash: PAPER_DEFAULTS.startingCash, fill });
    const wallMs = performance.now() - startedMs;
    const { loadMs, runMs, reportMs } = result.timings;
    candles = result.data.candles;
    ticks = result.run.ticks.length;
    orders = result.run.orders.length;
    if (fingerprint !== '' && fingerprint !== result.fingerprint) throw new Error('the backtest gave different orders on a rerun');
    fingerprint = result.fingerprint;
    walls.push(wallMs / 1000);
    loads.push(loadMs / 1000);
    rates.push(candles / ((runMs + reportMs) / 1000));
    process.stderr.write(`  run ${i + 1}/${REPEATS}: read ${(loadMs / 1000).toFixed(2)} s, replay ${(runMs / 1000).toFixed(2)} s, report ${(reportMs / 1000).toFixed(2)} s\n`);
  }
  const rssMb = process.resourceUsage().maxRSS / 1024;

  // What the guards cost per tick (issue 11: at most 1.2x): every guard on with thresholds no run reaches, so the
  // orders stay the same and only their bookkeeping is added. Alternated with plain runs against drift.
  const guards: CycleConfig['guards'] = {
    maxDrawdown: { fraction: 0.99, windowCandles: 168, blockCandles: 24, hardLimitFraction: null },
    stopLossGuard: { stops: 1000, windowCandles: 24, lockCandles: 12, perPair: true },
    lowProfitPairs: { windowCandles: 168, minProfitFraction: -0.99, minTrades: 1000, lockCandles: 48 },
  };
  const plainRuns: number[] = [];
  const guardedRuns: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    for (const guarded of [false, true]) {
      const result = await backtestFolder({ dir: DATA_DIR, config: guarded ? { ...config, guards } : config, startingCash: PAPER_DEFAULTS.startingCash, fill });
      if (result.fingerprint !== fingerprint) throw new Error('guards that never trip changed the orders');
      (guarded ? guardedRuns : plainRuns).push(result.timings.runMs);
    }
  }
  const guardRatio = median(guardedRuns) / median(plainRuns);
  process.stderr.write(`  guards on: replay ${(median(guardedRuns) / 1000).toFixed(2)} s against ${(median(plainRuns) / 1000).toFixed(2)} s\n`);
  const note = `${candles} candles, ${ticks} ticks, ${orders} orders; median of ${REPEATS}`;
  const figures: Figure[] = [
    { name: 'backtest_candles_per_s', value: Math.round(median(rates)), unit: 'candles/s', target: '>= 500000', note: `from loaded data to finished report; ${note}` },
    { name: 'backtest_wall_s_126x1h', value: Math.round(median(walls) * 100) / 100, unit: 's', target: '<= 5', note: `reading ${median(loads).toFixed(2)} s included` },
    { name: 'backtest_rss_mb', value: Math.round(rssMb), unit: 'MB', note: 'peak RSS of the backtest process' },
    { name: 'backtest_guards_cost_ratio', value: Math.round(guardRatio * 100) / 100, unit: 'x', target: '<= 1.2', note: `replay with every guard on (never tripping: same orders) / without; medians of ${REPEATS} alternated pairs` },
  ];
  console.log(JSON.stringify({ figures }));
}

if (process.argv.includes('--child')) {
  child().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
