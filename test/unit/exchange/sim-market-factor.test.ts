import { describe, expect, it } from 'vitest';
import { Prng, hashInts } from '../../../src/exchange/prng.js';
import { MarketFactorPath } from '../../../src/exchange/sim-market-factor.js';
import { REGIMES } from '../../../src/exchange/sim-regimes.js';

describe('MarketFactorPath', () => {
  it('visits every regime and stays in each for a while (a Markov chain, not noise)', () => {
    const path = new MarketFactorPath(42, Date.UTC(2024, 0, 1), 3_600_000);
    path.extendTo(20_000);
    const visits = new Array<number>(REGIMES.length).fill(0);
    let switches = 0;
    for (let i = 0; i < path.length; i++) {
      visits[path.regimeAt(i)] = (visits[path.regimeAt(i)] ?? 0) + 1;
      if (i > 0 && path.regimeAt(i) !== path.regimeAt(i - 1)) switches++;
    }
    expect(visits.every((count) => count > 0)).toBe(true);
    expect(path.length / (switches + 1)).toBeGreaterThan(30); // mean stay: days of hourly candles
  });

  it('extends in pieces exactly as in one go', () => {
    const whole = new MarketFactorPath(9, 0, 300_000);
    whole.extendTo(1000);
    const pieces = new MarketFactorPath(9, 0, 300_000);
    for (const count of [1, 10, 333, 999, 1000]) pieces.extendTo(count);
    for (let i = 0; i < 1000; i++) {
      expect(pieces.returnAt(i)).toBe(whole.returnAt(i));
      expect(pieces.regimeAt(i)).toBe(whole.regimeAt(i));
    }
  });
});

describe('Prng', () => {
  it('draws standard normals and distinct streams per seed', () => {
    const prng = new Prng(hashInts(1, 2, 3));
    const draws = Array.from({ length: 20_000 }, () => prng.normal());
    const mean = draws.reduce((sum, x) => sum + x, 0) / draws.length;
    const variance = draws.reduce((sum, x) => sum + (x - mean) ** 2, 0) / draws.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    expect(hashInts(1, 2, 3)).not.toBe(hashInts(1, 2, 4));
    expect(hashInts(Date.UTC(2024, 0, 1))).not.toBe(hashInts(Date.UTC(2024, 0, 1) + 2 ** 32));
  });
});
