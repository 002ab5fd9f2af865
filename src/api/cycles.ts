import type { WorkflowHandle } from '@temporalio/client';
import { applyConfigPatch, defaultCycleConfig, validateCycleConfig, type CycleConfig, type CycleConfigPatch } from '../domain/cycle-config.js';
import { startOrAttachCycle } from '../temporal/cycle-client.js';
import { pauseSignal, resumeSignal, statusQuery, updateConfigUpdate } from '../contracts/messages.js';
import { cycleWorkflowId } from '../contracts/workflow-ids.js';
import type { CycleStatus } from '../contracts/workflow-types.js';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';
import type { StartCycleSettings } from './validation.js';

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
  // The cycle continues as new after every tick: a describe can land on the run that just closed. Signals, queries and
  // updates sent without a run id reach the current run, so that cycle is running.
  if (description.status.name !== 'RUNNING' && description.status.name !== 'CONTINUED_AS_NEW') {
    throw new ApiError('CONFLICT', `market cycle ${workflowId} is not running (${description.status.name})`);
  }
  return handle;
}

/** The read-cache key of a cycle's status answer; changes made through the API forget it. */
export const statusKey = (workflowId: string) => `status ${workflowId}`;

/**
 * The status query's answer. Concurrent requests for one cycle share one query, and an answer serves for a moment
 * (ctx.cache): Temporal serves queries to one workflow one at a time.
 */
export async function cycleStatus(ctx: ApiContext, ref: CycleRef): Promise<CycleStatus> {
  const workflowId = cycleWorkflowId(ref.exchange, ref.name);
  return ctx.cache.get(statusKey(workflowId), () => ctx.temporal(async () => (await runningCycle(ctx, ref)).query(statusQuery)));
}

/** Runs `change` on the running cycle; the next status request asks the cycle again. */
async function changeCycle<T>(ctx: ApiContext, ref: CycleRef, change: (handle: WorkflowHandle) => Promise<T>): Promise<T> {
  try {
    return await ctx.temporal(async () => change(await runningCycle(ctx, ref)));
  } finally {
    ctx.cache.delete(statusKey(cycleWorkflowId(ref.exchange, ref.name)));
  }
}

export async function pauseCycle(ctx: ApiContext, ref: CycleRef, reason: string): Promise<string> {
  return changeCycle(ctx, ref, async (handle) => {
    await handle.signal(pauseSignal, reason);
    return handle.workflowId;
  });
}

export async function resumeCycle(ctx: ApiContext, ref: CycleRef): Promise<string> {
  return changeCycle(ctx, ref, async (handle) => {
    await handle.signal(resumeSignal);
    return handle.workflowId;
  });
}

/** Runs the `updateConfig` update; the workflow's validator rejects bad patches (WorkflowUpdateFailedError → 400). */
export async function updateCycleConfig(ctx: ApiContext, ref: CycleRef, patch: Record<string, unknown>): Promise<CycleConfig> {
  // The patch's values are checked by the validator, the one place that knows which settings may change and how.
  return changeCycle(ctx, ref, (handle) => handle.executeUpdate(updateConfigUpdate, { args: [patch as CycleConfigPatch] }));
}

export interface StartCycleRequest extends CycleRef {
  settings: StartCycleSettings | undefined;
}

export interface StartCycleResult {
  workflowId: string;
  started: boolean;
  webUiUrl: string;
}

/** The config of a new cycle: the defaults, the API's own defaults (task-queue prefix), then the request's settings. */
export function cycleConfigFor(ctx: ApiContext, request: StartCycleRequest): CycleConfig {
  const { quote, clock, marketStartMs, ...patch } = request.settings ?? {};
  const base = defaultCycleConfig({ ...ctx.cycleDefaults, exchange: request.exchange, name: request.name });
  return {
    ...applyConfigPatch(base, patch as CycleConfigPatch),
    ...(quote !== undefined && { quote }),
    ...(clock !== undefined && { clock }),
    ...(marketStartMs !== undefined && { marketStartMs }),
  };
}

/**
 * Starts the market cycle, or attaches to the running one (the workflow id is the business key, so a second start
 * never creates a second cycle). The whole config is checked by validateCycleConfig first: BAD_REQUEST lists every
 * problem. Attaching ignores the settings: the running cycle's config changes through PATCH .../config only.
 */
export async function startCycle(ctx: ApiContext, request: StartCycleRequest): Promise<StartCycleResult> {
  const config = cycleConfigFor(ctx, request);
  const problems = validateCycleConfig(config);
  if (problems.length > 0) throw new ApiError('BAD_REQUEST', `invalid cycle config: ${problems.join('; ')}`);
  const { handle, started } = await ctx.temporal(() => startOrAttachCycle(ctx.client, config));
  ctx.cache.delete(statusKey(handle.workflowId));
  return { workflowId: handle.workflowId, started, webUiUrl: ctx.workflowUrl(handle.workflowId) };
}
