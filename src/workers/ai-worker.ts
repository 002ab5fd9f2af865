import { NativeConnection, type Worker } from '@temporalio/worker';
import { AnthropicAnalyst } from '../ai/anthropic-analyst.js';
import { loadSettings, redactSettings } from '../config/settings.js';
import { taskQueuesFor } from '../contracts/task-queues.js';
import { createLogger } from '../observability/logger.js';
import { createKeelMetrics } from '../observability/metrics.js';
import { openDatabase } from './adapters.js';
import { createAiWorker } from './create-ai-worker.js';
import { runWorkersUntilSignal } from './serve.js';
import { opsSettingsFromEnv, startProcessOps } from './ops.js';
import { installTemporalRuntimeWithMetrics } from './temporal-runtime.js';

/** Printed (exit code 0) when ANTHROPIC_API_KEY is unset: AI off is a supported state, not a failure. */
const AI_OFF_MESSAGE =
  'AI is off: ANTHROPIC_API_KEY is not set, so the keel-ai worker has nothing to serve and exits. Cycles trade on their signals alone. ' +
  'To turn Claude analysis on, set ANTHROPIC_API_KEY (optionally KEEL_AI_MODEL, KEEL_AI_MAX_TOKENS, KEEL_AI_DAILY_TOKEN_BUDGET, KEEL_AI_DAILY_COST_BUDGET_USD) and start this worker again.';

// Entrypoint of the keel-ai worker. Exactly one replica, deployed stop-first: see createAiWorker.
async function main(): Promise<void> {
  const settings = loadSettings();
  if (!settings.ANTHROPIC_API_KEY) {
    console.error(AI_OFF_MESSAGE);
    return;
  }
  const logger = createLogger(settings.LOG_LEVEL, { name: 'keel-ai-worker' });
  const ops = opsSettingsFromEnv();
  const sdkMetricsUrl = await installTemporalRuntimeWithMetrics(logger);
  const metrics = createKeelMetrics({ processMetrics: true });
  const address = settings.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
  logger.info({ settings: redactSettings(settings) }, 'starting worker');
  if (!settings.DATABASE_URL) {
    logger.warn('no DATABASE_URL: using the embedded database, which only this process can open; separate worker processes need PostgreSQL');
  }
  const analyst = new AnthropicAnalyst({
    apiKey: settings.ANTHROPIC_API_KEY,
    model: settings.KEEL_AI_MODEL,
    maxTokens: settings.KEEL_AI_MAX_TOKENS,
    promptVersion: settings.KEEL_AI_PROMPT_VERSION,
  });
  const database = await openDatabase(settings);
  const connection = await NativeConnection.connect({ address });
  let workers: Worker[] = [];
  const opsServer = await startProcessOps({ ...ops, logger, metrics, sdkMetricsUrl, workers: () => workers, db: database.db, whenPortTaken: 'fail' });
  const worker = await createAiWorker({
    connection,
    namespace: settings.TEMPORAL_NAMESPACE,
    queues: taskQueuesFor(settings.KEEL_TASK_QUEUE_PREFIX, settings.KEEL_MARKET),
    analyst,
    db: database.db,
    budget: {
      ...(settings.KEEL_AI_DAILY_TOKEN_BUDGET !== undefined && { dailyTokens: settings.KEEL_AI_DAILY_TOKEN_BUDGET }),
      ...(settings.KEEL_AI_DAILY_COST_BUDGET_USD !== undefined && { dailyCostUsd: settings.KEEL_AI_DAILY_COST_BUDGET_USD }),
    },
    metrics,
  });
  workers = [worker];
  logger.info({ taskQueue: worker.options.taskQueue, model: analyst.model, promptVersion: analyst.promptVersion }, 'worker polling (one slot)');
  await runWorkersUntilSignal(workers, logger, async () => {
    await opsServer?.close();
    await database.close();
    await connection.close();
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
