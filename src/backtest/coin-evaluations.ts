import { atrOf } from '../domain/atr.js';
import type { CycleConfig } from '../domain/cycle-config.js';
import { timeframeMs } from '../domain/market-types.js';
import type { evaluateCloses } from '../domain/signal-kernel.js';
import { KernelScratch } from '../domain/signal-kernel.js';
import { minimumCandlesFor } from '../domain/signal-types.js';
import type { CoinEvaluation } from '../domain/signal-types.js';
import type { CoinOutcome } from '../domain/tick-decision.js';
import type { EvaluationsAhead } from './evaluations-ahead.js';
import type { BacktestData } from './market-data.js';
import { StoredCandles } from './stored-candles.js';

/** The signal kernel's call, as the engine makes it. */
export type CoinEvaluator = typeof evaluateCloses;

/**
 * Each coin's evaluation at a tick, as its coin child would return it: the candle table's replay synced (StoredCandles),
 * the newest `lookback` stored candles, and the signal kernel over them (taken from the thread that evaluated ahead
 * when it computed exactly that window). Failures read as the child's would (a missing candle, too short a history).
 */
export class CoinEvaluations {
  /** Evaluations made on this thread (the others came from the thread ahead). */
  inline = 0;
  private readonly stored: Array<StoredCandles | undefined>;
  private readonly pairIndex: Map<string, number>;
  /** The last tick's coins by place in its list, and their pair indices (see at()). */
  private readonly seenSymbols: string[] = [];
  private readonly seenIndices: Array<number | undefined> = [];
  // One scratch per pair: the kernel reuses what it learned of a pair's previous window (its median's neighbourhood).
  private readonly scratches: KernelScratch[];
  private readonly lookback: number;
  private readonly minimum: number;

  constructor(
    private readonly data: BacktestData,
    private readonly config: Pick<CycleConfig, 'timeframe' | 'warmupCandles' | 'signal' | 'exits'>,
    private readonly evaluate: CoinEvaluator,
    private readonly ahead: EvaluationsAhead | null,
    /**
     * Whether evaluations carry the evaluated candle's range (and ATR). Only the risk layer's exits read them
     * (tick-risk.ts, and only with exits on), so a run without exits leaves them out: 600,000 small objects fewer in a
     * year of 126 pairs, and the same decisions.
     */
    private readonly withCandles = true,
  ) {
    const tfMs = timeframeMs(config.timeframe);
    this.stored = data.pairs.map((p) => (p.candles === undefined ? undefined : new StoredCandles(p.candles.ts, tfMs, config.warmupCandles)));
    this.pairIndex = new Map(data.pairs.map((p, i) => [p.symbol, i]));
    this.scratches = data.pairs.map(() => new KernelScratch());
    this.minimum = minimumCandlesFor(config.signal);
    this.lookback = CoinEvaluations.lookbackOf(config);
  }

  /** The window every evaluation reads: the newest max(warm-up, the signal's minimum) stored candles. */
  static lookbackOf(config: Pick<CycleConfig, 'warmupCandles' | 'signal'>): number {
    return Math.max(config.warmupCandles, minimumCandlesFor(config.signal));
  }

  /** The outcomes of `symbols` at the tick at `tickTs`, whose evaluated candle opened at `untilOpenTs`. */
  at(tickTs: number, untilOpenTs: number, symbols: readonly string[]): CoinOutcome[] {
    const outcomes: CoinOutcome[] = [];
    const { seenSymbols, seenIndices } = this;
    for (let i = 0; i < symbols.length; i++) {
      const symbol = symbols[i]!;
      // A tick's coins are mostly the last tick's, in the same places: their indices are remembered by place.
      if (seenSymbols[i] !== symbol) {
        seenSymbols[i] = symbol;
        seenIndices[i] = this.pairIndex.get(symbol);
      }
      outcomes.push(this.outcomeOf(symbol, seenIndices[i], tickTs, untilOpenTs));
    }
    return outcomes;
  }

