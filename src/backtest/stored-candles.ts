import { MAX_CANDLES_PER_CALL, candleSyncRequest } from '../domain/candle-sync.js';

/**
 * Which of a pair's recorded candles the live cycle would have in its candle table, tick by tick: the replay of
 * `syncCandles` (first sync: the newest warm-up window; later: what is newer than the last stored candle, or the
 * newest window again after an absence longer than the warm-up). The evaluation window is the newest `lookback`
 * stored candles, exactly as `evaluateCoin` loads them, so indicators start where live's start.
 * Candles are data indices; stored ones are kept as sorted, disjoint [from, to) ranges (one, unless a coin left the
 * universe for longer than the warm-up).
 */
export class StoredCandles {
  private readonly ranges: Array<[number, number]> = [];
  /** The last answer of a search by tick time: ticks move forward, so the next answer is at or just after it. */
  private tickHint = 0;

  constructor(
    private readonly ts: Float64Array,
    private readonly timeframeMs: number,
    private readonly warmupCandles: number,
    private readonly maxCandlesPerCall = MAX_CANDLES_PER_CALL,
  ) {}

  /** The open time of the newest stored candle, or null before the first sync. */
  lastStoredTs(): number | null {
    const last = this.ranges.at(-1);
    return last === undefined ? null : this.ts[last[1] - 1]!;
  }

  /** syncCandles at `untilMs`: the same request (candleSyncRequest), answered from the data as selectWindow would. */
  sync(untilMs: number): void {
    const tfMs = this.timeframeMs;
    const request = candleSyncRequest({ lastStoredTs: this.lastStoredTs(), untilMs, timeframeMs: tfMs, warmupCandles: this.warmupCandles, maxCandlesPerCall: this.maxCandlesPerCall });
    if (request === null) return;
    // selectWindow: candles closed by untilMs; with sinceMs the oldest `limit` from it, else the newest `limit`.
    const end = this.countAtOrBeforeTick(untilMs - tfMs);
    // After the newest stored candle: its range's end, unless the data has a hole there.
    const from = request.sinceMs === undefined ? Math.max(0, end - request.limit) : countAtOrBeforeNear(this.ts, request.sinceMs - 1, this.ranges.at(-1)?.[1] ?? 0);
    const to = request.sinceMs === undefined ? end : Math.min(end, from + request.limit);
    if (to > from) this.add(from, to);
  }

  /**
   * The newest `lookback` stored candles with open time <= untilOpenTs, as data index ranges oldest first (one range
   * unless the stored candles have a hole), or an empty list when none is stored.
   */
  window(untilOpenTs: number, lookback: number): Array<[number, number]> {
    const end = this.countAtOrBeforeTick(untilOpenTs);
    const picked: Array<[number, number]> = [];
    let needed = lookback;
    for (let r = this.ranges.length - 1; r >= 0 && needed > 0; r--) {
      const [from, to] = this.ranges[r]!;
      const stop = Math.min(to, end);
      if (stop <= from) continue;
      const start = Math.max(from, stop - needed);
      picked.unshift([start, stop]);
      needed -= stop - start;
    }
    return picked;
  }

  /**
   * window(untilOpenTs, lookback) when the stored candles are one range and the window is not empty (the usual
   * case, read without building a list); null otherwise, and then window() answers.
   */
  singleWindow(untilOpenTs: number, lookback: number): [number, number] | null {
    if (this.ranges.length !== 1) return null;
    const [from, to] = this.ranges[0]!;
    const stop = Math.min(to, this.countAtOrBeforeTick(untilOpenTs));
    if (stop <= from || lookback <= 0) return null;
    return [Math.max(from, stop - lookback), stop];
  }

  private countAtOrBeforeTick(limit: number): number {
    this.tickHint = countAtOrBeforeNear(this.ts, limit, this.tickHint);
    return this.tickHint;
  }

  private add(from: number, to: number): void {
    // The usual sync: newer candles right after the newest stored ones.
    const last = this.ranges.at(-1);
    if (last !== undefined && from >= last[0] && from <= last[1]) {
      last[1] = Math.max(last[1], to);
      return;
    }
    // Upserts: merge with every range it touches or overlaps.
    let merged: [number, number] = [from, to];
    const kept: Array<[number, number]> = [];
    for (const range of this.ranges) {
      if (range[1] < merged[0] || range[0] > merged[1]) kept.push(range);
      else merged = [Math.min(range[0], merged[0]), Math.max(range[1], merged[1])];
    }
    kept.push(merged);
    kept.sort((a, b) => a[0] - b[0]);
    this.ranges.splice(0, this.ranges.length, ...kept);
  }
}

/** Number of leading entries of the sorted `ts` that are <= `limit` (binary search). */
export function countAtOrBefore(ts: Float64Array, limit: number): number {
  let low = 0;
  let high = ts.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (ts[mid]! <= limit) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** How far countAtOrBeforeNear walks from its hint before it searches. */
const NEAR_STEPS = 4;

/**
 * countAtOrBefore when the answer is probably `hint` or a few entries from it (a cursor moving forward tick by tick):
 * walks there, and searches only when it is not within NEAR_STEPS. Same answer as countAtOrBefore for any hint.
 */
export function countAtOrBeforeNear(ts: Float64Array, limit: number, hint: number): number {
  let n = Math.min(Math.max(hint, 0), ts.length);
  for (let step = 0; step <= NEAR_STEPS; step++) {
    if (n > 0 && ts[n - 1]! > limit) n--;
    else if (n < ts.length && ts[n]! <= limit) n++;
    else return n;
  }
  return countAtOrBefore(ts, limit);
}
