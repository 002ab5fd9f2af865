import { describe, expect, it } from 'vitest';
import { StoredCandles, countAtOrBefore, countAtOrBeforeNear } from '../../../src/backtest/stored-candles.js';

const TF = 60_000;
/** Candles opening at minute 0..39, minutes 10-11 missing (an exchange outage in the data). */
const ts = Float64Array.from([...Array(40).keys()].filter((m) => m !== 10 && m !== 11).map((m) => m * TF));
const indexOf = (minute: number) => ts.indexOf(minute * TF);
const closedBy = (minute: number) => (minute + 1) * TF; // a tick at the close of the candle opening at `minute`

describe('StoredCandles: what the cycle\'s candle table holds, replayed', () => {
  it('stores the newest warm-up window on the first sync, then only newer candles', () => {
    const stored = new StoredCandles(ts, TF, 5, 1000);
    stored.sync(closedBy(7));
    expect(stored.window(7 * TF, 100)).toEqual([[indexOf(3), indexOf(7) + 1]]);
    stored.sync(closedBy(9));
    expect(stored.window(9 * TF, 100)).toEqual([[indexOf(3), indexOf(9) + 1]]);
    // The outage: two ticks with nothing new; the newest stored candle stays minute 9.
    stored.sync(closedBy(11));
    expect(stored.lastStoredTs()).toBe(9 * TF);
    stored.sync(closedBy(12));
    expect(stored.window(12 * TF, 4)).toEqual([[indexOf(7), indexOf(12) + 1]]); // minutes 7, 8, 9 and 12
  });

  it('fetches the newest window again after an absence longer than the warm-up, leaving a hole the window skips', () => {
    const stored = new StoredCandles(ts, TF, 5, 1000);
    stored.sync(closedBy(14));
    stored.sync(closedBy(30)); // 16 candles missing > warm-up 5: the newest 5 only
    expect(stored.window(30 * TF, 100)).toEqual([
      [indexOf(8), indexOf(14) + 1],
      [indexOf(26), indexOf(30) + 1],
    ]);
    expect(stored.window(30 * TF, 7)).toEqual([
      [indexOf(13), indexOf(14) + 1],
      [indexOf(26), indexOf(30) + 1],
    ]);
    // Evaluating an earlier tick sees only what was stored by then.
    expect(stored.window(13 * TF, 3)).toEqual([[indexOf(9), indexOf(13) + 1]]);
  });

  it('caps one fetch at the exchange call limit, as syncCandles does', () => {
    const stored = new StoredCandles(ts, TF, 20, 6);
    stored.sync(closedBy(30));
    expect(stored.window(30 * TF, 100)).toEqual([[indexOf(25), indexOf(30) + 1]]);
  });
});

describe('countAtOrBeforeNear', () => {
  it('answers as the binary search does from any hint: near, far, out of range, on repeated times and holes', () => {
    // Hourly times with a hole and a repeated time, so walking and searching meet every edge.
    const ts = Float64Array.from([0, 1, 2, 3, 3, 4, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20].map((h) => h * 3_600_000));
    const limits = [-1, 0, 1, 2.5, 3, 3.5, 4, 5, 9.99, 10, 15, 19, 20, 21].map((h) => h * 3_600_000);
    let compared = 0;
    for (const limit of limits) {
      for (let hint = -3; hint <= ts.length + 3; hint++) {
        expect(countAtOrBeforeNear(ts, limit, hint), `limit ${limit / 3_600_000} h, hint ${hint}`).toBe(countAtOrBefore(ts, limit));
        compared++;
      }
    }
    expect(compared).toBe(limits.length * (ts.length + 7));
    expect(countAtOrBeforeNear(new Float64Array(0), 5, 3)).toBe(0);
  });
});
