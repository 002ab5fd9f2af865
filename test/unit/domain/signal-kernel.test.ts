import { describe, expect, it } from 'vitest';
import { logReturnVolatility } from '../../../src/domain/indicators.js';
import type { Candle } from '../../../src/domain/market-types.js';
import { DEFAULT_REGIME_THRESHOLDS, measureRegime } from '../../../src/domain/regime.js';
import { actionFor, roundSignificant } from '../../../src/domain/signal-components.js';
import { selectMiddlePair } from '../../../src/domain/signal-kernel-median.js';
import { evaluateCloses, KernelScratch, measureCloses, type CloseSeries } from '../../../src/domain/signal-kernel.js';
import { analyzeCloses, evaluateSignal } from '../../../src/domain/signal.js';
import { DEFAULT_SIGNAL_CONFIG, minimumCandlesFor, type SignalConfig } from '../../../src/domain/signal-types.js';
import { candlesFromCloses, hasRealCandles, loadCandles, syntheticCloses } from './real-candles.js';

/** Park-Miller, as real-candles.ts: deterministic "random" windows. */
function uniforms(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 16807) % 2147483647) / 2147483647;
}

function withLogReturns(closes: readonly number[]): Required<CloseSeries> {
  const logReturns = new Float64Array(closes.length);
  for (let i = 1; i < closes.length; i++) logReturns[i] = Math.log((closes[i] as number) / (closes[i - 1] as number));
  return { closes: Float64Array.from(closes), logReturns };
}

/** Multiplies closes[at..] by `factor`: a jump that stays. */
function jump(closes: number[], at: number, factor: number): number[] {
  return closes.map((close, i) => (i >= at ? close * factor : close));
}

/** Holds every close for `every` candles: an illiquid market whose price only moves now and then. */
function stepwise(closes: readonly number[], every: number): number[] {
  return closes.map((_, i) => closes[i - (i % every)] as number);
}

const SERIES: Record<string, number[]> = {
  trending: syntheticCloses(360, 7, 100, 0.01, 0.004),
  ranging: syntheticCloses(360, 3, 0.05, 0.02),
  // 0.2% candles with 80% and -60% jumps (~300 sigma): the sliding sums cannot vouch for themselves there.
  spiky: jump(jump(syntheticCloses(360, 11, 50, 0.002), 150, 1.8), 230, 0.4),
  illiquid: stepwise(syntheticCloses(360, 5, 2, 0.01), 30),
  // Two alternating closes: every rolling stddev is the same, so the median is a tie of all of them.
  zigzag: Array.from({ length: 360 }, (_, i) => (i % 2 ? 101 : 100)),
  // Constant returns (sigma ~0) and a market that never moves.
  smooth: Array.from({ length: 360 }, (_, i) => 100 * 1.002 ** i),
  frozen: Array.from({ length: 360 }, () => 42),
};

function agrees(kernel: number, reference: number): boolean {
  return Math.abs(kernel - reference) <= Math.max(1e-9 * Math.abs(reference), 1e-12);
}

interface Tally {
  windows: number;
  /** Windows where a reference value was within 1e-9 of a threshold; their decisions are not compared. */
  nearThreshold: number;
  mismatches: string[];
}

/**
 * Compares the kernel's unrounded measurements and its decisions with the library-based reference (trading-signals
 * via analyzeCloses, regime.ts, indicators.ts) on closes[end - length, end) for each end.
 */
