import type { BacktestMetrics, BacktestRunFacts } from '../domain/backtest-types.js';
import { computeMetrics } from '../domain/backtest-metrics.js';
import type { CycleConfig } from '../domain/cycle-config.js';
import { KeelError } from '../domain/errors.js';
import { timeframeMs } from '../domain/market-types.js';
import { replayWindow } from '../domain/replay-window.js';
import { priceJumps } from '../domain/price-jumps.js';
import { runBacktest } from './engine.js';
import { MIN_PAIR_TICKS_FOR_THREAD, WarmAheadThread } from './evaluations-ahead.js';
import type { BacktestRun, CoinEvaluator } from './engine.js';
import { loadBacktestData } from './market-data.js';
import type { BacktestData } from './market-data.js';
import { fingerprintOrders } from './report.js';
import type { FillSettings } from './simulated-fill.js';

export interface BacktestRequest {
  dir: string;
  /** The cycle config to run (exchange 'replay'); its marketStartMs and maxTicks are replaced by the window below. */
  config: CycleConfig;
  startingCash: string;
  fill: Omit<FillSettings, 'quote'>;
  /** First tick at the first candle close at or after this (default: the replay cycle's start, after the warm-up). */
  fromMs?: number;
  /** Last tick at the last candle close at or before this. */
  toMs?: number;
  /** At most this many ticks. */
  ticks?: number;
  onLoad?: (filesRead: number, files: number) => void;
  onProgress?: (ticksDone: number, ticks: number) => void;
  /** The coin evaluation (default: the signal kernel); a test plants a look-ahead bug here. */
  evaluate?: CoinEvaluator;
}

export interface BacktestResult {
  config: CycleConfig;
  data: Pick<BacktestData, 'dir' | 'timeframe' | 'tickerTimeframe' | 'candles'>;
  run: BacktestRun;
  facts: BacktestRunFacts;
  metrics: BacktestMetrics;
  fingerprint: string;
  timings: { loadMs: number; runMs: number; reportMs: number };
  /** Price steps in the data too large to be trading (a redenomination?), one line each: trades across them are not real. */
  dataWarnings: string[];
}

/** Loads the folder, picks the ticks, runs the cycle's decisions and computes the report. */
export async function backtestFolder(request: BacktestRequest): Promise<BacktestResult> {
  // The evaluations-ahead thread starts while the files are read (a planted evaluation runs inline only), unless the
  // run is too short for it ever to pay: at most `ticks` ticks of the configured pairs (or maxCoins of them).
  const pairsAtMost = request.config.universe.symbols?.length ?? request.config.universe.maxCoins;
  const tooShort = request.ticks !== undefined && request.ticks * pairsAtMost < MIN_PAIR_TICKS_FOR_THREAD;
  const aheadThread = request.evaluate === undefined && !tooShort ? WarmAheadThread.start() : null;
  let data: BacktestData;
  let config: CycleConfig;
  let run: BacktestRun;
  let loadMs: number;
  let runMs: number;
  try {
    const loadStartedMs = performance.now();
    data = await loadRequestData(request);
    loadMs = performance.now() - loadStartedMs;
    config = { ...request.config, ...ticksOf(request, data) };

    const runStartedMs = performance.now();
    run = runBacktest({
      data,
      config,
      startingCash: request.startingCash,
      fill: { ...request.fill, quote: config.quote },
      aheadThread,
      ...(request.onProgress !== undefined && { onProgress: request.onProgress }),
      ...(request.evaluate !== undefined && { evaluate: request.evaluate }),
    });
    runMs = performance.now() - runStartedMs;
  } finally {
    aheadThread?.stop();
  }

  const reportStartedMs = performance.now();
  const startingCash = Number(request.startingCash);
  const facts: BacktestRunFacts = {
    quote: config.quote,
    timeframe: config.timeframe,
    startingCash,
    fromMs: config.marketStartMs,
    toMs: run.curve.at(-1)?.ts ?? config.marketStartMs,
    pairs: data.pairs.map((p) => p.symbol),
    takerFeeRate: request.fill.takerFeeRate,
    curve: run.curve,
    buyAndHold: buyAndHold(run, startingCash),
    orders: run.orders,
  };
  const metrics = computeMetrics(facts);
  const fingerprint = fingerprintOrders(run.orders);
  const reportMs = performance.now() - reportStartedMs;
  return {
    config,
    data: { dir: data.dir, timeframe: data.timeframe, tickerTimeframe: data.tickerTimeframe, candles: data.candles },
    run,
    facts,
    metrics,
    fingerprint,
    timings: { loadMs, runMs, reportMs },
    dataWarnings: dataWarningsOf(data, config),
  };
}

