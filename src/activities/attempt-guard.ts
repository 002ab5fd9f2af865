import { Context } from '@temporalio/activity';
import { lateSendReason } from '../domain/attempt-deadline.js';
import type { AttemptGuard } from '../exchange/port.js';

/**
 * How often a guarded attempt heartbeats. The SDK sends at most one heartbeat per 80% of the heartbeat timeout; beating
 * more often keeps one always pending, and the guard's stall check (see lateSendReason) sees a late timer at once.
 */
const HEARTBEAT_INTERVAL_MS = 1_000;

/**
 * Runs one attempt of an activity that writes to an account (an order placement): heartbeats every second while it
 * runs, waits included, because a TypeScript activity learns that Temporal cancelled it or timed it out only from a
 * heartbeat's reply; and hands `work` a guard that refuses to send once the attempt is cancelled, its heartbeats
 * stalled, or its start-to-close deadline would pass before the reply (see lateSendReason).
 */
export async function guardedAttempt<T>(work: (guard: AttemptGuard) => Promise<T>): Promise<T> {
  const context = Context.current();
  const { startToCloseTimeoutMs, heartbeatTimeoutMs } = context.info;
  const signal = context.cancellationSignal;
  const startedAtMs = performance.now();
  let lastHeartbeatAtMs = startedAtMs;
  const beat = () => {
    context.heartbeat();
    lastHeartbeatAtMs = performance.now();
  };
  const guard: AttemptGuard = {
    signal,
    refusal(sendInMs, requestMs) {
      if (signal.aborted) return `Temporal cancelled the attempt (${cancellationReason(signal)})`;
      const clock = { startedAtMs, startToCloseTimeoutMs, ...(heartbeatTimeoutMs !== undefined && { lastHeartbeatAtMs, heartbeatTimeoutMs }) };
      return lateSendReason(clock, performance.now(), sendInMs, requestMs);
    },
  };
  beat();
  const timer = setInterval(beat, HEARTBEAT_INTERVAL_MS);
  try {
    return await work(guard);
  } finally {
    clearInterval(timer);
  }
}

/** The SDK's reason (a CancelledFailure naming CANCELLED, TIMED_OUT, NOT_FOUND, ...). */
function cancellationReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason.message;
  return reason === undefined ? 'no reason given' : String(reason);
}