function compareWithReference(label: string, closes: readonly number[], ends: number[], length: number, config: SignalConfig, scratch: KernelScratch, tally: Tally): void {
  const series = withLogReturns(closes);
  for (const end of ends) {
    const start = end - length;
    const window = closes.slice(start, end);
    const reference = analyzeCloses(window, config);
    const regime = measureRegime(window, config.maSlowPeriod);
    const volatility = logReturnVolatility(window, config.maSlowPeriod) as number;
    const kernel = { ...measureCloses(label, series, start, end, config, scratch) };
    tally.windows++;
    const pairs: [string, number, number][] = [
      ['rsi', kernel.rsi, reference.indicators.rsi],
      ['maFast', kernel.maFast, reference.indicators.maFast],
      ['maSlow', kernel.maSlow, reference.indicators.maSlow],
      ['macd', kernel.macd, reference.indicators.macd],
      ['macdSignal', kernel.macdSignal, reference.indicators.macdSignal],
      ['macdHistogram', kernel.macdHistogram, reference.indicators.macdHistogram],
      ['volatility', kernel.volatility, volatility],
      ['trendStrength', kernel.trendStrength, regime.trendStrength],
      ['volatilityRatio', kernel.volatilityRatio, regime.volatilityRatio],
      ['score', kernel.score, reference.score],
    ];
    for (const [name, got, want] of pairs) {
      if (!agrees(got, want)) tally.mismatches.push(`${label} [${start}, ${end}) ${name}: kernel ${got}, reference ${want}`);
    }
    const near = (value: number, threshold: number): boolean => Math.abs(value - threshold) <= 1e-9;
    const { volatilityRatio: ratioThreshold, trendStrength: trendThreshold } = DEFAULT_REGIME_THRESHOLDS;
    if (
      near(regime.volatilityRatio, ratioThreshold) || near(regime.trendStrength, trendThreshold) || near(regime.trendStrength, -trendThreshold) ||
      near(reference.score, config.buyThreshold) || near(reference.score, -config.sellThreshold)
    ) {
      tally.nearThreshold++;
      continue;
    }
    if (kernel.regime !== regime.regime) tally.mismatches.push(`${label} [${start}, ${end}) regime: kernel ${kernel.regime}, reference ${regime.regime}`);
    const kernelAction = actionFor(roundSignificant(kernel.score), config);
    const referenceAction = actionFor(roundSignificant(reference.score), config);
    if (kernelAction !== referenceAction) tally.mismatches.push(`${label} [${start}, ${end}) action: kernel ${kernelAction}, reference ${referenceAction}`);
  }
}

function endsEvery(length: number, count: number, step: number): number[] {
  const ends: number[] = [];
  for (let end = length; end <= count; end += step) ends.push(end);
  return ends;
}

function expectAgreement(tally: Tally): void {
  expect(tally.mismatches.slice(0, 10)).toEqual([]);
  // Comparisons skipped next to a threshold (a 1e-9 difference could flip them legitimately): none on this data.
  expect(tally.nearThreshold).toBe(0);
}

describe('signal kernel against the trading-signals / regime.ts reference', () => {
  it('agrees on synthetic series: trending, ranging, spiky, illiquid, zigzag, smooth and frozen', () => {
    const tally: Tally = { windows: 0, nearThreshold: 0, mismatches: [] };
    const scratch = new KernelScratch();
    for (const [label, closes] of Object.entries(SERIES)) {
      // 100 closes as the live cycle reads them (80 rolling windows, an even median), 101 (odd), 250 (long).
      for (const length of [100, 101, 250]) compareWithReference(label, closes, endsEvery(length, closes.length, 11), length, DEFAULT_SIGNAL_CONFIG, scratch, tally);
    }
    expect(tally.windows).toBeGreaterThan(300);
    expectAgreement(tally);
    // Both ways to the median ran: the sliding sums, and the exact fallback (spiky, illiquid, smooth, frozen).
    expect(scratch.exactMedians).toBeGreaterThan(20);
    expect(scratch.exactMedians).toBeLessThan(tally.windows - 100);
  });

  it('reads a frozen market as RSI 50, ranging, volatility 0', () => {
    const frozen = SERIES.frozen as number[];
    const evaluation = evaluateCloses('FROZEN/USDT', 0, { closes: frozen }, 0, 100, DEFAULT_SIGNAL_CONFIG);
    expect(evaluation).toMatchObject({ price: 42, score: 0, action: 'hold', volatility: 0, regime: 'ranging' });
    expect(evaluation.indicators).toEqual({ rsi: 50, maFast: 42, maSlow: 42, macd: 0, macdSignal: 0, macdHistogram: 0 });
  });

  // Recorded data lives in ../shared/data next to the repository (project convention: skip when it is absent).
  it.skipIf(!hasRealCandles)('agrees on recorded Binance 1h closes at many window ends', () => {
    const tally: Tally = { windows: 0, nearThreshold: 0, mismatches: [] };
    const scratch = new KernelScratch();
    // COCOS has listing-day jumps that send some windows down the exact median path.
    for (const pair of ['BTC_USDT', 'ETH_USDT', 'DOGE_USDT', 'COCOS_USDT']) {
      const closes = loadCandles(pair).map((c) => c.close);
      compareWithReference(pair, closes, endsEvery(100, closes.length, 61), 100, DEFAULT_SIGNAL_CONFIG, scratch, tally);
      compareWithReference(pair, closes, endsEvery(101, closes.length, 397), 101, DEFAULT_SIGNAL_CONFIG, scratch, tally);
    }
    expect(tally.windows).toBeGreaterThan(350);
    expectAgreement(tally);
  });
});

