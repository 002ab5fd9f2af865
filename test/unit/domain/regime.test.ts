import { describe, expect, it } from 'vitest';
import { classifyRegime, DEFAULT_REGIME_THRESHOLDS, measureRegime, smaDifferenceNoise } from '../../../src/domain/regime.js';
import { candlesFromCloses, hasRealCandles, loadCandles, syntheticCloses } from './real-candles.js';

/** 100, 100*(1+a), 100, ...: no drift, constant volatility. */
const zigzag = (count: number, amplitude: number, start = 100): number[] => Array.from({ length: count }, (_, i) => start * (i % 2 ? 1 + amplitude : 1));

describe('smaDifferenceNoise', () => {
  it('matches hand-counted return weights', () => {
    // window 2, lookback 1: (c_t + c_{t-1})/2 - (c_{t-1} + c_{t-2})/2 = (r_t + r_{t-1})/2 -> sqrt(1/4 + 1/4).
    expect(smaDifferenceNoise(2, 1)).toBeCloseTo(Math.SQRT1_2, 12);
    // window 20, lookback 10: the 29 weights are k/20 for k = 1..9, then 10 (11 times), then 9..1.
    expect(smaDifferenceNoise(20, 10) ** 2).toBeCloseTo((2 * 285 + 11 * 100) / 400, 12);
  });
});

describe('measureRegime on crafted series', () => {
  it('a zigzag with no drift is ranging with a volatility ratio of 1', () => {
    const reading = measureRegime(zigzag(100, 0.01), 20);
    expect(reading.regime).toBe('ranging');
    expect(reading.volatilityRatio).toBeCloseTo(1, 9);
    expect(Math.abs(reading.trendStrength)).toBeLessThan(0.1);
  });

  it('a noisy walk drifting +1% per candle is trending_up, -1% trending_down', () => {
    // sigma 1%, drift 1%: the 20-SMA moves ~10% in 10 candles against noise of ~0.02 -> strength ~5.
    const up = measureRegime(syntheticCloses(100, 11, 100, 0.01, 0.01), 20);
    expect(up.regime).toBe('trending_up');
    expect(up.trendStrength).toBeGreaterThan(3);
    const down = measureRegime(syntheticCloses(100, 11, 100, 0.01, -0.01), 20);
    expect(down.regime).toBe('trending_down');
    expect(down.trendStrength).toBeLessThan(-3);
  });

  it('a smooth exponential trend (zero volatility) is a trend, not a division by zero', () => {
    const reading = measureRegime(Array.from({ length: 60 }, (_, i) => 100 * 1.002 ** i), 20);
    expect(reading).toEqual({ regime: 'trending_up', trendStrength: 100, volatilityRatio: 1 });
  });

  it('a volatility burst is volatile, even inside a trend', () => {
    const quiet = zigzag(80, 0.005);
    const burst = Array.from({ length: 20 }, (_, i) => 100 * 1.03 ** i * (i % 2 ? 1.06 : 1));
    const reading = measureRegime([...quiet, ...burst], 20);
    expect(reading.volatilityRatio).toBeGreaterThan(DEFAULT_REGIME_THRESHOLDS.volatilityRatio);
    expect(reading.regime).toBe('volatile');
    // The same data with the volatility test switched off shows the trend underneath.
    expect(measureRegime([...quiet, ...burst], 20, { volatilityRatio: Infinity, trendStrength: 1.5 }).regime).toBe('trending_up');
  });

  it('too little history: ranging, and no volatility comparison below two windows', () => {
    expect(measureRegime(zigzag(20, 0.01), 20)).toEqual({ regime: 'ranging', trendStrength: 0, volatilityRatio: 1 });
    expect(measureRegime(zigzag(30, 0.01), 20).volatilityRatio).toBe(1);
    expect(() => measureRegime([1, 2, 3], 1)).toThrow('regime window must be an integer of at least 2 (got 1)');
  });

  it('classifyRegime reads candle closes', () => {
    expect(classifyRegime(candlesFromCloses(zigzag(100, 0.01)), 20)).toBe('ranging');
  });
});

describe.skipIf(!hasRealCandles)('measureRegime on recorded Binance 1h closes', () => {
  it('labels most windows ranging and some of each other regime', () => {
    const counts = { ranging: 0, trending_up: 0, trending_down: 0, volatile: 0 };
    for (const pair of ['BTC_USDT', 'ETH_USDT', 'ADA_USDT', 'DOGE_USDT']) {
      const closes = loadCandles(pair).map((c) => c.close);
      for (let end = 100; end <= closes.length; end += 11) counts[measureRegime(closes.slice(end - 100, end), 20).regime]++;
    }
    const total = Object.values(counts).reduce((a, b) => a + b);
    expect(counts.ranging / total).toBeGreaterThan(0.6);
    for (const regime of ['trending_up', 'trending_down', 'volatile'] as const) expect(counts[regime]).toBeGreaterThan(0);
  });
});
