import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { actionFor } from '../domain/signal-components.js';
import type { CandleRange, CoinEvaluation, SignalConfig } from '../domain/signal-types.js';
import {
  AHEAD_RING_TICKS,
  MACD,
  MACD_HISTOGRAM,
  MACD_SIGNAL,
  MAIN_TICK,
  MAIN_WAITING,
  MA_FAST,
  MA_SLOW,
  REGIME_OF_CODE,
  RSI,
  SCORE,
  STOP,
  THREAD_FAILED,
  VALUE_COUNT,
  VOLATILITY,
  WAKE_AT_TICK,
  allocateAheadBuffers,
} from './evaluations-ahead-layout.js';
import type { AheadBuffers, AheadThreadData } from './evaluations-ahead-layout.js';
import type { BacktestData } from './market-data.js';
import { startThread } from './thread-start.js';

/*
 * Coin evaluations computed ahead on a second thread. An evaluation's value depends only on the pair's closes and
 * the window [start, end), and for a coin evaluated every tick that window is simply the newest `lookback` candles:
 * the thread computes those for every pair, tick after tick, into shared memory, while the engine decides. The
 * engine takes one only for exactly the window it would evaluate, from a tick already published; anything else
 * (thread not started yet or behind, another window, a hole in the stored candles, a failure) it evaluates inline as
 * before. So the results cannot differ: the thread only takes kernel time off the engine's thread.
 * The engine stays synchronous: no messages, only shared memory and Atomics; it never waits for the thread, except
 * when a test forces it on (see AheadMode).
 */

/**
 * Below this many pair-ticks the kernel time to save (~2.5 µs an evaluation: 50 ms at 20,000) is about what starting
 * the thread costs (its own module load, ~1 s of a core under tsx), so the run stays on one thread.
 */
export const MIN_PAIR_TICKS_FOR_THREAD = 20_000;

/** A forced run waits at most this long for the thread in all (its start under tsx on a busy machine takes seconds). */
const FORCED_WAIT_MS = 30_000;
/** One wait's length, between looks at the thread's failure flag. */
const WAIT_SLICE_MS = 50;
/** How long the engine waits for the tick the thread is computing: a few of its ticks. */
const PATIENCE_MS = 1;
/** After a wait for the thread's current tick ran out, this many ticks are evaluated without waiting. */
const IMPATIENT_TICKS = 64;

/**
 * When the engine uses the thread. 'auto' (the default): when the run is big enough and there is a second core,
 * never waiting for it. true: always, waiting for the thread's first tick, so that even a short run is served (a
 * test). 'lockstep': always, waiting for every tick, so that every window the thread computes is served (a test that
 * counts them). false: never.
 */
export type AheadMode = 'auto' | boolean | 'lockstep';

const THREAD_ENTRY = new URL('./evaluations-ahead-thread', import.meta.url);

export interface AheadRequest {
  data: BacktestData;
  /** The configured universe, or null for every pair: the thread evaluates only pairs the scan can choose. */
  symbols: readonly string[] | null;
  signal: SignalConfig;
  lookback: number;
  marketStartMs: number;
  timeframeMs: number;
  ticks: number;
  mode: AheadMode;
  /** A thread started before the data was loaded (WarmAheadThread), used instead of starting one now. */
  thread?: WarmAheadThread | null;
}

/** The engine's side of the thread: one tick at a time, the evaluations published for it. */
export class EvaluationsAhead {
  /** Evaluations taken from the thread. */
  served = 0;
  /** Row of pair 0 in the current tick's ring slot, or -1 when the tick is not published. */
  private tickBase = -1;
  private readonly ring: number;
  private readonly pairCount: number;
  /** The engine waits for the thread's ticks before this one (see AheadMode), until waitUntilMs. */
  private waitTicks: number;
  private waitUntilMs = Number.POSITIVE_INFINITY;
  /** From this tick on, the engine waits for a tick the thread is computing (see awaitCurrentTick). */
  private patientFromTick = 0;

  private constructor(
    private readonly buffers: AheadBuffers,
    private readonly worker: Worker,
    private readonly signal: SignalConfig,
    mode: AheadMode,
    /** A warm thread takes one run after another: once this run stops it, it waits idle for the next. */
    private readonly reusable: boolean,
  ) {
    this.ring = buffers.slotTicks.length;
    this.pairCount = buffers.starts.length / this.ring;
    this.waitTicks = mode === 'lockstep' ? Number.POSITIVE_INFINITY : mode === true ? 1 : 0;
  }

