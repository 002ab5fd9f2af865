import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { CycleConfig } from '../domain/cycle-config.js';
import { validateCycleConfig } from '../domain/cycle-config.js';
import { KEEL_EXCHANGE, KEEL_MARKET, KEEL_PAUSED, KEEL_TICK } from '../contracts/search-attributes.js';
import { taskQueuesFor } from '../contracts/task-queues.js';
import { cycleWorkflowId } from '../contracts/workflow-ids.js';
import type { marketCycle } from '../workflows/market-cycle.js';

export type CycleHandle = WorkflowHandle<typeof marketCycle>;

/**
 * Starts the market cycle, or attaches to it when it is already running: the workflow id is the business key
 * `cycle/<exchange>/<name>`, so a second start never creates a second cycle.
 */
export async function startOrAttachCycle(client: Client, config: CycleConfig): Promise<{ handle: CycleHandle; started: boolean }> {
  const problems = validateCycleConfig(config);
  if (problems.length > 0) throw new Error(`invalid cycle config:\n  - ${problems.join('\n  - ')}`);
  const workflowId = cycleWorkflowId(config.exchange, config.name);
  const existing = client.workflow.getHandle<typeof marketCycle>(workflowId);
  try {
    const description = await existing.describe();
    if (description.status.name === 'RUNNING') return { handle: existing, started: false };
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
  const handle = await client.workflow.start<typeof marketCycle>('marketCycle', {
    workflowId,
    taskQueue: taskQueuesFor(config.taskQueuePrefix, config.exchange).cycle,
    args: [{ config }],
    // A race with another starter still cannot duplicate the cycle.
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: `market cycle ${config.name} on ${config.exchange}: ${config.universe.symbols?.length ?? config.universe.maxCoins} coins, ${config.timeframe}, ${config.clock} clock`,
    typedSearchAttributes: [
      { key: KEEL_MARKET, value: config.name },
      { key: KEEL_EXCHANGE, value: config.exchange },
      { key: KEEL_PAUSED, value: false },
      { key: KEEL_TICK, value: 0 },
    ],
  });
  return { handle, started: true };
}

/** The Web UI page of one workflow. */
export function webUiWorkflowUrl(uiBaseUrl: string, namespace: string, workflowId: string): string {
  return `${uiBaseUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
