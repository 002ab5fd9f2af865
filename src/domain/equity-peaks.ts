/**
 * The highest mark-to-market equity over a sliding window of ticks, as a monotonic deque: [tick, equity] pairs, oldest
 * first, equities strictly decreasing. The first pair is the window's highest; each tick adds one pair and removes
 * each pair at most once, so the maximum costs O(1) amortised where a scan of the window would cost its length.
 * Plain JSON, never changed in place. Pure, sandbox-safe.
 */

export type EquityPeaks = Array<[tick: number, equity: number]>;

/**
 * The deque after tick `tickNo` closed with `equity`, over the last `windowCandles` ticks (this one included): pairs
 * that left the window go from the front, pairs no higher than `equity` from the back (they leave the window before it
 * and can never be its highest again). Copies at most the window's pairs; shares nothing mutable with `peaks`.
 */
export function nextEquityPeaks(peaks: Readonly<EquityPeaks>, tickNo: number, equity: number, windowCandles: number): EquityPeaks {
  const lastOutsideTick = tickNo - windowCandles;
  let start = 0;
  while (start < peaks.length && peaks[start]![0] <= lastOutsideTick) start++;
  let end = peaks.length;
  while (end > start && peaks[end - 1]![1] <= equity) end--;
  const next = peaks.slice(start, end);
  next.push([tickNo, equity]);
  return next;
}

/** The window's highest equity, or null before the first tick. */
export function windowPeak(peaks: Readonly<EquityPeaks>): number | null {
  return peaks.length === 0 ? null : peaks[0]![1];
}

/**
 * 1 - latest equity / the window's highest: 0 at a new high, 0.25 a quarter below it. 0 before the first tick or when
 * the highest equity is not positive (nothing to lose).
 */
export function windowDrawdown(peaks: Readonly<EquityPeaks>): number {
  if (peaks.length === 0) return 0;
  const peak = peaks[0]![1];
  const latest = peaks[peaks.length - 1]![1];
  return peak > 0 ? 1 - latest / peak : 0;
}
