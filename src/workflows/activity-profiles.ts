import { proxyActivities } from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import type { BacktestActivities, DbActivities, ExchangeActivities } from '../activities/index.js';
import type { TaskQueues } from '../contracts/task-queues.js';

/**
 * Every activity timeout and retry policy lives here. Retries are bounded (no "retry forever"), permanent errors are
 * thrown by the activities as non-retryable, and the list below is a backstop naming the same codes.
 */
const PERMANENT_ERROR_TYPES = [
  'AuthenticationError',
  'PermissionDenied',
  'InsufficientFunds',
  'InvalidOrder',
  'OrderNotFound',
  'BadSymbol',
  'BadRequest',
  'BadResponse',
  'NotSupported',
  'ExchangeError',
  'InvalidConfig',
  'InvalidMarketData',
  'DatabaseError',
  'LiveTradingDisabled',
];

/**
 * Exchange reads: short attempts, several retries with a gentle backoff (1, 1.5, 2.3, 3.4 ... at most 10 s apart, about
 * 50 s in all): sporadic 5xx and timeouts are retried quickly, and a longer outage fails the coin for this tick (the next
 * tick syncs what it missed) instead of holding the tick for minutes. Rate-limit errors carry their own nextRetryDelay.
 * A crashed worker's attempt is retried once startToClose passes; ccxt's own request timeout is 10 s.
 */
const exchangeRead: ActivityOptions = {
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 1.5, maximumInterval: '10 seconds', maximumAttempts: 10, nonRetryableErrorTypes: PERMANENT_ERROR_TYPES },
};

/**
 * Order placement: safe to retry only because every attempt looks the client order id up first (a lost response
 * is found, not re-sent) and an attempt Temporal has given up sends nothing more (placeOrder's guard: the retry's
 * look-up may run while the old attempt still waits for the rate limiter). More patience than reads (several minutes
 * in all), since an order that never lands is worse than a late one, with the same gentle backoff so a sporadic fault
 * costs seconds, not a minute.
 *
 * startToClose is sized for the exchange's rate-limit queue: a tick's placements share it, four calls each (look up
 * open, look up closed, create, read back), so ten buys at Kraken's 1 call/s put the last create about 30 s after its
 * attempt started, and the guard also wants the create's reply (ccxt's 10 s timeout) inside the attempt: 60 s. A
 * longer queue is refused before it sends (AttemptStopped, retried once the queue ahead has drained), never sent late.
 * The heartbeat timeout lets the worker learn of a timeout or cancellation (from a heartbeat's reply; the SDK sends
 * one at most every 8 s, 80% of it) and retries a dead worker's attempt after 10 s instead of 60 s.
 */
const exchangeWrite: ActivityOptions = {
  startToCloseTimeout: '60 seconds',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 1.5, maximumInterval: '30 seconds', maximumAttempts: 15, nonRetryableErrorTypes: PERMANENT_ERROR_TYPES },
};

/**
 * Reconciliation reads the account with several calls in one attempt (each retried in place a few times, see
 * reconcileAccount); read-only, so any number of attempts is safe. When it still fails, the cycle keeps the coins in
 * doubt untraded and tries again before the next tick.
 */
const reconciliation: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 1.5, maximumInterval: '10 seconds', maximumAttempts: 8, nonRetryableErrorTypes: PERMANENT_ERROR_TYPES },
};

/** Database work: bulk statements finish in well under a second; retry transient outages for about a minute. */
const database: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '15 seconds', maximumAttempts: 10, nonRetryableErrorTypes: PERMANENT_ERROR_TYPES },
};

// `summary` is the one-line description the Web UI shows on the scheduled activity, so a tick reads as a story.
const withSummary = (summary: string | undefined) => (summary === undefined ? {} : { summary });

export function exchangeReadActivities(queues: TaskQueues, summary?: string) {
  return proxyActivities<ExchangeActivities>({ ...exchangeRead, taskQueue: queues.exchange, ...withSummary(summary) });
}

export function exchangeWriteActivities(queues: TaskQueues, summary?: string) {
  return proxyActivities<ExchangeActivities>({ ...exchangeWrite, taskQueue: queues.exchange, ...withSummary(summary) });
}

export function databaseActivities(queues: TaskQueues, summary?: string) {
  return proxyActivities<DbActivities>({ ...database, taskQueue: queues.db, ...withSummary(summary) });
}

export function reconciliationActivities(queues: TaskQueues, summary?: string) {
  return proxyActivities<ExchangeActivities>({ ...reconciliation, taskQueue: queues.exchange, ...withSummary(summary) });
}

/**
 * One backtest run on the keel-backtest queue: a full 126-pair run takes minutes, so 30 min per attempt. The activity
 * heartbeats every few seconds from its own timer (the run is on a thread of its own), so a dead worker's run is
 * retried after a minute, not 30. Three attempts: a run refused for its settings or data is already a result (the
 * activity returns it failed; the list names InvalidConfig, InvalidMarketData and BadSymbol too), so what is left to
 * retry is a lost worker or a database hiccup.
 */
const backtestRun: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 3, nonRetryableErrorTypes: PERMANENT_ERROR_TYPES },
};

export function backtestActivities(taskQueue: string, summary?: string) {
  return proxyActivities<BacktestActivities>({ ...backtestRun, taskQueue, ...withSummary(summary) });
}

/** Bookkeeping on the backtest queue (marking a run failed): a quick database write. */
export function backtestBookkeepingActivities(taskQueue: string) {
  return proxyActivities<BacktestActivities>({ ...database, taskQueue });
}