  /** Starts the thread when it pays (or is forced on); null otherwise. */
  static start(request: AheadRequest): EvaluationsAhead | null {
    const wanted = request.symbols === null ? null : new Set(request.symbols);
    const pairs = request.data.pairs.map((p) =>
      p.candles === undefined || (wanted !== null && !wanted.has(p.symbol)) ? null : { symbol: p.symbol, ts: p.candles.ts, closes: p.candles.close, logReturns: p.logReturns },
    );
    const pairTicks = pairs.filter((p) => p !== null).length * request.ticks;
    const pays = pairTicks >= MIN_PAIR_TICKS_FOR_THREAD && availableParallelism() >= 2;
    if (request.mode === false || (request.mode === 'auto' && !pays) || pairTicks === 0) return null;

    // The slot of the tick the engine is reading is never written, so a ring of ticks + 1 holds a whole run.
    const buffers = allocateAheadBuffers(pairs.length, Math.min(AHEAD_RING_TICKS, request.ticks + 1));
    const threadData: AheadThreadData = {
      buffers,
      pairs,
      signal: request.signal,
      lookback: request.lookback,
      marketStartMs: request.marketStartMs,
      timeframeMs: request.timeframeMs,
      ticks: request.ticks,
    };
    const warm = request.thread?.take() ?? null;
    if (warm !== null) {
      warm.postMessage(threadData);
      return new EvaluationsAhead(buffers, warm, request.signal, request.mode, true);
    }
    const worker = startThread(THREAD_ENTRY, threadData);
    // A thread that fails only publishes nothing more: the engine evaluates inline, so its error is not one.
    worker.on('error', () => undefined);
    return new EvaluationsAhead(buffers, worker, request.signal, request.mode, false);
  }

  /** The engine starts tick `tickNo`: this tick's evaluations, if published, are read; the thread moves to later ticks. */
  beginTick(tickNo: number): void {
    const { control, slotTicks } = this.buffers;
    const slot = tickNo % this.ring;
    if (tickNo < this.waitTicks) this.awaitTick(tickNo, slot);
    else if (tickNo >= this.patientFromTick && tickNo > 0 && Atomics.load(slotTicks, slot) !== tickNo && Atomics.load(slotTicks, (tickNo - 1) % this.ring) === tickNo - 1) {
      this.awaitCurrentTick(tickNo, slot);
    }
    Atomics.store(control, MAIN_TICK, tickNo);
    if (tickNo >= Atomics.load(control, WAKE_AT_TICK)) Atomics.notify(control, MAIN_TICK);
    this.tickBase = Atomics.load(slotTicks, slot) === tickNo ? slot * this.pairCount : -1;
  }

  /**
   * The pair's evaluation of closes[start, end) at this tick, exactly as evaluateCloses returns it plus the evaluated
   * candle's range when given (built in one literal: adding it afterwards changes the object's shape, which costs
   * more than the rest of this), when the thread evaluated that very window; undefined otherwise.
   */
  take(pairIndex: number, symbol: string, candleTs: number, closes: Float64Array, start: number, end: number, candle: CandleRange | undefined): CoinEvaluation | undefined {
    if (this.tickBase < 0) return undefined;
    const row = this.tickBase + pairIndex;
    const { starts, ends, regimes, values } = this.buffers;
    if (starts[row] !== start || ends[row] !== end) return undefined;
    this.served++;
    const v = row * VALUE_COUNT;
    const score = values[v + SCORE]!;
    return {
      symbol,
      candleTs,
      price: closes[end - 1]!,
      score,
      action: actionFor(score, this.signal),
      volatility: values[v + VOLATILITY]!,
      regime: REGIME_OF_CODE[regimes[row]!]!,
      indicators: {
        rsi: values[v + RSI]!,
        maFast: values[v + MA_FAST]!,
        maSlow: values[v + MA_SLOW]!,
        macd: values[v + MACD]!,
        macdSignal: values[v + MACD_SIGNAL]!,
        macdHistogram: values[v + MACD_HISTOGRAM]!,
      },
      candle,
    };
  }

