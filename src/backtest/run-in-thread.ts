import { Worker } from 'node:worker_threads';
import type { BacktestMetrics, BacktestOrder } from '../domain/backtest-types.js';
import { ERROR_CODES, KeelError } from '../domain/errors.js';
import type { ErrorCode } from '../domain/errors.js';
import type { BacktestRequest, BacktestResult } from './run.js';

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

/**
 * The thread's module under TypeScript (tsx, vitest) is a .ts file a plain thread cannot load: a small bootstrap
 * registers tsx's loader in the thread first. A fresh thread inherits no execArgv, so no loader is registered twice.
 */
function threadSource(): { source: string | URL; eval: boolean } {
  const ts = import.meta.url.endsWith('.ts');
  const entry = new URL(`${THREAD_ENTRY.href}.${ts ? 'ts' : 'js'}`);
  if (!ts) return { source: entry, eval: false };
  const api = import.meta.resolve('tsx/esm/api');
  return { source: `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });`, eval: true };
}

/** backtestFolder on its own thread. A KeelError in the thread rejects as a KeelError with the same code. */
export function backtestFolderInThread(request: ThreadRequest, hooks: ThreadHooks = {}): Promise<ThreadResult> {
  const { source, eval: isEval } = threadSource();
  return new Promise<ThreadResult>((resolve, reject) => {
    if (hooks.signal?.aborted) {
      reject(hooks.signal.reason);
      return;
    }
    const worker = new Worker(source, { eval: isEval, workerData: request, execArgv: [] });
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
