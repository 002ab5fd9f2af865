import type { WorkflowHandle } from '@temporalio/client';
import type { CycleConfig, CycleConfigPatch } from '../domain/cycle-config.js';
import { pauseSignal, resumeSignal, statusQuery, updateConfigUpdate } from '../contracts/messages.js';
import { cycleWorkflowId } from '../contracts/workflow-ids.js';
import type { CycleStatus } from '../contracts/workflow-types.js';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';

/** What the API does to market cycles through Temporal; route handlers only parse input and call these. */

export interface CycleRef {
  exchange: string;
  name: string;
}

export interface CycleSummary {
  workflowId: string;
  exchange: string | null;
  name: string | null;
  /** Temporal's execution status of the cycle's latest run: RUNNING, COMPLETED, TERMINATED, ... */
  status: string;
  /** Start of the latest run (each continue-as-new starts a run). */
  startTime: string;
  closeTime: string | null;
}

// Every continue-as-new closes a run as ContinuedAsNew; those are steps of a cycle, not cycles.
const CYCLE_LIST_QUERY = 'WorkflowType = "marketCycle" AND ExecutionStatus != "ContinuedAsNew"';
const WORKFLOW_ID_PATTERN = /^cycle\/([^/]+)\/([^/]+)$/;

/** Market cycles known to Temporal, newest first, one entry per workflow id (its latest run). */
export async function listCycles(ctx: ApiContext, limit: number): Promise<CycleSummary[]> {
  return ctx.temporal(async () => {
    const byId = new Map<string, CycleSummary>();
    for await (const wf of ctx.client.workflow.list({ query: CYCLE_LIST_QUERY, pageSize: Math.min(limit, 1000) })) {
      if (byId.has(wf.workflowId)) continue;
      const [, exchange = null, name = null] = WORKFLOW_ID_PATTERN.exec(wf.workflowId) ?? [];
      byId.set(wf.workflowId, {
        workflowId: wf.workflowId,
        exchange,
        name,
        status: wf.status.name,
        startTime: wf.startTime.toISOString(),
        closeTime: wf.closeTime?.toISOString() ?? null,
      });
      if (byId.size >= limit) break;
    }
    return [...byId.values()];
  });
}

/**
 * The cycle's handle once Temporal confirms it runs: NOT_FOUND when no such workflow exists (WorkflowNotFoundError,
 * mapped by the error handler), CONFLICT when its latest run has ended.
 */
async function runningCycle(ctx: ApiContext, ref: CycleRef): Promise<WorkflowHandle> {
  const workflowId = cycleWorkflowId(ref.exchange, ref.name);
  const handle = ctx.client.workflow.getHandle(workflowId);
  const description = await handle.describe();
  if (description.type !== 'marketCycle') throw new ApiError('NOT_FOUND', `${workflowId} is not a market cycle`);
  if (description.status.name !== 'RUNNING') {
    throw new ApiError('CONFLICT', `market cycle ${workflowId} is not running (${description.status.name})`);
  }
  return handle;
}

export async function cycleStatus(ctx: ApiContext, ref: CycleRef): Promise<CycleStatus> {
  return ctx.temporal(async () => (await runningCycle(ctx, ref)).query(statusQuery));
}

export async function pauseCycle(ctx: ApiContext, ref: CycleRef, reason: string): Promise<string> {
  return ctx.temporal(async () => {
    const handle = await runningCycle(ctx, ref);
    await handle.signal(pauseSignal, reason);
    return handle.workflowId;
  });
}

export async function resumeCycle(ctx: ApiContext, ref: CycleRef): Promise<string> {
  return ctx.temporal(async () => {
    const handle = await runningCycle(ctx, ref);
    await handle.signal(resumeSignal);
    return handle.workflowId;
  });
}

/** Runs the `updateConfig` update; the workflow's validator rejects bad patches (WorkflowUpdateFailedError → 400). */
export async function updateCycleConfig(ctx: ApiContext, ref: CycleRef, patch: Record<string, unknown>): Promise<CycleConfig> {
  return ctx.temporal(async () => {
    const handle = await runningCycle(ctx, ref);
    // The patch is passed as sent: the validator is the one place that knows which settings may change and how.
    return handle.executeUpdate(updateConfigUpdate, { args: [patch as CycleConfigPatch] });
  });
}