  /**
   * The thread published the previous tick, so it is computing this one: waiting for it (a tick of 126 pairs takes it
   * ~0.2 ms) costs less than evaluating the tick inline (~0.3 ms) while it does the same. A wait that runs out (the
   * thread lost its core) is not tried again for a while.
   */
  private awaitCurrentTick(tickNo: number, slot: number): void {
    const { control, slotTicks } = this.buffers;
    Atomics.store(control, MAIN_WAITING, 1);
    // The thread notifies only when it sees MAIN_WAITING: look again after setting it, then wait.
    const outcome = Atomics.load(slotTicks, slot) === tickNo ? 'ok' : Atomics.wait(slotTicks, slot, Atomics.load(slotTicks, slot), PATIENCE_MS);
    Atomics.store(control, MAIN_WAITING, 0);
    if (outcome === 'timed-out' && Atomics.load(slotTicks, slot) !== tickNo) this.patientFromTick = tickNo + IMPATIENT_TICKS;
  }

  /** Waits until the thread publishes `tickNo`, fails, or the forced run's wait is used up (then waits no more). */
  private awaitTick(tickNo: number, slot: number): void {
    const { control, slotTicks } = this.buffers;
    if (this.waitUntilMs === Number.POSITIVE_INFINITY) this.waitUntilMs = performance.now() + FORCED_WAIT_MS;
    for (;;) {
      const published = Atomics.load(slotTicks, slot);
      if (published === tickNo || Atomics.load(control, THREAD_FAILED) === 1) return;
      const leftMs = this.waitUntilMs - performance.now();
      if (leftMs <= 0) {
        this.waitTicks = 0;
        return;
      }
      Atomics.store(control, MAIN_WAITING, 1);
      Atomics.wait(slotTicks, slot, published, Math.min(leftMs, WAIT_SLICE_MS));
      Atomics.store(control, MAIN_WAITING, 0);
    }
  }

  /** Ends the thread (the run is over, or failed). */
  stop(): void {
    Atomics.store(this.buffers.control, STOP, 1);
    Atomics.notify(this.buffers.control, MAIN_TICK);
    if (this.reusable) idleThreads.release(this.worker);
    else {
      this.worker.unref();
      this.worker.terminate().catch(() => undefined);
    }
  }
}

/**
 * One idle warm thread, kept for the process's next run: a thread compiles the kernel afresh (its first ticks run
 * slower, about 0.3 s of a run of a year of 126 pairs), so a process that runs backtest after backtest (a sweep's
 * worker, the API, a bench) pays that once. It is unref'd: it never keeps the process alive.
 */
class IdleThreads {
  private idle: Worker | null = null;
  private readonly alive = new WeakSet<Worker>();

  /** The idle thread, or a new one. */
  take(): Worker {
    const kept = this.idle;
    this.idle = null;
    if (kept !== null && this.alive.has(kept)) return kept;
    const worker = startThread(THREAD_ENTRY, null);
    this.alive.add(worker);
    // A thread that fails only publishes nothing more: the engine evaluates inline, so its error is not one.
    worker.on('error', () => undefined);
    worker.once('exit', () => {
      this.alive.delete(worker);
      if (this.idle === worker) this.idle = null;
    });
    // Waiting for its data must not keep the process alive.
    worker.unref();
    return worker;
  }

  /** Keeps a thread whose run is over for the next run (it ends that run on the STOP flag); one is kept, no more. */
  release(worker: Worker): void {
    if (this.idle === null && this.alive.has(worker)) this.idle = worker;
    else worker.terminate().catch(() => undefined);
  }
}

const idleThreads = new IdleThreads();

/**
 * The thread started before its run's data is loaded: it loads its modules (about 0.15 s of a core under tsx) while
 * the engine reads the files, then waits for its data as a message, so the run's first ticks are not evaluated inline
 * while it starts. It is the process's idle thread when there is one (warm from an earlier run). A run that does not
 * use it (too small, one core) leaves it to stop().
 */
export class WarmAheadThread {
  /** The thread's id (a test sees a later run get the same thread). */
  readonly threadId: number;

  private constructor(private worker: Worker | null) {
    this.threadId = worker?.threadId ?? -1;
  }

  /** The idle thread, or a new one, when a second core can run it; null otherwise. */
  static start(): WarmAheadThread | null {
    if (availableParallelism() < 2) return null;
    return new WarmAheadThread(idleThreads.take());
  }

  /** The thread, for the one run that uses it; null once taken. */
  take(): Worker | null {
    const worker = this.worker;
    this.worker = null;
    return worker;
  }

  /** Gives the thread back for a later run if no run took it (a run that took it gives it back itself). */
  stop(): void {
    const worker = this.take();
    if (worker !== null) idleThreads.release(worker);
  }
}
