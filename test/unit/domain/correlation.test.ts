import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CORRELATION_CONFIG,
  betaOf,
  correlationClusters,
  correlationGate,
  logReturnSeries,
  returnCorrelation,
  validateCorrelationConfig,
  type CorrelationConfig,
  type CorrelationGateInput,
} from '../../../src/domain/correlation.js';

/** Seeded uniform noise in [-0.5, 0.5) (mulberry32): the same series on every run. */
function noise(seed: number, length: number): Float64Array {
  let state = seed >>> 0;
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  }
  return out;
}

const mix = (...parts: Array<[number, Float64Array]>): Float64Array => {
  const out = new Float64Array(parts[0]![1].length);
  for (const [weight, series] of parts) for (let i = 0; i < out.length; i++) out[i] = out[i]! + weight * series[i]!;
  return out;
};

const N = 400;
const f1 = noise(1, N);
const f2 = noise(2, N);
const f3 = noise(3, N);

describe('returnCorrelation', () => {
  it('is 1 for identical or scaled series, -1 for opposite ones, about 0 for independent ones', () => {
    expect(returnCorrelation(f1, f1, 0, N)).toBeCloseTo(1, 12);
    expect(returnCorrelation(f1, mix([3, f1]), 0, N)).toBeCloseTo(1, 12);
    expect(returnCorrelation(f1, mix([-1, f1]), 0, N)).toBeCloseTo(-1, 12);
    const long = 5000;
    expect(Math.abs(returnCorrelation(noise(10, long), noise(11, long), 0, long))).toBeLessThan(0.05);
  });

  it('reads only the window [start, end)', () => {
    // Equal inside [100, 200), opposite outside.
    const b = mix([-1, f1]);
    b.set(f1.subarray(100, 200), 100);
    expect(returnCorrelation(f1, b, 100, 200)).toBeCloseTo(1, 12);
    expect(returnCorrelation(f1, b, 0, 100)).toBeCloseTo(-1, 12);
  });

  it('is NaN without a usable window', () => {
    const gap = Float64Array.from(f1);
    gap[50] = NaN;
    expect(returnCorrelation(f1, gap, 40, 60)).toBeNaN();
    expect(returnCorrelation(f1, gap, 51, 60)).not.toBeNaN();
    expect(returnCorrelation(f1, new Float64Array(N).fill(0.01), 0, N)).toBeNaN();
    expect(returnCorrelation(f1, f2, 10, 11)).toBeNaN();
    expect(returnCorrelation(f1, f2, N - 10, N + 1)).toBeNaN();
    expect(returnCorrelation(f1, f2, -1, 10)).toBeNaN();
  });
});

describe('betaOf', () => {
  it('is the slope of the coin on the market', () => {
    expect(betaOf(mix([2, f1]), f1, 0, N)).toBeCloseTo(2, 12);
    // Independent noise adds variance but, over many returns, no slope.
    const long = 5000;
    const market = noise(20, long);
    expect(betaOf(mix([1.5, market], [1, noise(21, long)]), market, 0, long)).toBeCloseTo(1.5, 1);
    expect(betaOf(f1, new Float64Array(N), 0, N)).toBeNaN();
  });
});

describe('logReturnSeries', () => {
  it('aligns returns with closes and carries a gap\'s move to the next close', () => {
    const returns = logReturnSeries([NaN, 100, 110, NaN, 121, 0, 121]);
    expect(returns[0]).toBeNaN();
    expect(returns[1]).toBeNaN();
    expect([...returns.subarray(2)]).toEqual([Math.log(1.1), 0, Math.log(121 / 110), 0, 0]);
  });
});

