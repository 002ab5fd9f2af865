// Test-only workflow (bundled by the AI queue test through workflowsPath): asks analyzeWithAi about every input at
// once, as a tick with many coins would, with the recommended activity profile, and reports each outcome as data.
import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { AiActivities } from '../../../../src/activities/ai-activities.js';
import { AI_ACTIVITY_OPTIONS } from '../../../../src/contracts/ai-types.js';
import type { AnalyzeWithAiInput, AnalyzeWithAiResult } from '../../../../src/contracts/ai-types.js';

export interface AiFanoutInput {
  taskQueue: string;
  inputs: AnalyzeWithAiInput[];
  /** Test speed-ups on top of the recommended profile. */
  heartbeatTimeout?: string;
  initialInterval?: string;
}

export type AiFanoutOutcome = { ok: true; result: AnalyzeWithAiResult } | { ok: false; type: string; nonRetryable: boolean; message: string };

export async function aiFanout(input: AiFanoutInput): Promise<AiFanoutOutcome[]> {
  const { analyzeWithAi } = proxyActivities<AiActivities>({
    ...AI_ACTIVITY_OPTIONS,
    ...(input.heartbeatTimeout !== undefined && { heartbeatTimeout: input.heartbeatTimeout }),
    retry: { ...AI_ACTIVITY_OPTIONS.retry, ...(input.initialInterval !== undefined && { initialInterval: input.initialInterval }) },
    taskQueue: input.taskQueue,
  });
  const settled = await Promise.allSettled(input.inputs.map((coin) => analyzeWithAi(coin)));
  return settled.map((outcome): AiFanoutOutcome => {
    if (outcome.status === 'fulfilled') return { ok: true, result: outcome.value };
    const error: unknown = outcome.reason;
    const cause = error instanceof ActivityFailure ? error.cause : error;
    if (cause instanceof ApplicationFailure) return { ok: false, type: cause.type ?? 'Error', nonRetryable: cause.nonRetryable === true, message: cause.message };
    return { ok: false, type: cause instanceof Error ? cause.name : 'unknown', nonRetryable: false, message: cause instanceof Error ? cause.message : String(cause) };
  });
}
