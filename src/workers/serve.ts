import { NativeConnection, type Worker } from '@temporalio/worker';
import { Connection } from '@temporalio/client';
import type { Settings } from '../config/settings.js';
import { redactSettings } from '../config/settings.js';
import { taskQueuesFor } from '../contracts/task-queues.js';
import { backtestTaskQueue } from '../contracts/backtest-types.js';
import type { Logger } from '../observability/logger.js';
import { createLogger } from '../observability/logger.js';
import { createKeelMetrics } from '../observability/metrics.js';
import { registerSearchAttributes } from '../temporal/register-search-attributes.js';
import { buildAdapters, exchangeRequestsPerSecond, openDatabase } from './adapters.js';
import { createKeelWorkers, type BacktestWorkerPlan, type WorkerRole } from './create-workers.js';
import { opsSettingsFromEnv, startProcessOps } from './ops.js';
import { installTemporalRuntimeWithMetrics } from './temporal-runtime.js';

/** Runs the given workers until SIGINT/SIGTERM, then drains them and closes the database. */
export async function runWorkersUntilSignal(workers: Worker[], logger: Logger, onStopped: () => Promise<void>): Promise<void> {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing in-flight tasks (Ctrl-C again to force)');
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  await Promise.all(workers.map((w) => w.run()));
  await onStopped();
}

/** Entrypoint body for a single-queue worker process (cycle, exchange, db or backtest), connecting to TEMPORAL_ADDRESS. */
export async function serveRole(role: WorkerRole, settings: Readonly<Settings>): Promise<void> {
  const logger = createLogger(settings.LOG_LEVEL, { name: `keel-${role}-worker` });
  const ops = opsSettingsFromEnv();
  const sdkMetricsUrl = await installTemporalRuntimeWithMetrics(logger);
  const metrics = createKeelMetrics({ processMetrics: true });
  const address = settings.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
  logger.info({ role, settings: redactSettings(settings) }, 'starting worker');
  if (!settings.DATABASE_URL && role !== 'cycle') {
    logger.warn('no DATABASE_URL: using the embedded database, which only this process can open; separate worker processes need PostgreSQL');
  }
  const connection = await NativeConnection.connect({ address });
  const client = await Connection.connect({ address });
  await registerSearchAttributes(client, settings.TEMPORAL_NAMESPACE);
  await client.close();
  const exchange = role === 'exchange' ? await buildAdapters(settings) : undefined;
  const database = exchange?.database ?? (role === 'db' || role === 'backtest' ? await openDatabase(settings) : undefined);
  if (exchange) logger.info({ market: exchange.description }, 'exchange adapters ready');
  let workers: Worker[] = [];
  // Up before the workers, so liveness answers while the workflow bundle builds (readiness says not yet).
  const opsServer = await startProcessOps({ ...ops, logger, metrics, sdkMetricsUrl, workers: () => workers, ...(database && { db: database.db }), whenPortTaken: 'fail' });
  workers = await createKeelWorkers({
    connection,
    namespace: settings.TEMPORAL_NAMESPACE,
    queues: taskQueuesFor(settings.KEEL_TASK_QUEUE_PREFIX, settings.KEEL_MARKET),
    roles: [role],
    ...(database && { db: database.db }),
    ...(exchange && {
      gateway: exchange.gateway,
      broker: exchange.broker,
      ...(exchange.marketRules && { marketRules: exchange.marketRules }),
      ...(exchange.accountReader && { accountReader: exchange.accountReader }),
      ...(exchange.requestBudget && { requestBudget: exchange.requestBudget }),
    }),
    exchangeRequestsPerSecond: exchange?.exchangeRequestsPerSecond ?? exchangeRequestsPerSecond(settings),
    metrics,
    ...(role === 'backtest' && { backtest: backtestWorkerPlan(settings) }),
  });
  logger.info({ taskQueues: workers.map((w) => w.options.taskQueue) }, 'worker polling');
  await runWorkersUntilSignal(workers, logger, async () => {
    await opsServer?.close();
    if (exchange) await exchange.close();
    else await database?.close();
    await connection.close();
  });
}

/** The keel-backtest worker's queue, slots and default folder, from settings. */
export function backtestWorkerPlan(settings: Readonly<Settings>): BacktestWorkerPlan {
  return {
    taskQueue: backtestTaskQueue(settings.KEEL_TASK_QUEUE_PREFIX),
    slots: settings.KEEL_BACKTEST_SLOTS,
    ...(settings.KEEL_REPLAY_DIR !== undefined && { replayDir: settings.KEEL_REPLAY_DIR }),
  };
}
