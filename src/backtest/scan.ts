import type { CycleConfig } from '../domain/cycle-config.js';
import { timeframeMs } from '../domain/market-types.js';
import type { ScannedTicker } from '../domain/tick-decision.js';
import type { BacktestData } from './market-data.js';

const DAY_MS = 86_400_000;

export interface ScanAtTick {
  /**
   * The scan's answer: the configured pairs or the top pairs by 24h quote volume, with their rules; by symbol when
   * every pair with a ticker is chosen (which coins a tick evaluates never depends on their order, only the cut does).
   * Valid until the next scan, which reuses each pair's ticker object (a tick reads them and keeps none).
   */
  chosen: ScannedTicker[];
  /** Every pair with a ticker at this tick, by its index in the data. */
  all: number[];
  /** Each pair's ticker price by its index in the data (NaN without a ticker); valid until the next scan. */
  lasts: Float64Array;
}

/**
 * The market cycle's scan (scanMarket over the replay market's fetchTickers and tickerAt), tick after tick: a ticker
 * is the newest candle closed by the tick at the ticker timeframe, absent when none closed in the last 24 hours.
 * Cursors only move forward, so a whole backtest costs one pass over each file.
 */
export class ScanCursor {
  private readonly ends: Int32Array;
  /** Each pair's ticker price at the current tick (NaN: none), filled by at() (one array for every tick). */
  private readonly lasts: Float64Array;
  /** Each pair's ticker object, made at its first scan and updated after (see scanned()). */
  private readonly tickers: Array<ScannedTicker | undefined> = [];
  private readonly tickerTfMs: number;
  private readonly wanted: number[];
  private readonly ranked: boolean;
  /** The wanted pairs by symbol (code-unit order, as the tick sorts its coins). */
  private readonly bySymbol: number[];
  private asOfMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly data: BacktestData,
    private readonly config: Pick<CycleConfig, 'universe'>,
  ) {
    this.ends = new Int32Array(data.pairs.length);
    this.lasts = new Float64Array(data.pairs.length).fill(Number.NaN);
    this.tickerTfMs = timeframeMs(data.tickerTimeframe);
    const indexOf = new Map(data.pairs.map((p, i) => [p.symbol, i]));
    // Configured symbols keep their order; unknown ones were refused when the data was loaded.
    const symbols = config.universe.symbols;
    this.wanted = symbols === null ? data.pairs.map((_, i) => i) : symbols.map((s) => indexOf.get(s)).filter((i): i is number => i !== undefined);
    this.ranked = symbols === null;
    this.bySymbol = [...this.wanted].sort((a, b) => (data.pairs[a]!.symbol < data.pairs[b]!.symbol ? -1 : data.pairs[a]!.symbol > data.pairs[b]!.symbol ? 1 : 0));
  }

  /** The scan at `asOfMs` (ticks must not go back in time). */
  at(asOfMs: number): ScanAtTick {
    if (asOfMs < this.asOfMs) throw new RangeError(`scan cursor cannot go back from ${this.asOfMs} to ${asOfMs}`);
    this.asOfMs = asOfMs;
    const limit = asOfMs - this.tickerTfMs;
    const { lasts } = this;
    const all: number[] = [];
    for (const index of this.wanted) {
      const ts = this.data.pairs[index]!.tickerCandles.ts;
      let end = this.ends[index]!;
      while (end < ts.length && ts[end]! <= limit) end++;
      this.ends[index] = end;
      const last = this.lastAt(index);
      lasts[index] = last ?? Number.NaN;
      if (last !== null) all.push(index);
    }
    const { maxCoins } = this.config.universe;
    const chosen: ScannedTicker[] = [];
    if (all.length <= maxCoins) {
      // Every pair with a ticker is chosen: listed by symbol, the order the tick sorts its coins in anyway, so it need
      // not sort them (see tickUniverse).
      for (const index of this.bySymbol) {
        const last = lasts[index]!;
        if (!Number.isNaN(last)) chosen.push(this.scanned(index, last));
      }
      return { all, chosen, lasts };
    }
    let ranked = all;
    if (this.ranked) {
      const volumes = new Map(all.map((index) => [index, this.quoteVolume(index)]));
      ranked = [...all].sort((a, b) => volumes.get(b)! - volumes.get(a)!);
    }
    for (let i = 0; i < maxCoins; i++) chosen.push(this.scanned(ranked[i]!, lasts[ranked[i]!]!));
    return { all, chosen, lasts };
  }

  /** The pair's ticker at `last`: one object per pair for the whole run (ticks repeat this for every pair). */
  private scanned(index: number, last: number): ScannedTicker {
    let ticker = this.tickers[index];
    if (ticker === undefined) {
      const pair = this.data.pairs[index]!;
      ticker = pair.rules === undefined ? { symbol: pair.symbol, last } : { symbol: pair.symbol, last, rules: pair.rules };
      this.tickers[index] = ticker;
    } else ticker.last = last;
    return ticker;
  }

  /** The pair's ticker at the current tick, or null (the paper broker's price for an order). */
  tickerOf(index: number): { last: number } | null {
    const last = this.lastAt(index);
    return last === null ? null : { last };
  }

  /** The last price of the pair's ticker at the current tick: its newest closed candle's close, none after 24 hours. */
  private lastAt(index: number): number | null {
    const candles = this.data.pairs[index]!.tickerCandles;
    const end = this.ends[index]!;
    if (end === 0) return null;
    if (candles.ts[end - 1]! + this.tickerTfMs <= this.asOfMs - DAY_MS) return null;
    return candles.close[end - 1]!;
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
