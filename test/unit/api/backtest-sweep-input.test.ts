import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKTEST_DEFAULTS, backtestSweepFor } from '../../../src/api/backtests.js';
import { startBacktestsBodySchema } from '../../../src/api/backtest-validation.js';

describe('backtestSweepFor', () => {
  it('numbers a sweep\'s runs so they sort in run order as text (a sweep is listed by run id)', () => {
    const body = startBacktestsBodySchema.parse({ sweep: { 'signal.buyThreshold': Array.from({ length: 10 }, (_, i) => (i + 1) / 20) } });
    const input = backtestSweepFor(body, DEFAULT_BACKTEST_DEFAULTS, 'p-', 'bt-x');
    const ids = input.runs.map((r) => r.runId);
    expect(ids[0]).toBe('bt-x/01');
    expect(ids.at(-1)).toBe('bt-x/10');
    expect([...ids].sort()).toEqual(ids);
    expect(input.runs.map((r) => r.config.signal?.buyThreshold)).toEqual(Array.from({ length: 10 }, (_, i) => (i + 1) / 20));
  });
});
