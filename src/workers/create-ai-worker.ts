import { Worker, type NativeConnection } from '@temporalio/worker';
import { createAiActivities, type AiBudget } from '../activities/ai-activities.js';
import type { MarketAnalyst } from '../ai/port.js';
import type { TaskQueues } from '../contracts/task-queues.js';
import type { Database } from '../db/client.js';
import type { KeelMetrics } from '../observability/metrics.js';

export interface AiWorkerPlan {
  connection: NativeConnection;
  namespace: string;
  queues: TaskQueues;
  analyst: MarketAnalyst;
  db: Database;
  budget: AiBudget;
  /** Wall clock of the budget day (tests move it). */
  now?: () => number;
  /** keel's metrics registry: AI calls, tokens and cost. */
  metrics?: KeelMetrics;
}

/**
 * The keel-ai worker: analyzeWithAi with exactly one slot. The slot is per process, so "one model request at a time"
 * holds only while exactly one process polls the queue: run one replica, and deploy it stop-first (Recreate), never
 * rolling, or old and new replica overlap with two slots. A slot stays taken until the activity function returns,
 * even after the server timed the attempt out, so the one slot also covers retries of a timed-out attempt.
 * Calls beyond the slot wait on the server, where the activity's schedule-to-start timeout bounds the wait and the
 * Web UI shows the backlog.
 */
export async function createAiWorker(plan: AiWorkerPlan): Promise<Worker> {
  return Worker.create({
    connection: plan.connection,
    namespace: plan.namespace,
    taskQueue: plan.queues.ai,
    activities: createAiActivities({ analyst: plan.analyst, db: plan.db, budget: plan.budget, ...(plan.now && { now: plan.now }), metrics: plan.metrics }),
    maxConcurrentActivityTaskExecutions: 1,
    // One poller for one slot: a second poll could only hold a task the slot cannot start yet.
    activityTaskPollerBehavior: { type: 'simple-maximum', maximum: 1 },
  });
}
