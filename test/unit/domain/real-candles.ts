import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Candle } from '../../../src/domain/market-types.js';

/**
 * Recorded Binance spot 1h candles (freqtrade JSON, [[ts_ms, o, h, l, c, v], ...]) from the sibling checkout
 * `../shared/data`. Never copied into this repository; tests that need them skip when the folder is absent.
 */
export const OHLCV_1H_DIR = fileURLToPath(new URL('../../../../shared/data/ohlcv/binance-spot-1h-2021/', import.meta.url));

export const hasRealCandles = existsSync(OHLCV_1H_DIR);

if (!hasRealCandles) {
  console.warn(`[skip] real-candle tests skipped: ${OHLCV_1H_DIR} not found (clone the shared data next to this repository to run them)`);
}

/** Loads e.g. 'BTC_USDT' from `<dir>/BTC_USDT-1h.json`. */
export function loadCandles(pair: string): Candle[] {
  const rows = JSON.parse(readFileSync(`${OHLCV_1H_DIR}${pair}-1h.json`, 'utf8')) as number[][];
  return rows.map(([ts, open, high, low, close, volume]) => ({
    ts: ts as number,
    open: open as number,
    high: high as number,
    low: low as number,
    close: close as number,
    volume: volume as number,
  }));
}

/** A deterministic geometric random walk (Park-Miller LCG, Box-Muller), for tests that must run without the data. */
export function syntheticCloses(count: number, seed = 42, start = 100, sigma = 0.01, drift = 0): number[] {
  let state = seed;
  const uniform = (): number => {
    state = (state * 16807) % 2147483647;
    return state / 2147483647;
  };
  const closes: number[] = [start];
  while (closes.length < count) {
    const z = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    closes.push((closes[closes.length - 1] as number) * Math.exp(drift + sigma * z));
  }
  return closes;
}

/** Candles around closes: open = previous close, high/low 0.5% outside, hourly from 2024-01-01. */
export function candlesFromCloses(closes: readonly number[], startTs = Date.UTC(2024, 0, 1), stepMs = 3_600_000): Candle[] {
  return closes.map((close, i) => {
    const open = i === 0 ? close : (closes[i - 1] as number);
    return { ts: startTs + i * stepMs, open, high: Math.max(open, close) * 1.005, low: Math.min(open, close) * 0.995, close, volume: 1000 };
  });
}
