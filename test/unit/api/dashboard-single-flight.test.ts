import { describe, expect, it } from 'vitest';
// @ts-expect-error: the dashboard's browser module is plain JavaScript, served as is
import { singleFlight } from '../../../src/api/dashboard/page.js';

describe('the dashboard refresh: one run at a time, and a call during a run is not lost', () => {
  it('runs once more after the run under way when called during it, and calls in the meantime share that run', async () => {
    const releases: Array<() => void> = [];
    let runs = 0;
    const refresh = singleFlight(() => {
      runs += 1;
      return new Promise<void>((resolve) => releases.push(resolve));
    }) as () => Promise<void>;

    const first = refresh(); // the timer's refresh
    const click = refresh(); // a click while it runs: what the click selected must still be drawn
    const anotherClick = refresh();
    expect(runs).toBe(1); // never two at once
    releases[0]!();
    await first;
    await Promise.resolve();
    expect(runs).toBe(2); // the follow-up run, without waiting for the next timer tick
    releases[1]!();
    await Promise.all([click, anotherClick]);
    expect(runs).toBe(2); // the two calls shared one follow-up
    const later = refresh();
    expect(runs).toBe(3); // idle again: a call starts a run at once
    releases[2]!();
    await later;
  });
});
