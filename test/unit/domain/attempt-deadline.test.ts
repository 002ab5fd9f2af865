import { describe, expect, it } from 'vitest';
import { DISPATCH_MARGIN_MS, attemptDeadlineMs, lateSendReason } from '../../../src/domain/attempt-deadline.js';

// An attempt that began at 1000 ms with a 60 s start-to-close: it is surely alive until 60 s in, less the margin.
const clock = { startedAtMs: 1_000, startToCloseTimeoutMs: 60_000 };
const deadline = 1_000 + 60_000 - DISPATCH_MARGIN_MS;

describe('attempt deadline', () => {
  it('is the start-to-close deadline moved earlier by the dispatch margin', () => {
    expect(attemptDeadlineMs(clock)).toBe(deadline);
  });

  it('lets a request through when its slot and its whole reply time fit before the deadline', () => {
    expect(lateSendReason(clock, 1_000, 0, 10_000)).toBeNull();
    expect(lateSendReason(clock, deadline - 10_000, 0, 10_000)).toBeNull();
    expect(lateSendReason(clock, 1_000, deadline - 1_000 - 10_000, 10_000)).toBeNull();
  });

  it('refuses before queueing when the rate limiter slot plus the reply time ends after the deadline, saying so', () => {
    const reason = lateSendReason(clock, 1_000, 50_000, 10_000);
    expect(reason).toBe('the rate limiter would send it in 50.0 s and its reply may take up to 10.0 s, but the attempt ends in 59.0 s (start-to-close 60.0 s)');
  });

  it('refuses right before sending when the reply could come after the deadline, or the deadline has passed', () => {
    expect(lateSendReason(clock, deadline - 9_999, 0, 10_000)).toMatch(/^its reply may take up to 10\.0 s, but the attempt ends in 10\.0 s/);
    expect(lateSendReason(clock, deadline + 2_500, 0, 0)).toBe("the attempt's deadline (start-to-close 60.0 s) passed 2.5 s ago");
    expect(lateSendReason(clock, deadline, 0, 0)).toMatch(/passed 0\.0 s ago/);
  });

  it('refuses when heartbeats stalled for more than half the heartbeat timeout, even well before the deadline', () => {
    const beating = { ...clock, lastHeartbeatAtMs: 5_000, heartbeatTimeoutMs: 10_000 };
    expect(lateSendReason(beating, 10_000, 0, 1_000)).toBeNull();
    expect(lateSendReason(beating, 10_001, 0, 1_000)).toBe('no heartbeat for 5.0 s (heartbeat timeout 10.0 s): the worker stalled and Temporal may have given this attempt up');
  });
});
