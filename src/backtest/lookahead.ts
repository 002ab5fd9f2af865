import type { BacktestOrder } from '../domain/backtest-types.js';
import { KeelError } from '../domain/errors.js';
import { timeframeMs } from '../domain/market-types.js';
import { Prng } from '../exchange/prng.js';
import { ReplaySeries } from '../exchange/replay-file.js';
import { runBacktest } from './engine.js';
import type { BacktestRunInput } from './engine.js';
import type { BacktestData, BacktestPair } from './market-data.js';
import { loadRequestData, ticksOf } from './run.js';
import type { BacktestRequest } from './run.js';
import { countAtOrBefore } from './stored-candles.js';

/*
 * The look-ahead check: a decision at tick c may only read candles closed by c. Rerun the backtest on the same data
 * with every later candle removed, and each of its orders must be the full run's. Reruns start from the first tick:
 * the portfolio at a cut depends on every earlier fill, so a shorter rerun would need state the check must not trust.
 */

export const DEFAULT_LOOKAHEAD_SAMPLES = 20;
export const DEFAULT_LOOKAHEAD_SEED = 1;

export interface LookaheadOptions {
  /** How many cut ticks, spread over the run (every tick when the run has fewer). */
  samples?: number;
  /** Picks the cut ticks; the same seed, the same cuts. */
  seed?: number;
  /** Exactly these cut ticks (close times on the run's tick grid) instead of sampled ones. */
  cutTs?: readonly number[];
  /** Called after each rerun: cuts done and in all. */
  onCut?: (done: number, cuts: number) => void;
}

/** An order's decision, the fields compared. */
export type DecidedOrder = Pick<BacktestOrder, 'side' | 'amount' | 'price'>;

export interface LookaheadDifference {
  /** The cut: candles that had not closed by this tick's close were removed. */
  cutTs: number;
  /** The tick whose order changed (at or before the cut). */
  tickTs: number;
  symbol: string;
  /** The order in the full run and in the cut run; null where that run placed none. */
  full: DecidedOrder | null;
  cut: DecidedOrder | null;
  /** E.g. "amount 1.5 vs 1.4" or "buy 1.5 @ 10 vs no order". */
  what: string;
}

export interface LookaheadReport {
  /** Cut ticks checked, oldest first. */
  cutTs: number[];
  /** Orders of the full run at or before a cut, summed over the cuts: the past decisions re-made. */
  comparedOrders: number;
  differences: LookaheadDifference[];
}

/** Runs the request's backtest in full, then once per cut tick on data cut there, and compares the orders. */
export async function checkLookahead(request: BacktestRequest, options: LookaheadOptions = {}): Promise<LookaheadReport> {
  const data = await loadRequestData(request);
  const config = { ...request.config, ...ticksOf(request, data) };
  const base: Omit<BacktestRunInput, 'data' | 'config'> = {
    startingCash: request.startingCash,
    fill: { ...request.fill, quote: config.quote },
    ...(request.evaluate !== undefined && { evaluate: request.evaluate }),
  };
  const full = runBacktest({ data, config, ...base, ...(request.onProgress !== undefined && { onProgress: request.onProgress }) });
  const tfMs = timeframeMs(config.timeframe);
  const ticks = config.maxTicks ?? 0;
  const cuts = options.cutTs === undefined ? sampleCutTicks(ticks, options.samples ?? DEFAULT_LOOKAHEAD_SAMPLES, options.seed ?? DEFAULT_LOOKAHEAD_SEED) : givenCutTicks(options.cutTs, config.marketStartMs, tfMs, ticks);

  const report: LookaheadReport = { cutTs: [], comparedOrders: 0, differences: [] };
  for (const [done, tickNo] of cuts.entries()) {
    const cutTs = config.marketStartMs + tickNo * tfMs;
    const cut = runBacktest({ data: dataClosedBy(data, cutTs), config: { ...config, maxTicks: tickNo + 1 }, ...base });
    const past = full.orders.filter((o) => o.tickTs <= cutTs);
    report.cutTs.push(cutTs);
    report.comparedOrders += past.length;
    report.differences.push(...compareOrders(cutTs, past, cut.orders));
    options.onCut?.(done + 1, cuts.length);
  }
  return report;
}

/**
 * The data as it stood at `cutTs`: only candles closed by then (open + timeframe <= cutTs), at both timeframes, as
 * views of the same arrays. On the tick grid that is "opened before cutTs": the tick at cutTs reads the candle that
 * opened one timeframe earlier, and nothing opening at cutTs or later. A ticker timeframe coarser than the cycle's
 * also loses its candle still open at cutTs.
 */
