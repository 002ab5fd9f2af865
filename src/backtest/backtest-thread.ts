import { parentPort, workerData } from 'node:worker_threads';
import { isKeelError } from '../domain/errors.js';
import { backtestFolder } from './run.js';
import type { ThreadMessage, ThreadRequest } from './run-in-thread.js';

/*
 * The body of a backtest thread (see run-in-thread.ts): runs one backtest and posts progress, then the result or the
 * error. Progress is posted at most every PROGRESS_EVERY_MS so a fast run does not flood the port.
 */
const PROGRESS_EVERY_MS = 1_000;

const port = parentPort!;
const request = workerData as ThreadRequest;
let lastPostMs = 0;
const post = (message: ThreadMessage) => port.postMessage(message);
const progress = (phase: 'load' | 'run') => (done: number, total: number) => {
  const nowMs = Date.now();
  if (done < total && nowMs - lastPostMs < PROGRESS_EVERY_MS) return;
  lastPostMs = nowMs;
  post({ type: 'progress', phase, done, total });
};

try {
  const result = await backtestFolder({ ...request, onLoad: progress('load'), onProgress: progress('run') });
  post({
    type: 'done',
    result: {
      fingerprint: result.fingerprint,
      metrics: result.metrics,
      equity: result.facts.curve.map((p) => [p.ts, p.equity]),
      buyAndHold: result.facts.buyAndHold,
      orders: result.facts.orders,
      pairs: result.facts.pairs,
      timings: result.timings,
    },
  });
} catch (error) {
  post({
    type: 'error',
    error: isKeelError(error) ? { code: error.code, message: error.message } : { message: error instanceof Error ? (error.stack ?? error.message) : String(error) },
  });
}
