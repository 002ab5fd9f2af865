import { getExternalWorkflowHandle, log, proxyActivities } from '@temporalio/workflow';
import type { AiActivities } from '../activities/ai-activities.js';
import { AI_ACTIVITY_OPTIONS, type AnalyzeWithAiResult } from '../contracts/ai-types.js';
import { aiVerdictSignal } from '../contracts/messages.js';
import { taskQueuesFor } from '../contracts/task-queues.js';
import type { AiAnalysisInput, AiVerdictMessage } from '../contracts/workflow-types.js';
import { failureInfo } from './failure-info.js';

/**
 * One Claude analysis of one coin, started by the market cycle without waiting for it (parent close policy ABANDON),
 * so the tick never waits on the one-slot AI queue. The verdict goes back to the cycle as a signal; the cycle applies
 * it at its next allocation while it is fresh. Any failure becomes a "no verdict" message: the coin keeps its signal.
 */
export async function aiAnalysis(input: AiAnalysisInput): Promise<AnalyzeWithAiResult | null> {
  const queues = taskQueuesFor(input.taskQueuePrefix, input.exchange);
  const ai = proxyActivities<AiActivities>({ ...AI_ACTIVITY_OPTIONS, taskQueue: queues.ai });
  let result: AnalyzeWithAiResult | null = null;
  let message: AiVerdictMessage;
  try {
    result = await ai.analyzeWithAi({
      cycleId: input.cycleId,
      tickTs: input.tickTs,
      exchange: input.exchange,
      timeframe: input.timeframe,
      evaluation: input.evaluation,
      position: input.position,
    });
    message = { symbol: input.evaluation.symbol, tickNo: input.tickNo, status: result.status, verdict: result.verdict, reason: result.reason };
  } catch (error) {
    const { errorType, message: text } = failureInfo(error);
    log.warn('AI analysis failed; the coin keeps its signal', { symbol: input.evaluation.symbol, errorType, message: text });
    message = { symbol: input.evaluation.symbol, tickNo: input.tickNo, status: 'failed', verdict: null, reason: `${errorType}: ${text}` };
  }
  try {
    // No run id: the signal reaches whichever run of the cycle is current (it continues as new every tick).
    await getExternalWorkflowHandle(input.cycleId).signal(aiVerdictSignal, message);
  } catch (error) {
    log.info('cycle no longer running; verdict kept in the database only', { symbol: input.evaluation.symbol, reason: failureInfo(error).message });
  }
  return result;
}
