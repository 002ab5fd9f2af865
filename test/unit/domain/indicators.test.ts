import { describe, expect, it } from 'vitest';
import { EMA as RefEMA, MACD as RefMACD, RSI as RefRSI, SMA as RefSMA } from 'technicalindicators';
import {
  ema,
  emaSeries,
  logReturnVolatility,
  logReturns,
  macd,
  macdSeries,
  rsi,
  rsiSeries,
  sampleStdDev,
  sma,
  smaSeries,
} from '../../../src/domain/indicators.js';
import { hasRealCandles, loadCandles, syntheticCloses } from './real-candles.js';

// Wilder's RSI worked example as tabulated in StockCharts ChartSchool, "Relative Strength Index (RSI)"
// (https://chartschool.stockcharts.com/table-of-contents/technical-indicators-and-overlays/technical-indicators/relative-strength-index-rsi,
// spreadsheet cs-rsi.xls): 33 daily closes and the 14-period RSI from the 15th close on. StockCharts rounds the
// running averages to two decimals, so its column drifts up to ~0.07 from the exact recursion.
const WILDER_CLOSES = [
  44.34, 44.09, 44.15, 43.61, 44.33, 44.83, 45.1, 45.42, 45.84, 46.08, 45.89, 46.03, 45.61, 46.28, 46.28, 46.0, 46.03, 46.41, 46.22, 45.64, 46.21,
  46.25, 45.71, 46.45, 45.78, 45.35, 44.03, 44.18, 44.22, 44.57, 43.42, 42.66, 43.13,
];
const STOCKCHARTS_RSI = [70.53, 66.32, 66.55, 69.41, 66.36, 57.97, 62.93, 63.26, 56.06, 62.38, 54.71, 50.42, 39.99, 41.46, 41.87, 45.46, 37.3, 33.08, 37.77];

// StockCharts ChartSchool, "Moving Averages - Simple and Exponential" (spreadsheet cs-movavg.xls): 10-day SMA and
// EMA over 30 closes; the first SMA, 22.22, seeds StockCharts' EMA.
const MA_CLOSES = [
  22.27, 22.19, 22.08, 22.17, 22.18, 22.13, 22.23, 22.43, 22.24, 22.29, 22.15, 22.39, 22.38, 22.61, 23.36, 24.05, 23.75, 23.83, 23.95, 23.63, 23.82,
  23.87, 23.65, 23.19, 23.1, 23.33, 22.68, 23.1, 22.4, 22.17,
];
const STOCKCHARTS_FIRST_SMA10 = 22.22;
/** EMA(10) at closes 24..29 (0-based); StockCharts seeds it with the SMA at close 9. */
const STOCKCHARTS_EMA10_TAIL = [23.4, 23.39, 23.26, 23.23, 23.08, 22.92];

/**
 * Compares our series with technicalindicators' (which only emits defined values, so align on the last element)
 * from index `from` on.
 */
function compareTail(ours: readonly (number | null)[], reference: readonly number[], from: number, tolerance: (expected: number) => number, label: string): void {
  const offset = ours.length - reference.length;
  expect(offset).toBeGreaterThanOrEqual(0);
  for (let i = from; i < ours.length; i++) {
    const expected = reference[i - offset] as number;
    const actual = ours[i];
    expect(actual, `${label} @${i}`).not.toBeNull();
    expect(Math.abs((actual as number) - expected), `${label} @${i}`).toBeLessThanOrEqual(tolerance(expected));
  }
}

function crossCheck(closes: number[], label: string): void {
  // The seed's weight decays as (1 - 2 / (period + 1))^n: 20 periods leave about 1e-9 of it.
  const warmUp = (period: number): number => 20 * period;
  const n = closes.length;
  // technicalindicators rounds RSI to 2 decimals.
  compareTail(rsiSeries(closes, 14), RefRSI.calculate({ period: 14, values: closes }), 14, () => 0.0051, `${label} RSI14`);
  for (const period of [10, 20, 50]) {
    compareTail(smaSeries(closes, period), RefSMA.calculate({ period, values: closes }), period - 1, (x) => Math.abs(x) * 1e-9, `${label} SMA${period}`);
  }
  for (const period of [12, 26, 50]) {
    // technicalindicators seeds the EMA with an SMA, trading-signals with the first close: equal after warm-up.
    compareTail(emaSeries(closes, period), RefEMA.calculate({ period, values: closes }), warmUp(period), (x) => Math.abs(x) * 1e-9, `${label} EMA${period}`);
  }
  const ours = macdSeries(closes, 12, 26, 9);
  const reference = RefMACD.calculate({ values: closes, fastPeriod: 12, slowPeriod: 26, signalPeriod: 9, SimpleMAOscillator: false, SimpleMASignal: false });
  const offset = n - reference.length;
  for (let i = warmUp(26 + 9); i < n; i++) {
    const r = reference[i - offset];
    const o = ours[i];
    const price = closes[i] as number;
    expect(o, `${label} MACD @${i}`).not.toBeNull();
    // Absolute gaps measured against the price: MACD values are differences of prices.
    expect(Math.abs((o?.macd as number) - (r?.MACD as number)) / price, `${label} MACD line @${i}`).toBeLessThan(1e-9);
    expect(Math.abs((o?.signal as number) - (r?.signal as number)) / price, `${label} MACD signal @${i}`).toBeLessThan(1e-9);
    expect(Math.abs((o?.histogram as number) - (r?.histogram as number)) / price, `${label} MACD histogram @${i}`).toBeLessThan(1e-9);
  }
}

