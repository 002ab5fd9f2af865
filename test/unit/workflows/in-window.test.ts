import { describe, expect, it } from 'vitest';
import { inWindow } from '../../../src/workflows/in-window.js';

/** A task per item that finishes when the test says so, recording what runs at once. */
function controlledRuns() {
  const finish = new Map<number, () => void>();
  const started: number[] = [];
  let running = 0;
  let maxRunning = 0;
  const run = (item: number) =>
    new Promise<string>((resolve) => {
      started.push(item);
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      finish.set(item, () => {
        running -= 1;
        resolve(`r${item}`);
      });
    });
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return { run, finish, started, settle, maxRunning: () => maxRunning };
}

describe('inWindow: coin children in a sliding window', () => {
  it('keeps at most `size` under way and starts the next item as soon as any one finishes, not when its wave does', async () => {
    const c = controlledRuns();
    const all = inWindow([0, 1, 2, 3, 4], 2, c.run);
    await c.settle();
    expect(c.started).toEqual([0, 1]);
    c.finish.get(1)!(); // the second finishes first: its place goes to item 2 while item 0 still runs
    await c.settle();
    expect(c.started).toEqual([0, 1, 2]);
    c.finish.get(2)!();
    await c.settle();
    expect(c.started).toEqual([0, 1, 2, 3]);
    for (const item of [0, 3]) c.finish.get(item)!();
    await c.settle();
    c.finish.get(4)!();
    expect(await all).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']); // results in the items' order, not finishing order
    expect(c.maxRunning()).toBe(2);
  });

  it('runs everything at once when the window is wider than the list, and returns [] for no items', async () => {
    expect(await inWindow([1, 2, 3], 100, async (x) => x * 2)).toEqual([2, 4, 6]);
    expect(await inWindow([], 10, async (x: number) => x)).toEqual([]);
  });
});