/** Suspicious price steps inside the ticks replayed (with the warm-up before them), per pair. */
function dataWarningsOf(data: BacktestData, config: CycleConfig): string[] {
  const tfMs = timeframeMs(config.timeframe);
  const fromMs = config.marketStartMs - (config.warmupCandles + 1) * tfMs;
  const toMs = config.marketStartMs + (config.maxTicks ?? 0) * tfMs;
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
  const warnings: string[] = [];
  for (const pair of data.pairs) {
    if (pair.candles === undefined) continue;
    for (const jump of priceJumps(pair.candles.ts, pair.candles.close)) {
      if (jump.toTs < fromMs || jump.fromTs >= toMs) continue;
      warnings.push(
        `${pair.symbol}: close ${jump.fromClose} at ${iso(jump.fromTs)} then ${jump.toClose} at ${iso(jump.toTs)} UTC, ` +
          `a ${stepText(jump.toClose / jump.fromClose)} no market trades through (a redenomination or a bad file?): trades across it are not real`,
      );
    }
  }
  return warnings;
}

/** "1003x rise" or "250x fall". */
function stepText(ratio: number): string {
  return ratio >= 1 ? `${Math.round(ratio)}x rise` : `${Math.round(1 / ratio)}x fall`;
}

/** The request's folder, read as the replay market reads it (only the configured pairs, when some are). */
export function loadRequestData(request: BacktestRequest): Promise<BacktestData> {
  return loadBacktestData({
    dir: request.dir,
    timeframe: request.config.timeframe,
    quote: request.config.quote,
    ...(request.config.universe.symbols !== null && { pairs: request.config.universe.symbols }),
    ...(request.onLoad !== undefined && { onFile: request.onLoad }),
  });
}

/** The ticks to run: the replay cycle's window (withReplayStart's rule), narrowed by --from, --to and --ticks. */
export function ticksOf(request: BacktestRequest, data: BacktestData): Pick<CycleConfig, 'marketStartMs' | 'maxTicks'> {
  const { config } = request;
  const tfMs = timeframeMs(config.timeframe);
  const present = data.pairs.map((p) => p.candles).filter((c) => c !== undefined && c.length > 0);
  const window = replayWindow({
    firstTs: present.map((c) => c!.ts[0]!),
    lastTs: present.map((c) => c!.ts[c!.length - 1]!),
    warmupCandles: config.warmupCandles,
    timeframeMs: tfMs,
    maxTicks: null,
    timeframe: config.timeframe,
    quote: config.quote,
    what: `backtest folder ${data.dir}`,
    fix: 'check --replay-dir, --timeframe and --quote',
  });
  const lastCloseMs = window.marketStartMs + (window.maxTicks - 1) * tfMs;
  const startMs = request.fromMs === undefined ? window.marketStartMs : Math.ceil(request.fromMs / tfMs) * tfMs;
  const endMs = Math.min(lastCloseMs, request.toMs === undefined ? lastCloseMs : Math.floor(request.toMs / tfMs) * tfMs);
  let ticks = Math.floor((endMs - startMs) / tfMs) + 1;
  if (request.ticks !== undefined) ticks = Math.min(ticks, request.ticks);
  if (config.maxTicks !== null) ticks = Math.min(ticks, config.maxTicks);
  if (ticks < 1) {
    throw new KeelError(
      'InvalidConfig',
      `backtest: no tick between ${new Date(startMs).toISOString()} and ${new Date(endMs).toISOString()}; the data's ticks after the warm-up run ` +
        `${new Date(window.marketStartMs).toISOString()} to ${new Date(lastCloseMs).toISOString()}: choose --from/--to inside it`,
    );
  }
  return { marketStartMs: startMs, maxTicks: ticks };
}

/** Starting cash split equally over the pairs, each share bought at the pair's first ticker price and held (no fees). */
function buyAndHold(run: BacktestRun, startingCash: number): Array<[number, number]> {
  const pairs = run.pairCount;
  const share = pairs === 0 ? 0 : startingCash / pairs;
  const quantity = new Float64Array(pairs).fill(Number.NaN);
  const lastPrice = new Float64Array(pairs).fill(Number.NaN);
  return run.curve.map((point, tick) => {
    let value = 0;
    for (let p = 0; p < pairs; p++) {
      const price = run.tickPrices[tick * pairs + p]!;
      if (!Number.isNaN(price)) {
        lastPrice[p] = price;
        if (Number.isNaN(quantity[p]!)) quantity[p] = share / price;
      }
      value += Number.isNaN(quantity[p]!) ? share : quantity[p]! * lastPrice[p]!;
    }
    return [point.ts, value];
  });
}
