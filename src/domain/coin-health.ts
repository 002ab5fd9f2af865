/** A coin's failure record: what the circuit breaker decides from. */
export interface CoinHealth {
  /** Consecutive ticks this coin failed. */
  consecutiveFailures: number;
  /** The circuit is open (coin skipped) until this tick number. */
  skipUntilTick: number;
  lastError: string | null;
}

/** After this many consecutive failed ticks a coin's circuit opens and the coin is skipped for a while. */
export const FAILURES_BEFORE_OPEN = 3;
const MAX_SKIP_TICKS = 32;

/**
 * Per-coin circuit breaker: a coin that keeps failing is skipped for 2, 4, 8 ... (at most 32) ticks instead of
 * burning exchange budget every tick; one success closes the circuit again.
 */
export function nextCoinHealth(previous: CoinHealth | undefined, outcome: { ok: true } | { ok: false; message: string }, tickNo: number): CoinHealth | undefined {
  if (outcome.ok) return undefined;
  const consecutiveFailures = (previous?.consecutiveFailures ?? 0) + 1;
  const opens = consecutiveFailures >= FAILURES_BEFORE_OPEN;
  const skipTicks = opens ? Math.min(MAX_SKIP_TICKS, 2 ** (consecutiveFailures - FAILURES_BEFORE_OPEN + 1)) : 0;
  return { consecutiveFailures, skipUntilTick: opens ? tickNo + 1 + skipTicks : 0, lastError: outcome.message.slice(0, 200) };
}

export function isCircuitOpen(health: CoinHealth | undefined, tickNo: number): boolean {
  return health !== undefined && health.skipUntilTick > tickNo;
}
