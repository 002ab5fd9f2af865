import { KeelError } from './errors.js';

/*
 * Where a replay over recorded candles starts and how many ticks it has: the rule the durable replay cycle and the
 * backtester share, so both tick over the same candle closes.
 */

export interface ReplayWindow {
  /** Close time of the first tick's candle. */
  marketStartMs: number;
  /** Ticks the data holds from there (capped by maxTicks when given). */
  maxTicks: number;
}

/**
 * Starts at the first candle close after the warm-up window of the median symbol (symbols listed later than the rest
 * would push a common start far out) and stops where the median symbol's data ends (symbols delisted early would cut
 * the replay short). `firstTs` and `lastTs` are each symbol's first and last candle open time.
 */
export function replayWindow(input: { firstTs: readonly number[]; lastTs: readonly number[]; warmupCandles: number; timeframeMs: number; maxTicks: number | null; timeframe: string; quote: string; what: string; fix: string }): ReplayWindow {
  const { timeframeMs } = input;
  const starts = [...input.firstTs].sort((a, b) => a - b);
  const ends = [...input.lastTs].sort((a, b) => a - b);
  if (starts.length === 0 || ends.length === 0) {
    throw new KeelError('InvalidConfig', `${input.what} has no ${input.timeframe} candles for ${input.quote}; ${input.fix}`);
  }
  const marketStartMs = starts[Math.floor(starts.length / 2)]! + input.warmupCandles * timeframeMs;
  const lastCloseMs = ends[Math.floor(ends.length / 2)]! + timeframeMs;
  const ticksInData = Math.floor((lastCloseMs - marketStartMs) / timeframeMs) + 1;
  if (ticksInData < 1) {
    throw new KeelError(
      'InvalidConfig',
      `${input.what} has too few ${input.timeframe} candles for a warm-up of ${input.warmupCandles}: most symbols end at ${new Date(lastCloseMs).toISOString()}; lower warmupCandles or add data`,
    );
  }
  return { marketStartMs, maxTicks: input.maxTicks === null ? ticksInData : Math.min(input.maxTicks, ticksInData) };
}
