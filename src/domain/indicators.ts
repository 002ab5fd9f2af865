import { EMA, MACD, RSI, SMA } from 'trading-signals';

/**
 * Indicator math over an array of closes, oldest first, built on `trading-signals` (v8 works on plain numbers).
 * Each `*Series` function returns one entry per close, `null` until the indicator has enough data; the plain
 * functions return only the latest value. Not for the workflow sandbox: trading-signals stays in activities.
 */

export interface MacdValue {
  macd: number;
  signal: number;
  histogram: number;
}

function assertPeriod(name: string, period: number): void {
  if (!Number.isInteger(period) || period < 1) {
    throw new RangeError(`${name} period must be a positive integer (got ${String(period)})`);
  }
}

function last<T>(series: readonly (T | null)[]): T | null {
  return series.length === 0 ? null : (series[series.length - 1] ?? null);
}

/**
 * Wilder's RSI: the first average gain/loss is the simple mean of `period` changes, later ones are smoothed with
 * 1/period (trading-signals' default WSMA smoothing). First value at index `period`. A series with no change at all
 * reads 50 rather than the library's 100, so a frozen market never looks overbought.
 */
export function rsiSeries(closes: readonly number[], period: number): (number | null)[] {
  assertPeriod('RSI', period);
  const rsi = new RSI(period);
  const first = closes[0];
  let moved = false;
  return closes.map((close) => {
    moved ||= close !== first;
    const value = rsi.add(close);
    return value === null ? null : moved ? value : 50;
  });
}

export function rsi(closes: readonly number[], period: number): number | null {
  return last(rsiSeries(closes, period));
}

/** Simple moving average; first value at index `period - 1`. */
export function smaSeries(closes: readonly number[], period: number): (number | null)[] {
  assertPeriod('SMA', period);
  const sma = new SMA(period);
  return closes.map((close) => sma.add(close));
}

export function sma(closes: readonly number[], period: number): number | null {
  return last(smaSeries(closes, period));
}

/**
 * Exponential moving average with k = 2 / (period + 1). trading-signals seeds it with the first close (textbooks
 * seed with an SMA); the seed's weight decays as (1 - k)^n, so values agree with SMA-seeded EMAs after warm-up.
 * Reported from index `period - 1`, when the library calls it stable.
 */
export function emaSeries(closes: readonly number[], period: number): (number | null)[] {
  assertPeriod('EMA', period);
  const ema = new EMA(period);
  return closes.map((close) => {
    ema.add(close);
    return ema.isStable ? ema.getResultOrThrow() : null;
  });
}

export function ema(closes: readonly number[], period: number): number | null {
  return last(emaSeries(closes, period));
}

/**
 * MACD line = EMA(fast) - EMA(slow), signal = EMA(signalPeriod) of the MACD line, histogram = MACD - signal.
 * First value at index `slow - 1` (the signal EMA is seeded with the first MACD value, so give it a few dozen
 * candles of warm-up before trusting it).
 */
export function macdSeries(closes: readonly number[], fast: number, slow: number, signal: number): (MacdValue | null)[] {
  assertPeriod('MACD fast', fast);
  assertPeriod('MACD slow', slow);
  assertPeriod('MACD signal', signal);
  if (fast >= slow) {
    throw new RangeError(`MACD fast period (${fast}) must be shorter than slow period (${slow})`);
  }
  const macd = new MACD(new EMA(fast), new EMA(slow), new EMA(signal));
  return closes.map((close) => {
    const value = macd.add(close);
    return value === null ? null : { macd: value.macd, signal: value.signal, histogram: value.histogram };
  });
}

export function macd(closes: readonly number[], fast: number, slow: number, signal: number): MacdValue | null {
  return last(macdSeries(closes, fast, slow, signal));
}

/** Natural-log returns ln(c[i] / c[i-1]); one fewer entry than closes. Closes must be positive. */
export function logReturns(closes: readonly number[]): number[] {
  const returns: number[] = [];
  for (let i = 1; i < closes.length; i++) {
    returns.push(Math.log((closes[i] as number) / (closes[i - 1] as number)));
  }
  return returns;
}

/** Sample standard deviation (n - 1 denominator); null for fewer than two values. */
export function sampleStdDev(values: readonly number[]): number | null {
  if (values.length < 2) return null;
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let squares = 0;
  for (const v of values) squares += (v - mean) * (v - mean);
  return Math.sqrt(squares / (values.length - 1));
}

/**
 * Sample standard deviation of the last `window` log returns (per candle, not annualised); null when there are
 * fewer than `window + 1` closes.
 */
export function logReturnVolatility(closes: readonly number[], window: number): number | null {
  if (!Number.isInteger(window) || window < 2) {
    throw new RangeError(`volatility window must be an integer of at least 2 (got ${String(window)})`);
  }
  if (closes.length < window + 1) return null;
  return sampleStdDev(logReturns(closes.slice(-(window + 1))));
}
