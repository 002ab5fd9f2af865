import type { CycleConfig } from '../domain/cycle-config.js';
import { timeframeMs } from '../domain/market-types.js';
import type { ScannedTicker } from '../domain/tick-decision.js';
import type { BacktestData } from './market-data.js';

const DAY_MS = 86_400_000;

export interface ScanAtTick {
  /** The scan's answer: the configured pairs or the top pairs by 24h quote volume, with their rules. */
  chosen: ScannedTicker[];
  /** Every pair with a ticker at this tick, by its index in the data. */
  all: Array<{ index: number; last: number }>;
}

/**
 * The market cycle's scan (scanMarket over the replay market's fetchTickers and tickerAt), tick after tick: a ticker
 * is the newest candle closed by the tick at the ticker timeframe, absent when none closed in the last 24 hours.
 * Cursors only move forward, so a whole backtest costs one pass over each file.
 */
export class ScanCursor {
  private readonly ends: Int32Array;
  private readonly tickerTfMs: number;
  private readonly wanted: number[];
  private readonly ranked: boolean;
  private asOfMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly data: BacktestData,
    private readonly config: Pick<CycleConfig, 'universe'>,
  ) {
    this.ends = new Int32Array(data.pairs.length);
    this.tickerTfMs = timeframeMs(data.tickerTimeframe);
    const indexOf = new Map(data.pairs.map((p, i) => [p.symbol, i]));
    // Configured symbols keep their order; unknown ones were refused when the data was loaded.
    const symbols = config.universe.symbols;
    this.wanted = symbols === null ? data.pairs.map((_, i) => i) : symbols.map((s) => indexOf.get(s)).filter((i): i is number => i !== undefined);
    this.ranked = symbols === null;
  }

  /** The scan at `asOfMs` (ticks must not go back in time). */
  at(asOfMs: number): ScanAtTick {
    if (asOfMs < this.asOfMs) throw new RangeError(`scan cursor cannot go back from ${this.asOfMs} to ${asOfMs}`);
    this.asOfMs = asOfMs;
    const limit = asOfMs - this.tickerTfMs;
    const all: ScanAtTick['all'] = [];
    for (const index of this.wanted) {
      const ts = this.data.pairs[index]!.tickerCandles.ts;
      let end = this.ends[index]!;
      while (end < ts.length && ts[end]! <= limit) end++;
      this.ends[index] = end;
      const ticker = this.tickerOf(index);
      if (ticker !== null) all.push({ index, last: ticker.last });
    }
    let chosen = all;
    const { maxCoins } = this.config.universe;
    if (this.ranked && all.length > maxCoins) {
      const volumes = new Map(all.map((t) => [t.index, this.quoteVolume(t.index)]));
      chosen = [...all].sort((a, b) => volumes.get(b.index)! - volumes.get(a.index)!);
    }
    chosen = chosen.slice(0, maxCoins);
    return {
      all,
      chosen: chosen.map(({ index, last }) => {
        const pair = this.data.pairs[index]!;
        return pair.rules === undefined ? { symbol: pair.symbol, last } : { symbol: pair.symbol, last, rules: pair.rules };
      }),
    };
  }

  /** The pair's ticker at the current tick, or null (the paper broker's price for an order). */
  tickerOf(index: number): { last: number } | null {
    const candles = this.data.pairs[index]!.tickerCandles;
    const end = this.ends[index]!;
    if (end === 0) return null;
    if (candles.ts[end - 1]! + this.tickerTfMs <= this.asOfMs - DAY_MS) return null;
    return { last: candles.close[end - 1]! };
  }

  /**
   * The highest high and the lowest low of the pair's closed candles that opened at or after `sinceMs`, as of the last
   * scan: the prices a resting order placed at `sinceMs` has seen. Null when no such candle has closed (a gap).
   */
  rangeSince(index: number, sinceMs: number): { high: number; low: number } | null {
    const candles = this.data.pairs[index]!.tickerCandles;
    let high = Number.NEGATIVE_INFINITY;
    let low = Number.POSITIVE_INFINITY;
    for (let i = this.ends[index]! - 1; i >= 0 && candles.ts[i]! >= sinceMs; i--) {
      high = Math.max(high, candles.high[i]!);
      low = Math.min(low, candles.low[i]!);
    }
    return high === Number.NEGATIVE_INFINITY ? null : { high, low };
  }

  /** tickerAt's 24h quote volume, summed newest first exactly as it does. */
  private quoteVolume(index: number): number {
    const candles = this.data.pairs[index]!.tickerCandles;
    const windowStartMs = this.asOfMs - DAY_MS;
    let quoteVolume = 0;
    for (let i = this.ends[index]! - 1; i >= 0 && candles.ts[i]! + this.tickerTfMs > windowStartMs; i--) {
      quoteVolume += candles.volume[i]! * candles.close[i]!;
    }
    return quoteVolume;
  }
}