export function dataClosedBy(data: BacktestData, cutTs: number): BacktestData {
  const tfMs = timeframeMs(data.timeframe);
  const tickerTfMs = timeframeMs(data.tickerTimeframe);
  let candles = 0;
  const pairs = data.pairs.map((pair): BacktestPair => {
    const own = pair.candles === undefined ? undefined : closedBy(pair.candles, cutTs, tfMs);
    candles += own?.length ?? 0;
    return {
      ...pair,
      candles: own,
      logReturns: pair.logReturns.subarray(0, own?.length ?? 0),
      tickerCandles: pair.tickerCandles === pair.candles && own !== undefined ? own : closedBy(pair.tickerCandles, cutTs, tickerTfMs),
    };
  });
  return { ...data, pairs, candles };
}

function closedBy(series: ReplaySeries, cutTs: number, seriesTfMs: number): ReplaySeries {
  const n = countAtOrBefore(series.ts, cutTs - seriesTfMs);
  if (n === series.length) return series;
  const view = (column: Float64Array) => column.subarray(0, n);
  return new ReplaySeries(view(series.ts), view(series.open), view(series.high), view(series.low), view(series.close), view(series.volume));
}

/** `samples` tick numbers in [0, ticks), one drawn in each of as many equal stretches of the run, ascending. */
export function sampleCutTicks(ticks: number, samples: number, seed: number): number[] {
  if (!Number.isInteger(samples) || samples < 1) throw new KeelError('InvalidConfig', `look-ahead check: samples must be a whole number of at least 1 (got ${String(samples)})`);
  if (samples >= ticks) return Array.from({ length: ticks }, (_, k) => k);
  const prng = new Prng(seed);
  return Array.from({ length: samples }, (_, i) => {
    const from = Math.floor((i * ticks) / samples);
    const to = Math.floor(((i + 1) * ticks) / samples);
    return from + prng.index(to - from);
  });
}

function givenCutTicks(cutTs: readonly number[], startMs: number, tfMs: number, ticks: number): number[] {
  return [...new Set(cutTs)]
    .sort((a, b) => a - b)
    .map((ts) => {
      const tickNo = (ts - startMs) / tfMs;
      if (!Number.isInteger(tickNo) || tickNo < 0 || tickNo >= ticks) {
        throw new KeelError('InvalidConfig', `look-ahead check: cut ${new Date(ts).toISOString()} is not one of the run's ${ticks} ticks from ${new Date(startMs).toISOString()}`);
      }
      return tickNo;
    });
}

/** The orders of both runs at or before the cut, matched by tick, symbol and their order within the tick. */
function compareOrders(cutTs: number, full: readonly BacktestOrder[], cut: readonly BacktestOrder[]): LookaheadDifference[] {
  const keyed = (orders: readonly BacktestOrder[]) => {
    const seen = new Map<string, number>();
    const out = new Map<string, BacktestOrder>();
    for (const order of orders) {
      const base = `${order.tickTs}|${order.symbol}`;
      const nth = seen.get(base) ?? 0;
      seen.set(base, nth + 1);
      out.set(`${base}|${nth}`, order);
    }
    return out;
  };
  const fullByKey = keyed(full);
  const cutByKey = keyed(cut);
  const keys = [...new Set([...fullByKey.keys(), ...cutByKey.keys()])];
  const differences: LookaheadDifference[] = [];
  for (const key of keys) {
    const a = fullByKey.get(key);
    const b = cutByKey.get(key);
    const what = describeDifference(a, b);
    if (what === null) continue;
    const order = (a ?? b)!;
    differences.push({ cutTs, tickTs: order.tickTs, symbol: order.symbol, full: a === undefined ? null : decided(a), cut: b === undefined ? null : decided(b), what });
  }
  return differences.sort((x, y) => x.tickTs - y.tickTs);
}

function decided(order: BacktestOrder): DecidedOrder {
  return { side: order.side, amount: order.amount, price: order.price };
}

function describeDifference(full: BacktestOrder | undefined, cut: BacktestOrder | undefined): string | null {
  const spell = (o: BacktestOrder | undefined) => (o === undefined ? 'no order' : `${o.side} ${o.amount} @ ${o.price}`);
  if (full === undefined || cut === undefined || full.side !== cut.side) return `${spell(full)} vs ${spell(cut)}`;
  const fields = (['amount', 'price'] as const).filter((f) => full[f] !== cut[f]).map((f) => `${f} ${full[f]} vs ${cut[f]}`);
  return fields.length === 0 ? null : fields.join(', ');
}
