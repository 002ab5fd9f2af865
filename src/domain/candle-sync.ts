/*
 * Which candles a coin's sync asks the exchange for: the rule syncCandles applies to the live candle table and the
 * backtester applies to its replay of that table, so both evaluate the same window. Pure.
 */

/** The most candles one sync asks for in one exchange call. */
export const MAX_CANDLES_PER_CALL = 1000;

/** An OHLCV request: the oldest `limit` candles from sinceMs, or without sinceMs the newest `limit`, closed by untilMs. */
export interface CandleSyncRequest {
  sinceMs?: number;
  limit: number;
}

/**
 * The first sync loads the warm-up window in one call; later syncs ask only for candles newer than the newest stored
 * one; after an absence longer than the warm-up, the newest window again (older gaps do not matter to the signal).
 * Null when the stored candles are already up to date at `untilMs`.
 */
export function candleSyncRequest(input: { lastStoredTs: number | null; untilMs: number; timeframeMs: number; warmupCandles: number; maxCandlesPerCall?: number }): CandleSyncRequest | null {
  const { lastStoredTs, timeframeMs, warmupCandles } = input;
  const newestClosedOpenTs = Math.floor(input.untilMs / timeframeMs) * timeframeMs - timeframeMs;
  if (lastStoredTs !== null && lastStoredTs >= newestClosedOpenTs) return null;
  const missing = lastStoredTs === null ? warmupCandles : Math.round((newestClosedOpenTs - lastStoredTs) / timeframeMs);
  const incremental = lastStoredTs !== null && missing <= warmupCandles;
  const limit = Math.min(input.maxCandlesPerCall ?? MAX_CANDLES_PER_CALL, incremental ? missing : warmupCandles);
  return incremental ? { sinceMs: lastStoredTs + timeframeMs, limit } : { limit };
}