  /**
   * The newest `count` stored candles of `symbol` opening at or before untilOpenTs (open time and close), as the
   * candle table holds them after this tick's syncs: what the correlation measurement reads. Empty for an unknown pair.
   */
  storedCloses(symbol: string, untilOpenTs: number, count: number): Array<{ ts: number; close: number }> {
    const index = this.pairIndex.get(symbol);
    const candles = index === undefined ? undefined : this.data.pairs[index]!.candles;
    const stored = index === undefined ? undefined : this.stored[index];
    if (candles === undefined || stored === undefined) return [];
    const out: Array<{ ts: number; close: number }> = [];
    for (const [from, to] of stored.window(untilOpenTs, count)) {
      for (let i = from; i < to; i++) out.push({ ts: candles.ts[i]!, close: candles.close[i]! });
    }
    return out;
  }

  private outcomeOf(symbol: string, index: number | undefined, tickTs: number, untilOpenTs: number): CoinOutcome {
    const { config, lookback } = this;
    const candles = index === undefined ? undefined : this.data.pairs[index]!.candles;
    const stored = index === undefined ? undefined : this.stored[index];
    if (candles === undefined || stored === undefined) {
      return { ok: false, symbol, errorType: 'InvalidConfig', message: `replay: no ${config.timeframe} candles for ${symbol}` };
    }
    stored.sync(tickTs);
    // Nearly always one range of stored candles: read without building the list of ranges.
    let single: readonly [number, number] | null = stored.singleWindow(untilOpenTs, lookback);
    let window: ReadonlyArray<readonly [number, number]> = NO_RANGES;
    if (single === null) {
      window = stored.window(untilOpenTs, lookback);
      if (window.length === 1) single = window[0]!;
    }
    const newestEnd = single !== null ? single[1] : window.at(-1)?.[1];
    if (newestEnd === undefined || candles.ts[newestEnd - 1] !== untilOpenTs) {
      return { ok: false, symbol, errorType: 'InvalidMarketData', message: `${symbol}: no stored ${config.timeframe} candle opening at ${new Date(untilOpenTs).toISOString()}` };
    }
    const size = single !== null ? single[1] - single[0] : window.reduce((n, [from, to]) => n + to - from, 0);
    if (size < this.minimum) {
      return { ok: false, symbol, errorType: 'InvalidMarketData', message: `${symbol}: ${size} candles, the signal needs at least ${this.minimum}` };
    }
    const pair = this.data.pairs[index!]!;
    const scratch = this.scratches[index!]!;
    // The evaluated candle's range (and the window's ATR for an ATR stop), as evaluateSignal adds them from the stored candles.
    const newest = newestEnd - 1;
    const candle = this.withCandles ? { open: candles.open[newest]!, high: candles.high[newest]!, low: candles.low[newest]! } : undefined;
    let evaluation: CoinEvaluation | undefined;
    if (single !== null) {
      const [start, end] = single;
      evaluation = this.ahead?.take(index!, symbol, untilOpenTs, candles.close, start, end, candle);
      if (evaluation === undefined) {
        this.inline++;
        evaluation = this.evaluate(symbol, untilOpenTs, { closes: candles.close, logReturns: pair.logReturns }, start, end, config.signal, scratch);
        if (candle !== undefined) evaluation.candle = candle;
      }
    } else {
      this.inline++;
      evaluation = this.evaluate(symbol, untilOpenTs, { closes: gather(candles.close, window) }, 0, size, config.signal, scratch);
      if (candle !== undefined) evaluation.candle = candle;
    }
    const atrPeriod = config.exits?.stopLossAtr?.period;
    if (atrPeriod !== undefined && this.withCandles) {
      evaluation.atr =
        single !== null
          ? atrOf(candles.high, candles.low, candles.close, single[0], single[1], atrPeriod)
          : atrOf(gather(candles.high, window), gather(candles.low, window), gather(candles.close, window), 0, size, atrPeriod);
    }
    return { ok: true, evaluation };
  }
}

/** The ranges of a window read through singleWindow (one shared empty list: ticks repeat this for every coin). */
const NO_RANGES: ReadonlyArray<readonly [number, number]> = [];

/** The closes of a window with a hole in the stored candles, copied into one array (rare: a coin long absent). */
function gather(closes: Float64Array, window: ReadonlyArray<readonly [number, number]>): Float64Array {
  const out = new Float64Array(window.reduce((n, [from, to]) => n + to - from, 0));
  let at = 0;
  for (const [from, to] of window) {
    out.set(closes.subarray(from, to), at);
    at += to - from;
  }
  return out;
}
