import { parentPort, workerData } from 'node:worker_threads';
import { KernelScratch, assertSignalConfig, measureCheckedWindow } from '../domain/signal-kernel.js';
import { roundSignificant } from '../domain/signal-components.js';
import { minimumCandlesFor } from '../domain/signal-types.js';
import {
  MACD,
  MACD_HISTOGRAM,
  MACD_SIGNAL,
  AHEAD_WAKE_TICKS,
  MAIN_TICK,
  MAIN_WAITING,
  NO_WAKE,
  MA_FAST,
  MA_SLOW,
  REGIME_CODES,
  RSI,
  SCORE,
  STOP,
  THREAD_FAILED,
  VALUE_COUNT,
  VOLATILITY,
  WAKE_AT_TICK,
  evaluatedCandleOpenTs,
} from './evaluations-ahead-layout.js';
import type { AheadThreadData } from './evaluations-ahead-layout.js';
import { countAtOrBeforeNear } from './stored-candles.js';

/*
 * The body of the evaluations-ahead thread (see evaluations-ahead.ts): tick after tick, each pair's window of the
 * newest `lookback` candles up to the tick's candle, evaluated and written to the shared ring, then the tick
 * published. It waits for the engine only when a ring ahead, and skips the ticks whose evaluations the engine has
 * already read (it was late: they were evaluated inline).
 */

/** How long one wait for the engine lasts before the stop flag is looked at again. */
const WAIT_MS = 200;

// A thread started warm (before its run's data existed) gets each run's data as a message, one run after another.
if (workerData === null) parentPort!.on('message', (data: AheadThreadData) => run(data));
else run(workerData as AheadThreadData);

function run(data: AheadThreadData): void {
  try {
    computeAhead(data);
  } catch {
    // Nothing more is published: the engine evaluates the rest inline (and meets any error itself).
    Atomics.store(data.buffers.control, THREAD_FAILED, 1);
  }
}

function computeAhead(input: AheadThreadData): void {
  const { control, slotTicks } = input.buffers;
  // A config the kernel refuses: nothing is published, and the engine meets the refusal inline.
  assertSignalConfig(input.signal);
  const ring = slotTicks.length;
  const scratches = input.pairs.map(() => new KernelScratch());
  // Each pair's last window end: the next tick's is at or just after it.
  const ends = new Int32Array(input.pairs.length);
  let next = 0;
  for (;;) {
    if (Atomics.load(control, STOP) === 1) return;
    const mainTick = Atomics.load(control, MAIN_TICK);
    if (next <= mainTick) next = mainTick + 1;
    if (next >= input.ticks) return;
    if (next >= mainTick + ring) {
      // The ring is full: sleep until the engine has freed a few slots (or returns, whichever comes first).
      Atomics.store(control, WAKE_AT_TICK, mainTick + Math.min(AHEAD_WAKE_TICKS, ring - 1));
      Atomics.wait(control, MAIN_TICK, mainTick, WAIT_MS);
      Atomics.store(control, WAKE_AT_TICK, NO_WAKE);
      continue;
    }
    writeTick(input, next, scratches, ends);
    Atomics.store(slotTicks, next % ring, next);
    if (Atomics.load(control, MAIN_WAITING) === 1) Atomics.notify(slotTicks, next % ring);
    next++;
  }
}

/** Every pair's evaluation at `tickNo` into the tick's ring slot; a row is marked empty where there is none. */
function writeTick(input: AheadThreadData, tickNo: number, scratches: KernelScratch[], lastEnds: Int32Array): void {
  const { starts, ends, regimes, values } = input.buffers;
  const minimum = minimumCandlesFor(input.signal);
  const candleTs = evaluatedCandleOpenTs(input.marketStartMs + tickNo * input.timeframeMs, input.timeframeMs);
  const base = (tickNo % input.buffers.slotTicks.length) * input.pairs.length;
  input.pairs.forEach((pair, index) => {
    const row = base + index;
    starts[row] = -1;
    if (pair === null) return;
    const end = countAtOrBeforeNear(pair.ts, candleTs, lastEnds[index]!);
    lastEnds[index] = end;
    if (end === 0 || pair.ts[end - 1] !== candleTs) return;
    const start = Math.max(0, end - input.lookback);
    if (end - start < minimum) return;
    // evaluateCloses's figures, rounded as it rounds them, straight into the ring: no evaluation object per window
    // (a test holds what take() serves equal to evaluateCloses).
    let reading;
    try {
      // The window is inside the series and long enough (above); the config was checked when the thread started.
      reading = measureCheckedWindow(pair, start, end, input.signal, scratches[index]!);
    } catch {
      return;
    }
    const regime = REGIME_CODES[reading.regime];
    if (regime === undefined) return;
    const v = row * VALUE_COUNT;
    values[v + SCORE] = roundSignificant(reading.score);
    values[v + VOLATILITY] = roundSignificant(reading.volatility);
    values[v + RSI] = roundSignificant(reading.rsi);
    values[v + MA_FAST] = roundSignificant(reading.maFast);
    values[v + MA_SLOW] = roundSignificant(reading.maSlow);
    values[v + MACD] = roundSignificant(reading.macd);
    values[v + MACD_SIGNAL] = roundSignificant(reading.macdSignal);
    values[v + MACD_HISTOGRAM] = roundSignificant(reading.macdHistogram);
    regimes[row] = regime;
    ends[row] = end;
    starts[row] = start;
  });
}