describe('textbook values', () => {
  it('RSI(14) reproduces Wilder / StockCharts', () => {
    const series = rsiSeries(WILDER_CLOSES, 14);
    expect(series.slice(0, 14)).toEqual(Array(14).fill(null));
    // First value by hand: the first 14 changes hold gains summing 3.34 and losses summing 1.40.
    expect(series[14]).toBeCloseTo(100 - 100 / (1 + 3.34 / 1.4), 10);
    expect(series[14]).toBeCloseTo(70.4641, 4);
    STOCKCHARTS_RSI.forEach((published, i) => {
      expect(Math.abs((series[14 + i] as number) - published), `RSI @${14 + i}`).toBeLessThan(0.08);
    });
    expect(rsi(WILDER_CLOSES, 14)).toBe(series[series.length - 1]);
  });

  it('SMA(10) reproduces StockCharts', () => {
    const series = smaSeries(MA_CLOSES, 10);
    expect(series[8]).toBeNull();
    expect(series[9]).toBeCloseTo(STOCKCHARTS_FIRST_SMA10, 2);
    for (let i = 9; i < MA_CLOSES.length; i++) {
      expect(series[i]).toBeCloseTo(MA_CLOSES.slice(i - 9, i + 1).reduce((a, b) => a + b) / 10, 12);
    }
    expect(sma(MA_CLOSES, 10)).toBe(series[series.length - 1]);
  });

  it('EMA(10) converges to StockCharts once the seed has decayed', () => {
    const series = emaSeries(MA_CLOSES, 10);
    expect(series[8]).toBeNull();
    expect(series[9]).not.toBeNull();
    STOCKCHARTS_EMA10_TAIL.forEach((published, i) => {
      const index = MA_CLOSES.length - STOCKCHARTS_EMA10_TAIL.length + i;
      expect(Math.abs((series[index] as number) - published), `EMA @${index}`).toBeLessThan(0.01);
    });
    expect(ema(MA_CLOSES, 10)).toBe(series[series.length - 1]);
  });

  it('MACD is EMA(fast) - EMA(slow), the signal an EMA of it, the histogram their gap', () => {
    const closes = syntheticCloses(200, 7);
    const line = macdSeries(closes, 12, 26, 9);
    const fast = emaSeries(closes, 12);
    const slow = emaSeries(closes, 26);
    expect(line[24]).toBeNull();
    expect(line[25]).not.toBeNull();
    for (let i = 25; i < closes.length; i++) {
      const v = line[i];
      expect(v?.macd).toBeCloseTo((fast[i] as number) - (slow[i] as number), 10);
      expect(v?.histogram).toBeCloseTo((v?.macd as number) - (v?.signal as number), 12);
    }
    const macdLine = line.slice(25).map((v) => v?.macd as number);
    expect(line[line.length - 1]?.signal).toBeCloseTo(emaSeries(macdLine, 9)[macdLine.length - 1] as number, 10);
    expect(macd(closes, 12, 26, 9)).toEqual(line[line.length - 1]);
  });

  it('RSI edge cases: only gains 100, only losses 0, a frozen market 50', () => {
    const rising = Array.from({ length: 30 }, (_, i) => 10 + i);
    expect(rsi(rising, 14)).toBe(100);
    expect(rsi([...rising].reverse(), 14)).toBe(0);
    expect(rsi(Array(30).fill(7), 14)).toBe(50);
    expect(rsi(rising.slice(0, 14), 14)).toBeNull();
  });

  it('rejects nonsense periods', () => {
    expect(() => smaSeries([1, 2, 3], 0)).toThrow('SMA period must be a positive integer (got 0)');
    expect(() => macdSeries([1, 2, 3], 26, 12, 9)).toThrow('MACD fast period (26) must be shorter than slow period (12)');
    expect(() => logReturnVolatility([1, 2, 3], 1)).toThrow('volatility window must be an integer of at least 2 (got 1)');
  });
});

describe('logReturnVolatility', () => {
  it('is the sample standard deviation of the last `window` log returns', () => {
    // Returns ln(2), ln(1/2), ln(2): mean ln(2)/3; squared deviations (2ln2/3)^2, (4ln2/3)^2, (2ln2/3)^2 sum to 24(ln2)^2/9.
    const closes = [5, 1, 2, 1, 2];
    const expected = Math.sqrt((24 * Math.LN2 ** 2) / 9 / 2);
    expect(logReturnVolatility(closes, 3)).toBeCloseTo(expected, 12);
    expect(logReturns([1, Math.E])).toEqual([1]);
    expect(sampleStdDev([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7), 12);
  });

  it('is 0 for constant growth and null without enough closes', () => {
    const compounding = Array.from({ length: 30 }, (_, i) => 100 * 1.01 ** i);
    expect(logReturnVolatility(compounding, 20)).toBeCloseTo(0, 12);
    expect(logReturnVolatility(compounding.slice(0, 20), 20)).toBeNull();
    expect(sampleStdDev([1])).toBeNull();
  });
});

describe('cross-check against technicalindicators (independent implementation)', () => {
  it('agrees on a long synthetic random walk', () => {
    crossCheck(syntheticCloses(3000, 2024), 'synthetic');
  });

  describe.skipIf(!hasRealCandles)('on recorded Binance 1h closes (../shared/data)', () => {
    // BTC around 20k-60k, ETH in the thousands, BTT at fractions of a cent: checks scale-independence too.
    for (const pair of ['BTC_USDT', 'ETH_USDT', 'BTT_USDT']) {
      it(`agrees on ${pair}`, () => {
        const closes = loadCandles(pair).map((c) => c.close);
        expect(closes.length).toBeGreaterThan(1000);
        crossCheck(closes, pair);
      });
    }
  });
});
