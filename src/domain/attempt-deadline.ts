/**
 * Whether one activity attempt may still send a request that must not outlive it (an order placement). When an
 * attempt times out, Temporal starts the next one while the old one keeps running in its worker (nothing stops a
 * function): a create sent by the old attempt after that can land after the new attempt has looked the order up and
 * found nothing, and the order is placed twice. So an attempt sends such a request only if its reply (or ccxt giving
 * up on it) is due before the attempt's deadline, and only while its heartbeats are on time.
 *
 * All times are milliseconds on one monotonic clock (performance.now() in the worker).
 */

/**
 * How much earlier than the worker's own start of the attempt the server may have started it (the task's trip from
 * the server to the function): the deadline the worker computes is moved this much earlier.
 */
export const DISPATCH_MARGIN_MS = 1_000;

/**
 * The share of the heartbeat timeout a gap between heartbeats may reach. A longer gap means the worker stalled (a
 * blocked event loop, a paused process): the server may have given the attempt up for a missed heartbeat and started
 * the next one, so the attempt must not send anything more. A stall that long is also far beyond a healthy worker's.
 */
export const HEARTBEAT_GAP_SHARE = 0.5;

export interface AttemptClock {
  /** When the attempt began in the worker. */
  startedAtMs: number;
  /** Its start-to-close timeout (Temporal's activity info). */
  startToCloseTimeoutMs: number;
  /** When the worker last heartbeat, and the heartbeat timeout; absent when the attempt has none. */
  lastHeartbeatAtMs?: number;
  heartbeatTimeoutMs?: number;
}

/** The latest time the attempt is surely still alive at the server (its start-to-close deadline, less the dispatch margin). */
export function attemptDeadlineMs(clock: Pick<AttemptClock, 'startedAtMs' | 'startToCloseTimeoutMs'>): number {
  return clock.startedAtMs + clock.startToCloseTimeoutMs - DISPATCH_MARGIN_MS;
}

/**
 * Why a request that would be sent `sendInMs` from `nowMs` and may take up to `requestMs` must not be sent by this
 * attempt, or null when it may. `sendInMs` is the wait for the rate limiter's slot (0 right before sending); `requestMs`
 * is the request timeout, after which the caller gives up on the reply.
 */
export function lateSendReason(clock: AttemptClock, nowMs: number, sendInMs: number, requestMs: number): string | null {
  if (clock.lastHeartbeatAtMs !== undefined && clock.heartbeatTimeoutMs !== undefined) {
    const gapMs = nowMs - clock.lastHeartbeatAtMs;
    if (gapMs > clock.heartbeatTimeoutMs * HEARTBEAT_GAP_SHARE) {
      return `no heartbeat for ${seconds(gapMs)} (heartbeat timeout ${seconds(clock.heartbeatTimeoutMs)}): the worker stalled and Temporal may have given this attempt up`;
    }
  }
  const deadlineMs = attemptDeadlineMs(clock);
  const leftMs = deadlineMs - nowMs;
  if (leftMs <= 0) return `the attempt's deadline (start-to-close ${seconds(clock.startToCloseTimeoutMs)}) passed ${seconds(-leftMs)} ago`;
  if (sendInMs + requestMs > leftMs) {
    const queued = sendInMs > 0 ? `the rate limiter would send it in ${seconds(sendInMs)} and ` : '';
    return `${queued}its reply may take up to ${seconds(requestMs)}, but the attempt ends in ${seconds(leftMs)} (start-to-close ${seconds(clock.startToCloseTimeoutMs)})`;
  }
  return null;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