describe('correlationClusters', () => {
  // Two groups built on common factors, a coin on its own, and one without a full window.
  const returns: Record<string, Float64Array> = {
    'SOL/USDT': mix([1, f1], [0.2, noise(4, N)]),
    'BTC/USDT': mix([1, f1], [0.2, noise(5, N)]),
    'ETH/USDT': mix([1, f1], [0.2, noise(6, N)]),
    'DOGE/USDT': mix([1, f2], [0.2, noise(7, N)]),
    'SHIB/USDT': mix([1, f2], [0.2, noise(8, N)]),
    'XMR/USDT': f3,
    'NEW/USDT': (() => {
      const series = mix([1, f1]);
      series.fill(NaN, 0, 300);
      return series;
    })(),
  };

  it('groups correlated coins under their alphabetically first symbol', () => {
    expect(correlationClusters(returns, N, 200, 0.8)).toEqual({
      'BTC/USDT': 'BTC/USDT',
      'DOGE/USDT': 'DOGE/USDT',
      'ETH/USDT': 'BTC/USDT',
      'NEW/USDT': 'NEW/USDT',
      'SHIB/USDT': 'DOGE/USDT',
      'SOL/USDT': 'BTC/USDT',
      'XMR/USDT': 'XMR/USDT',
    });
    // A constant series (a stablecoin) correlates with nothing, not even its twin, though a float mean of 0.01s leaves
    // the same rounding noise in both.
    const stable = correlationClusters({ ...returns, 'USDC/USDT': new Float64Array(N).fill(0.01), 'DAI/USDT': new Float64Array(N).fill(0.01) }, N, 200, 0.8);
    expect([stable['USDC/USDT'], stable['DAI/USDT']]).toEqual(['USDC/USDT', 'DAI/USDT']);
    // Once its window is all data, the new listing joins its group.
    expect(correlationClusters(returns, N, 100, 0.8)['NEW/USDT']).toBe('BTC/USDT');
  });

  it('links through chains (single linkage) and reads a Map like a record', () => {
    // A and C are independent; B is half of each (correlation ~0.7 with both).
    const chain = new Map([
      ['C/USDT', f2],
      ['B/USDT', mix([Math.SQRT1_2, f1], [Math.SQRT1_2, f2])],
      ['A/USDT', f1],
    ]);
    expect(correlationClusters(chain, N, N, 0.6)).toEqual({ 'A/USDT': 'A/USDT', 'B/USDT': 'A/USDT', 'C/USDT': 'A/USDT' });
    expect(correlationClusters(chain, N, N, 0.8)).toEqual({ 'A/USDT': 'A/USDT', 'B/USDT': 'B/USDT', 'C/USDT': 'C/USDT' });
  });

  it('does not depend on the order of its input', () => {
    const names = fc.uniqueArray(fc.stringMatching(/^[A-Z]{1,4}$/), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(names, fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 12, maxLength: 12 }), fc.array(fc.double(), { minLength: 12, maxLength: 12 }), fc.integer(), (symbols, factorOf, sortKeys, seed) => {
        const factors = [f1, f2, f3, noise(9, N)];
        const entries = symbols.map((symbol, i) => [`${symbol}/USDT`, mix([1, factors[factorOf[i]!]!], [0.3, noise(seed + i, N)])] as const);
        const reference = correlationClusters(Object.fromEntries(entries), N, 150, 0.7);
        const shuffled = entries.map((entry, i) => ({ entry, key: sortKeys[i]! })).sort((a, b) => a.key - b.key).map(({ entry }) => entry);
        expect(correlationClusters(new Map(shuffled), N, 150, 0.7)).toEqual(reference);
        expect(correlationClusters(new Map([...entries].reverse()), N, 150, 0.7)).toEqual(reference);
        // Every cluster id is a member, and the smallest one.
        for (const [symbol, id] of Object.entries(reference)) {
          expect(reference[id]).toBe(id);
          expect(id <= symbol).toBe(true);
        }
      }),
      { numRuns: 50 },
    );
  });
});

