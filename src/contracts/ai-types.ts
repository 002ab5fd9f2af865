import type { ActivityOptions } from '@temporalio/common';
import type { Timeframe } from '../domain/market-types.js';
import type { Position } from '../domain/portfolio-types.js';
import type { CoinEvaluation, SignalAction } from '../domain/signal-types.js';

/** Input of `analyzeWithAi` (queue keel-ai). Small: the activity loads the coin's recent candles itself. */
export interface AnalyzeWithAiInput {
  /** With tickTs and the evaluation's symbol, the business key of the analysis (one row per coin per tick). */
  cycleId: string;
  tickTs: number;
  exchange: string;
  timeframe: Timeframe;
  evaluation: CoinEvaluation;
  /** The open position on the coin, or null. */
  position: Position | null;
  /** How many recent closed candles the prompt shows (default 12, at most 48). */
  recentCandles?: number;
}

/**
 * ok: `verdict` is set. invalid_output: the model answered without a usable verdict (recorded; the coin keeps its
 * signal). budget_exhausted: the daily token or cost budget is spent, the model was not asked (recorded).
 */
export type AnalyzeWithAiStatus = 'ok' | 'invalid_output' | 'budget_exhausted';

export interface AiVerdictSummary {
  action: SignalAction;
  /** 0 to 1. */
  confidence: number;
  riskFlags: string[];
}

/** Compact result (the rationale stays in the ai_analyses table, readable per coin). */
export interface AnalyzeWithAiResult {
  status: AnalyzeWithAiStatus;
  symbol: string;
  verdict: AiVerdictSummary | null;
  model: string;
  promptHash: string | null;
  inputTokens: number;
  outputTokens: number;
  /** US dollars; null when the model's price is unknown. */
  costUsd: number | null;
  latencyMs: number | null;
  /** Why there is no verdict, in words; null when status is ok. */
  reason: string | null;
  /** True when an analysis already recorded for this coin and tick was returned instead of asking the model again. */
  reused: boolean;
}

/**
 * Failure types analyzeWithAi can throw that retrying cannot fix. The activity already throws them as non-retryable;
 * this list is the backstop, as in the workflows' other profiles. AiOutputInvalid is listed for completeness: the
 * activity returns it as a status rather than throwing it.
 */
export const AI_NON_RETRYABLE_ERROR_TYPES: string[] = ['AuthenticationError', 'PermissionDenied', 'BadRequest', 'InvalidConfig', 'AiOutputInvalid', 'DatabaseError'];

/**
 * Recommended options for `proxyActivities` on the keel-ai queue (spread them and add `taskQueue: queues.ai`):
 * - startToCloseTimeout 2 min: one model call (the analyst gives up after 90 s) plus the bookkeeping around it.
 * - scheduleToStartTimeout 10 min: the queue has exactly one slot, so calls wait their turn; a call still waiting after
 *   10 minutes fails with a ScheduleToStart timeout (visible in the Web UI as a stuck queue, never retried), and the
 *   coin falls back to its signal. Size the number of AI calls per tick to fit: at ~5 s a call, 10 min is ~120 calls.
 * - heartbeatTimeout 15 s: the activity heartbeats every 2 s while waiting for the model, so a dead worker is noticed
 *   in 15 s (not 2 min), and cancellation reaches the request.
 * - retry: 5 attempts; 429 / 529 / 5xx carry the server's Retry-After as nextRetryDelay, otherwise backoff from 2 s.
 *   400 / 401 / 403 / 404 are thrown as non-retryable.
 */
export const AI_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  scheduleToStartTimeout: '10 minutes',
  heartbeatTimeout: '15 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 5,
    nonRetryableErrorTypes: AI_NON_RETRYABLE_ERROR_TYPES,
  },
};
