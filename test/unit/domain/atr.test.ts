import fc from 'fast-check';
import { ATR } from 'trading-signals';
import { describe, expect, it } from 'vitest';
import { atrOf } from '../../../src/domain/atr.js';

// Candle 4's true range is 2 with candle 3's close (13) but 1 (high - low) as the first candle of a window;
// candle 5 gaps up, so its true range (8.5) comes from the previous close, not from high - low (2).
const high = Float64Array.from([10, 12, 11.5, 14, 12, 20, 19.5]);
const low = Float64Array.from([8, 9, 10, 10, 11, 18, 17]);
const close = Float64Array.from([9, 11, 10.5, 13, 11.5, 19, 18]);

describe('atrOf (Wilder)', () => {
  it('matches a hand computation: mean of the first period true ranges, then smoothed with 1/period', () => {
    // True ranges 2, 3, 1.5, 4, 2, 8.5, 2.5. Period 3: 13/6 after three, then (2·prev + tr) / 3 each candle.
    expect(atrOf(high, low, close, 0, 4, 3)).toBeCloseTo(25 / 9, 12);
    expect(atrOf(high, low, close, 0, 6, 3)).toBeCloseTo(365.5 / 81, 12);
    expect(atrOf(high, low, close, 0, 7, 3)).toBeCloseTo(933.5 / 243, 12);
  });

  it("takes the window's first candle's true range as high - low (window-exact, like the signal kernel)", () => {
    // Window [4, 7), period 2: true ranges 1 (not 2), 8.5, 2.5 -> (1 + 8.5) / 2 = 4.75 -> (2.5 - 4.75) / 2 + 4.75.
    expect(atrOf(high, low, close, 4, 7, 2)).toBe(3.625);
  });

  it('is NaN when the window holds fewer than period + 1 candles', () => {
    expect(atrOf(high, low, close, 0, 3, 3)).toBeNaN();
    expect(atrOf(high, low, close, 2, 2, 1)).toBeNaN();
    expect(atrOf(high, low, close, 5, 7, 1)).toBe(2.5);
  });

  it('refuses a bad period or a window outside the arrays with a message naming it', () => {
    expect(() => atrOf(high, low, close, 0, 7, 0)).toThrow('ATR period must be a positive integer (got 0)');
    expect(() => atrOf(high, low, close, 0, 7, 2.5)).toThrow('ATR period must be a positive integer (got 2.5)');
    expect(() => atrOf(high, low, close, 0, 8, 2)).toThrow('window [0, 8) is outside the 7 candles given');
    expect(() => atrOf(high, low, close, -1, 3, 2)).toThrow('window [-1, 3)');
  });

  it("equals trading-signals' ATR fed the window's candles, to the bit", () => {
    const candle = fc
      .tuple(fc.double({ min: 1, max: 1000, noNaN: true }), fc.double({ min: 0, max: 0.2, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }))
      .map(([base, spread, at]) => ({ high: base * (1 + spread), low: base, close: base * (1 + spread * at) }));
    fc.assert(
      fc.property(fc.array(candle, { minLength: 2, maxLength: 60 }), fc.integer({ min: 1, max: 20 }), fc.nat(), (candles, period, startSeed) => {
        const start = startSeed % candles.length;
        const end = candles.length;
        const ours = atrOf(candles.map((c) => c.high), candles.map((c) => c.low), candles.map((c) => c.close), start, end, period);
        if (end - start < period + 1) {
          expect(ours).toBeNaN();
          return;
        }
        const reference = new ATR(period);
        let last: number | null = null;
        for (const c of candles.slice(start, end)) last = reference.add(c);
        expect(ours).toBe(last);
      }),
      { numRuns: 200 },
    );
  });
});
