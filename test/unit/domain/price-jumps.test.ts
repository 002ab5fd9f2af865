import { describe, expect, it } from 'vitest';
import { priceJumps } from '../../../src/domain/price-jumps.js';

describe('priceJumps', () => {
  it('finds steps of at least the factor either way between consecutive closes, and nothing in ordinary moves', () => {
    const ts = [0, 1, 2, 3, 4, 5];
    expect(priceJumps(ts, [1, 1.5, 0.9, 2, 1, 1.9])).toEqual([]);
    expect(priceJumps(ts, [1, 1.1, 11, 12, 1.2, 1.2])).toEqual([
      { fromTs: 1, toTs: 2, fromClose: 1.1, toClose: 11 },
      { fromTs: 3, toTs: 4, fromClose: 12, toClose: 1.2 },
    ]);
    expect(priceJumps(ts.slice(0, 2), [1, 5], 5)).toHaveLength(1);
  });
});
