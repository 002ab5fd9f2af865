import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_RISK_CONFIG, defaultCycleConfig, type CycleConfig } from '../../src/domain/cycle-config.js';
import { BUSY_SIGNAL } from './busy-signal.js';

/*
 * Freqtrade candle files for backtest tests: a deterministic wavy walk per pair, with enough ups and downs for the
 * signal to buy and sell. Rows are [openTs, open, high, low, close, volume], one an hour from SYNTHETIC_START_MS.
 */

export const SYNTHETIC_HOUR_MS = 3_600_000;
export const SYNTHETIC_START_MS = Date.UTC(2021, 0, 1);

/** One pair's file: `<base>_USDT-1h.json`, its walk's seed and first open. */
export interface SyntheticPair {
  base: string;
  seed: number;
  startPrice: number;
}

/** Three pairs at very different price levels (10, 250, 0.5), so amounts and prices need their own precision. */
export const SYNTHETIC_PAIRS: readonly SyntheticPair[] = [
  { base: 'AAA', seed: 1, startPrice: 10 },
  { base: 'BBB', seed: 2, startPrice: 250 },
  { base: 'CCC', seed: 3, startPrice: 0.5 },
];

/** `count` hourly candles of one pair's walk; the same seed gives the same rows. */
export function syntheticCandles(seed: number, count: number, startPrice: number): number[][] {
  const rows: number[][] = [];
  let price = startPrice;
  for (let i = 0; i < count; i++) {
    const open = price;
    price = Math.max(0.0001, price * (1 + 0.02 * Math.sin((i + seed * 7) / (5 + seed)) + 0.004 * Math.cos(i * seed)));
    rows.push([SYNTHETIC_START_MS + i * SYNTHETIC_HOUR_MS, open, Math.max(open, price) * 1.003, Math.min(open, price) * 0.997, price, 1000 + ((i * seed) % 97)]);
  }
  return rows;
}

/** A new temporary folder (name starting `prefix`) with `count` candles of each pair; the caller removes it. */
export function writeSyntheticCandleDir(prefix: string, count: number, pairs: readonly SyntheticPair[] = SYNTHETIC_PAIRS): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  for (const pair of pairs) {
    writeFileSync(path.join(dir, `${pair.base}_USDT-1h.json`), JSON.stringify(syntheticCandles(pair.seed, count, pair.startPrice)));
  }
  return dir;
}

/**
 * A backtest config over a synthetic candle directory: a replay cycle whose ticks run from the end of `warmup` to the
 * last candle but one, 30 % of equity per position (three pairs), and the busy signal, so short runs trade.
 */
export function syntheticRunConfig(name: string, run: { candles: number; warmup: number }, overrides: Partial<CycleConfig> = {}): CycleConfig {
  return defaultCycleConfig({
    exchange: 'replay',
    name,
    ai: undefined,
    warmupCandles: run.warmup,
    marketStartMs: SYNTHETIC_START_MS + run.warmup * SYNTHETIC_HOUR_MS,
    maxTicks: run.candles - run.warmup - 1,
    risk: { ...DEFAULT_RISK_CONFIG, maxPositionFraction: 0.3 },
    signal: BUSY_SIGNAL,
    ...overrides,
  });
}
