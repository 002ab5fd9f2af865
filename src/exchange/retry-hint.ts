/** Longest wait keel takes from a server hint; beyond it the retry policy's own backoff is the better guide. */
export const MAX_RETRY_HINT_MS = 3_600_000;

const RETRY_AFTER = /retry[-_ ]?after["'\s:=]*(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|secs?|seconds?)?\b/i;
const BANNED_UNTIL = /banned until (\d{12,14})/i;

/**
 * Finds how long the server asked us to wait in an error message: a Retry-After value ("Retry-After: 30",
 * "retry_after":1.5, "retry after 1500 ms") or Binance's "IP banned until <epoch ms>". A bare number is seconds (the
 * HTTP header's unit) unless it is above 600, which no server means as seconds; then it is milliseconds.
 * Returns undefined when there is no hint.
 */
export function parseRetryAfterMs(message: string, nowMs: number = Date.now()): number | undefined {
  const banned = BANNED_UNTIL.exec(message);
  if (banned?.[1] !== undefined) return clamp(Number(banned[1]) - nowMs);
  const match = RETRY_AFTER.exec(message);
  if (match?.[1] === undefined) return undefined;
  const value = Number(match[1]);
  const unit = match[2]?.toLowerCase();
  if (unit === undefined) return clamp(value > 600 ? value : value * 1000);
  return clamp(unit.startsWith('m') ? value : value * 1000);
}

function clamp(ms: number): number {
  return Math.round(Math.min(MAX_RETRY_HINT_MS, Math.max(0, ms)));
}