describe('signal kernel bit-identity (what backtest/live parity rests on)', () => {
  const long = jump(jump(syntheticCloses(1500, 5, 30, 0.012), 700, 1.5), 1100, 0.7);
  const candles: Candle[] = candlesFromCloses(long);
  const series = withLogReturns(long);
  const plainArrays: CloseSeries = { closes: long, logReturns: Array.from(series.logReturns) };
  const config = DEFAULT_SIGNAL_CONFIG;

  /** Deep equality with Object.is on every number (toEqual would accept -0 for 0). */
  function expectIdentical(actual: unknown, expected: unknown, path = 'evaluation'): void {
    if (typeof expected === 'number') {
      if (!Object.is(actual, expected)) expect.fail(`${path}: ${String(actual)} is not ${String(expected)}`);
      return;
    }
    if (typeof expected === 'object' && expected !== null) {
      expect(Object.keys(actual as object)).toEqual(Object.keys(expected));
      for (const [key, value] of Object.entries(expected)) expectIdentical((actual as Record<string, unknown>)[key], value, `${path}.${key}`);
      return;
    }
    expect(actual, path).toBe(expected);
  }

  function expectAllWaysIdentical(start: number, end: number, scratch: KernelScratch): void {
    const { candle, ...live } = evaluateSignal('SYN/USDT', candles.slice(start, end), config);
    const ts = (candles[end - 1] as Candle).ts;
    // evaluateSignal adds the evaluated candle's range (for exits) to the kernel's evaluation.
    const newest = candles[end - 1] as Candle;
    expect(candle).toEqual({ open: newest.open, high: newest.high, low: newest.low });
    expectIdentical(evaluateCloses('SYN/USDT', ts, series, start, end, config, scratch), live);
    expectIdentical(evaluateCloses('SYN/USDT', ts, plainArrays, start, end, config), live);
    expectIdentical(evaluateCloses('SYN/USDT', ts, { closes: long }, start, end, config, new KernelScratch()), live);
    // Unrounded too: rounding to 6 digits would hide a difference in the last bits.
    const precomputed = { ...measureCloses('SYN/USDT', series, start, end, config, scratch) };
    expectIdentical({ ...measureCloses('SYN/USDT', { closes: long }, start, end, config, new KernelScratch()) }, precomputed, 'reading');
    expectIdentical({ ...measureCloses('SYN/USDT', plainArrays, start, end, config) }, precomputed, 'reading');
  }

  it('random windows: with and without precomputed returns, and evaluateSignal on the sliced candles', () => {
    const random = uniforms(99);
    const scratch = new KernelScratch();
    const minimum = minimumCandlesFor(config);
    for (let n = 0; n < 60; n++) {
      const length = minimum + Math.floor(random() * 300);
      const start = Math.floor(random() * (long.length - length));
      expectAllWaysIdentical(start, start + length, scratch);
    }
  });

  it('consecutive windows (where the scratch reuses the last median as a pivot) match too', () => {
    const scratch = new KernelScratch();
    // Across the 1.5x jump at 700, and along a quiet stretch.
    for (let end = 690; end < 730; end++) expectAllWaysIdentical(end - 100, end, scratch);
    for (let end = 300; end < 320; end++) expectAllWaysIdentical(end - 100, end, scratch);
  });
});

