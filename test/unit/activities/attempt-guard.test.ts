import { describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { guardedAttempt } from '../../../src/activities/attempt-guard.js';
import type { AttemptGuard } from '../../../src/exchange/port.js';

// Attempts these tests stop on purpose would otherwise be logged as failed activities.
const quiet = new DefaultLogger('ERROR');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves when the guard's signal aborts (or after `ms`, whichever comes first). */
function abortedOrAfter(guard: AttemptGuard, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    guard.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}

describe('guardedAttempt', () => {
  it('heartbeats every second while the work waits, not only when it starts', async () => {
    const env = new MockActivityEnvironment({ startToCloseTimeoutMs: 60_000, heartbeatTimeoutMs: 10_000 }, { logger: quiet });
    let heartbeats = 0;
    env.on('heartbeat', () => heartbeats++);
    const refusal = await env.run(() =>
      guardedAttempt(async (guard) => {
        await sleep(2_300);
        return guard.refusal(0, 10_000);
      }),
    );
    expect(refusal).toBeNull();
    // One at the start, then one a second.
    expect(heartbeats).toBeGreaterThanOrEqual(3);
  });

  it('aborts the signal and refuses once Temporal cancels the attempt (a timeout learned from a heartbeat)', async () => {
    const env = new MockActivityEnvironment({ startToCloseTimeoutMs: 60_000, heartbeatTimeoutMs: 10_000 }, { logger: quiet });
    setTimeout(() => env.cancel('TIMED_OUT'), 200);
    const started = performance.now();
    const refusal = await env.run(() =>
      guardedAttempt(async (guard) => {
        expect(guard.refusal(0, 10_000)).toBeNull();
        await abortedOrAfter(guard, 10_000);
        return guard.refusal(0, 0);
      }),
    );
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(refusal).toMatch(/^Temporal cancelled the attempt \(.*TIMED_OUT.*\)$/);
  });

  it("refuses once the attempt's start-to-close deadline has passed, though nothing cancelled it", async () => {
    // 1.5 s less the 1 s dispatch margin: the attempt is surely alive for 0.5 s.
    const env = new MockActivityEnvironment({ startToCloseTimeoutMs: 1_500, heartbeatTimeoutMs: 10_000 }, { logger: quiet });
    const [before, after] = (await env.run(() =>
      guardedAttempt(async (guard) => {
        const early = guard.refusal(0, 0);
        await sleep(600);
        return [early, guard.refusal(0, 0)];
      }),
    )) as Array<string | null>;
    expect(before).toBeNull();
    expect(after).toMatch(/^the attempt's deadline \(start-to-close 1\.5 s\) passed/);
  });
});
