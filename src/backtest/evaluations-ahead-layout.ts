import type { Regime, SignalConfig } from '../domain/signal-types.js';

/*
 * The memory the backtest engine and its evaluations-ahead thread share (see evaluations-ahead.ts), and the rule both
 * use to name a tick's candle. Results sit in a ring of ticks, each a row per pair: the thread may run at most a ring
 * ahead of the engine, so memory stays pairs x ring rows however long the run.
 */

/** Ticks the thread may compute ahead of the engine: ~0.25 s of engine time at ~1 ms a tick, ~2.4 MB for 126 pairs. */
export const AHEAD_RING_TICKS = 256;

/** control[]: the tick whose evaluations the engine has read (-1 before its first); the thread computes only later ones. */
export const MAIN_TICK = 0;
/** control[]: 1 once the thread failed (it publishes nothing more). */
export const THREAD_FAILED = 1;
/** control[]: 1 once the engine is done; the thread returns. */
export const STOP = 2;
/**
 * control[]: the engine's tick at which the thread, waiting with a full ring, wants to be woken (NO_WAKE: it is not
 * waiting). A wake is a system call on both threads: once per AHEAD_WAKE_TICKS ticks, not every tick.
 */
export const WAKE_AT_TICK = 3;
/** control[]: 1 while the engine waits for a tick (a forced run): the thread wakes it after publishing one. */
export const MAIN_WAITING = 4;
const CONTROL_SLOTS = 5;
export const NO_WAKE = 0x7fffffff;
/** Free slots the thread waits for once its ring is full. */
export const AHEAD_WAKE_TICKS = 32;

/** values[row * VALUE_COUNT + field]: the rounded numbers of the CoinEvaluation (price is the window's last close). */
export const SCORE = 0;
export const VOLATILITY = 1;
export const RSI = 2;
export const MA_FAST = 3;
export const MA_SLOW = 4;
export const MACD = 5;
export const MACD_SIGNAL = 6;
export const MACD_HISTOGRAM = 7;
export const VALUE_COUNT = 8;

export const REGIME_CODES: Readonly<Record<Regime, number>> = { trending_up: 0, trending_down: 1, ranging: 2, volatile: 3 };
export const REGIME_OF_CODE: readonly Regime[] = Object.entries(REGIME_CODES)
  .sort((a, b) => a[1] - b[1])
  .map(([regime]) => regime as Regime);

export interface AheadBuffers {
  /** MAIN_TICK, THREAD_FAILED, STOP, WAKE_AT_TICK, MAIN_WAITING. */
  control: Int32Array;
  /** Per ring slot: the tick whose rows it holds, stored after they are written (-1: none yet). */
  slotTicks: Int32Array;
  /** Per row (slot x pairs + pair index): the window evaluated, closes[start, end); start -1 when none was. */
  starts: Int32Array;
  ends: Int32Array;
  regimes: Uint8Array;
  /** VALUE_COUNT numbers per row. */
  values: Float64Array;
}

/** One pair's series as the thread reads them (views of the loaded data, shared when it was loaded shared). */
export interface AheadPair {
  symbol: string;
  ts: Float64Array;
  closes: Float64Array;
  logReturns: Float64Array;
}

/** What the thread is started with (workerData). */
export interface AheadThreadData {
  buffers: AheadBuffers;
  /** By data index; null for a pair the run never evaluates (no candles, or not in the configured universe). */
  pairs: Array<AheadPair | null>;
  signal: SignalConfig;
  /** The engine's window: the newest `lookback` stored candles. */
  lookback: number;
  marketStartMs: number;
  timeframeMs: number;
  ticks: number;
}

export function allocateAheadBuffers(pairCount: number, ringTicks: number): AheadBuffers {
  const rows = pairCount * ringTicks;
  const int32s = (length: number) => new Int32Array(new SharedArrayBuffer(length * Int32Array.BYTES_PER_ELEMENT));
  const control = int32s(CONTROL_SLOTS);
  control[MAIN_TICK] = -1;
  control[WAKE_AT_TICK] = NO_WAKE;
  return {
    control,
    slotTicks: int32s(ringTicks).fill(-1),
    starts: int32s(rows),
    ends: int32s(rows),
    regimes: new Uint8Array(new SharedArrayBuffer(rows)),
    values: new Float64Array(new SharedArrayBuffer(rows * VALUE_COUNT * Float64Array.BYTES_PER_ELEMENT)),
  };
}

export { evaluatedCandleOpenTs } from '../domain/market-types.js';