describe('signal kernel with non-default settings', () => {
  const configs: Record<string, SignalConfig> = {
    short: {
      ...DEFAULT_SIGNAL_CONFIG,
      rsiPeriod: 7,
      rsiOversold: 25,
      rsiOverbought: 75,
      maFastPeriod: 5,
      maSlowPeriod: 30,
      macdFastPeriod: 8,
      macdSlowPeriod: 21,
      macdSignalPeriod: 5,
      weights: { rsi: 0.2, maCross: 0.5, macd: 0.3 },
      buyThreshold: 0.1,
      sellThreshold: 0.2,
    },
    long: {
      ...DEFAULT_SIGNAL_CONFIG,
      rsiPeriod: 21,
      rsiOversold: 35,
      rsiOverbought: 60,
      maFastPeriod: 20,
      maSlowPeriod: 50,
      macdFastPeriod: 5,
      macdSlowPeriod: 35,
      macdSignalPeriod: 12,
      weights: { rsi: 0, maCross: 0.3, macd: 0.7 },
      buyThreshold: 0.3,
      sellThreshold: 0.02,
    },
    tiny: {
      ...DEFAULT_SIGNAL_CONFIG,
      rsiPeriod: 2,
      maFastPeriod: 2,
      maSlowPeriod: 3,
      macdFastPeriod: 2,
      macdSlowPeriod: 3,
      macdSignalPeriod: 2,
      weights: { rsi: 1, maCross: 0, macd: 0 },
    },
  };

  for (const [name, config] of Object.entries(configs)) {
    it(`agrees with the reference (${name} periods, thresholds and weights)`, () => {
      const tally: Tally = { windows: 0, nearThreshold: 0, mismatches: [] };
      const scratch = new KernelScratch();
      // The live window (max(100, minimum)) and a longer one, so the slow window fits twice for the ratio.
      const live = Math.max(100, minimumCandlesFor(config));
      for (const label of ['trending', 'spiky', 'illiquid', 'ranging']) {
        const closes = SERIES[label] as number[];
        compareWithReference(label, closes, endsEvery(live, closes.length, 23), live, config, scratch, tally);
        compareWithReference(label, closes, endsEvery(171, closes.length, 37), 171, config, scratch, tally);
      }
      expectAgreement(tally);
      const candles = candlesFromCloses((SERIES.trending as number[]).slice(40, 40 + live));
      const ts = (candles[candles.length - 1] as Candle).ts;
      const { candle: _range, ...signal } = evaluateSignal('SYN/USDT', candles, config);
      expect(evaluateCloses('SYN/USDT', ts, { closes: SERIES.trending as number[] }, 40, 40 + live, config)).toEqual(signal);
    });
  }
});

describe('signal kernel input checks', () => {
  const closes = SERIES.ranging as number[];
  const config = DEFAULT_SIGNAL_CONFIG;

  it('names the setting, the window or the shortfall', () => {
    expect(() => evaluateCloses('X/USDT', 0, { closes }, 0, 35, config)).toThrow(expect.objectContaining({ code: 'InvalidMarketData', message: 'X/USDT: need at least 36 closed candles, got 35' }));
    expect(() => evaluateCloses('X/USDT', 0, { closes }, 300, 400, config)).toThrow(expect.objectContaining({ code: 'Internal', message: 'X/USDT: window [300, 400) is not inside the 360 closes' }));
    expect(() => evaluateCloses('X/USDT', 0, { closes, logReturns: [0, 1] }, 0, 100, config)).toThrow(
      expect.objectContaining({ code: 'Internal', message: 'X/USDT: 2 precomputed log returns do not cover the window ending at 100' }),
    );
    expect(() => evaluateCloses('X/USDT', 0, { closes }, 0, 100, { ...config, rsiPeriod: 1 })).toThrow(expect.objectContaining({ code: 'InvalidConfig', message: 'signal.rsiPeriod must be an integer of at least 2 (got 1)' }));
    expect(() => evaluateCloses('X/USDT', 0, { closes }, 0, 100, { ...config, maFastPeriod: 20 })).toThrow(
      expect.objectContaining({ code: 'InvalidConfig', message: 'signal.maFastPeriod (20) must be shorter than signal.maSlowPeriod (20)' }),
    );
  });
});