describe('correlationGate', () => {
  const ON: CorrelationConfig = { ...DEFAULT_CORRELATION_CONFIG, enabled: true, maxPositionsPerCluster: 3, maxBetaWeightedExposure: 1.5 };
  const clusters = { 'BTC/USDT': 'BTC/USDT', 'ETH/USDT': 'BTC/USDT', 'SOL/USDT': 'BTC/USDT', 'AVAX/USDT': 'BTC/USDT', 'XMR/USDT': 'XMR/USDT' };
  const gate = (overrides: Partial<CorrelationGateInput>) =>
    correlationGate({ symbol: 'AVAX/USDT', clusters, heldSymbols: [], betas: {}, exposureBySymbol: {}, candidateExposure: 0.02, config: ON, ...overrides });

  it('refuses a buy into a full cluster, with why', () => {
    const held = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'];
    expect(gate({ heldSymbols: held })).toBe('cluster of BTC/USDT already holds 3 of at most 3');
    expect(gate({ heldSymbols: held.slice(0, 2) })).toBeNull();
    expect(gate({ heldSymbols: held, config: { ...ON, maxPositionsPerCluster: 4 } })).toBeNull();
    // Other clusters, and coins the clustering never saw (their own cluster), do not count.
    expect(gate({ heldSymbols: [...held.slice(0, 2), 'XMR/USDT', 'PEPE/USDT'] })).toBeNull();
    expect(gate({ symbol: 'PEPE/USDT', heldSymbols: held })).toBeNull();
  });

  it('does not count the coin itself (topping up dust)', () => {
    expect(gate({ symbol: 'SOL/USDT', heldSymbols: ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'] })).toBeNull();
  });

  it('refuses a buy that lifts beta-weighted exposure above the cap, with why', () => {
    const held = { heldSymbols: ['BTC/USDT', 'XMR/USDT'], exposureBySymbol: { 'BTC/USDT': 0.5, 'XMR/USDT': 0.5 }, betas: { 'BTC/USDT': 1.2, 'XMR/USDT': -0.8, 'AVAX/USDT': 1.5 } };
    // held 0.5 x 1.2 + 0.5 x |-0.8| = 1.0; + 0.4 x 1.5 = 1.6 > 1.5.
    expect(gate({ ...held, candidateExposure: 0.4 })).toBe('beta-weighted exposure would reach 1.6 of equity, above the cap of 1.5 (held 1 + 0.4 x beta 1.5)');
    expect(gate({ ...held, candidateExposure: 0.3 })).toBeNull();
    // Exactly at the cap is allowed: 1.0 + 1/3 x 1.5.
    expect(gate({ ...held, candidateExposure: 1 / 3 })).toBeNull();
    expect(gate({ ...held, candidateExposure: 0.4, config: { ...ON, enabled: false } })).toBeNull();
  });

  it('counts an unknown beta as 1', () => {
    const input = { exposureBySymbol: { 'BTC/USDT': 1 }, candidateExposure: 0.6 };
    expect(gate(input)).toBe('beta-weighted exposure would reach 1.6 of equity, above the cap of 1.5 (held 1 + 0.6 x beta 1)');
    expect(gate({ ...input, betas: { 'BTC/USDT': NaN, 'AVAX/USDT': 0.5 } })).toBeNull();
  });
});

describe('validateCorrelationConfig', () => {
  it('accepts the defaults', () => {
    expect(validateCorrelationConfig(DEFAULT_CORRELATION_CONFIG)).toEqual([]);
  });

  it('names each bad key and value', () => {
    expect(
      validateCorrelationConfig({ enabled: 1, window: 5, threshold: 1.2, maxPositionsPerCluster: 0, maxBetaWeightedExposure: -1, recomputeCandles: 2.5 }),
    ).toEqual([
      'correlation.enabled must be true or false (got 1)',
      'correlation.window must be an integer from 10 to 5000 (got 5)',
      'correlation.threshold must be a correlation in (0, 1] (got 1.2)',
      'correlation.maxPositionsPerCluster must be an integer from 1 to 2000 (got 0)',
      'correlation.maxBetaWeightedExposure must be a fraction of equity in (0, 100] (got -1)',
      'correlation.recomputeCandles must be an integer from 1 to 10000 (got 2.5)',
    ]);
    expect(validateCorrelationConfig({ ...DEFAULT_CORRELATION_CONFIG, maxPerCluster: 3 })).toEqual([
      'unknown setting correlation.maxPerCluster; correlation settings: enabled, window, threshold, maxPositionsPerCluster, maxBetaWeightedExposure, recomputeCandles',
    ]);
    expect(validateCorrelationConfig([])).toEqual(['correlation must be an object of settings (got [])']);
  });
});
