import type { BacktestMetrics, BacktestOrder } from '../domain/backtest-types.js';
import { ERROR_CODES, KeelError } from '../domain/errors.js';
import type { ErrorCode } from '../domain/errors.js';
import type { BacktestRequest, BacktestResult } from './run.js';
import { startThread } from './thread-start.js';

/*
 * A backtest is minutes of synchronous CPU work. Run on a worker's own thread it would stall everything else that
 * process does: its heartbeats (the SDK sends them from the event loop), the cancellation of the activity, and, in
 * `npm start`, the cycle, exchange and db workers living in the same process. So it runs on a thread of its own.
 */

/** What the thread is given: the request without its callbacks (functions do not cross threads). */
export type ThreadRequest = Omit<BacktestRequest, 'onLoad' | 'onProgress'>;

/** A run's results as they are stored (backtest_runs and its orders), without the in-memory tick arrays. */
export interface ThreadResult {
  fingerprint: string;
  metrics: BacktestMetrics;
  equity: Array<[number, number]>;
  buyAndHold: Array<[number, number]>;
  orders: BacktestOrder[];
  pairs: string[];
  timings: BacktestResult['timings'];
}

export type ThreadMessage =
  | { type: 'progress'; phase: 'load' | 'run'; done: number; total: number }
  | { type: 'done'; result: ThreadResult }
  | { type: 'error'; error: { code?: ErrorCode; message: string } };

export interface ThreadHooks {
  /** Files read (phase 'load') or ticks replayed (phase 'run'), at most about once a second. */
  onProgress?: (phase: 'load' | 'run', done: number, total: number) => void;
  /** Aborting ends the thread at once; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

const THREAD_ENTRY = new URL('./backtest-thread', import.meta.url);

/** backtestFolder on its own thread. A KeelError in the thread rejects as a KeelError with the same code. */
export function backtestFolderInThread(request: ThreadRequest, hooks: ThreadHooks = {}): Promise<ThreadResult> {
  return new Promise<ThreadResult>((resolve, reject) => {
    if (hooks.signal?.aborted) {
      reject(hooks.signal.reason);
      return;
    }
    const worker = startThread(THREAD_ENTRY, request);
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      hooks.signal?.removeEventListener('abort', onAbort);
      fn();
      void worker.terminate();
    };
    const onAbort = () => settle(() => reject(hooks.signal!.reason));
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (message: ThreadMessage) => {
      if (message.type === 'progress') hooks.onProgress?.(message.phase, message.done, message.total);
      else if (message.type === 'done') settle(() => resolve(message.result));
      else settle(() => reject(message.error.code !== undefined && message.error.code in ERROR_CODES ? new KeelError(message.error.code, message.error.message) : new Error(`backtest thread: ${message.error.message}`)));
    });
    worker.on('error', (error) => settle(() => reject(error)));
    worker.on('exit', (code) => settle(() => reject(new Error(`backtest thread exited (code ${code}) without a result`))));
  });
}