describe('signal kernel building blocks', () => {
  it('roundSignificant gives exactly Number(value.toPrecision(digits)) without the string round trip', () => {
    const random = uniforms(2024);
    const values: number[] = [0, -0, 0.5, 2.5, 123456.5, 999999.5, 9999995, 0.1234565, 1.5e-7, 5e-324, 1.7976931348623157e308, -1e-30, 1e22, 1e23, 1e-22, 1e-23];
    for (let exponent = -25; exponent <= 25; exponent++) {
      const power = 10 ** exponent;
      // Powers of ten and their neighbours, where the decimal exponent is easy to get wrong.
      values.push(power, power * (1 - 2 ** -52), power * (1 + 2 ** -52), -power);
    }
    for (let n = 0; n < 5_000; n++) {
      const magnitude = 10 ** Math.floor(random() * 40 - 20);
      values.push((random() - 0.5) * magnitude, Math.round(random() * 1e7) / 10 ** Math.floor(random() * 12));
      // Halves, where arithmetic alone cannot tell (scaled lands exactly on n + 0.5): averages of prices quoted to a
      // few decimals (moving averages), odd multiples of a half at every scale, long sums of quoted prices.
      const places = 10 ** Math.floor(random() * 9);
      values.push((Math.round(random() * 1e6) / places + Math.round(random() * 1e6) / places) / 2);
      values.push((2 * Math.floor(random() * 1e7) + 1) / 2 / 10 ** Math.floor(random() * 15));
      let sum = 0;
      const count = 2 + Math.floor(random() * 30);
      for (let k = 0; k < count; k++) sum += Math.round(random() * 1e5) / 100;
      values.push(sum / count);
    }
    for (let digits = 1; digits <= 14; digits++) {
      for (const value of values) {
        const expected = Number(value.toPrecision(digits)) + 0;
        const actual = roundSignificant(value, digits);
        if (!Object.is(actual, expected)) expect.fail(`roundSignificant(${value}, ${digits}) = ${actual}, toPrecision gives ${expected}`);
      }
    }
    expect(roundSignificant(Number.NaN)).toBeNaN();
    expect(roundSignificant(-Infinity)).toBe(-Infinity);
  });

  it('selectMiddlePair finds the sorted middle values whatever the pivot guess', () => {
    const random = uniforms(7);
    const work = new Float64Array(64);
    const out = { lower: 0, upper: 0 };
    for (let n = 0; n < 400; n++) {
      const length = 1 + Math.floor(random() * 60);
      // Few distinct values sometimes, to get ties.
      const distinct = random() < 0.3 ? 3 : 1e9;
      const values = Float64Array.from({ length }, () => Math.floor(random() * distinct) / 7);
      const sorted = Array.from(values).sort((a, b) => a - b);
      const lower = sorted[Math.ceil(length / 2) - 1] as number;
      const upper = sorted[Math.floor(length / 2)] as number;
      for (const guess of [Number.NaN, upper, lower, (lower + upper) / 2, sorted[0] as number, -1, 1e12, sorted[Math.floor(random() * length)] as number]) {
        selectMiddlePair(Float64Array.from(values), length, guess, work, out);
        expect(out, `length ${length}, guess ${guess}`).toEqual({ lower, upper });
      }
    }
  });
});
