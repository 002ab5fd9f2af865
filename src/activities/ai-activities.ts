import { CancelledFailure, activityInfo, cancellationSignal, heartbeat, log, sleep } from '@temporalio/activity';
import { buildCoinBrief } from '../ai/brief.js';
import type { AnalysisResult, MarketAnalyst } from '../ai/port.js';
import { isAiOutputInvalid } from '../ai/port.js';
import { costUsd } from '../ai/pricing.js';
import type { AnalyzeWithAiInput, AnalyzeWithAiResult } from '../contracts/ai-types.js';
import { KeelError, isKeelError } from '../domain/errors.js';
import type { Database } from '../db/client.js';
import { findAnalysis, recordAnalysis, usageSince } from '../db/queries/ai-analyses.js';
import type { AnalysisKey, AnalysisRecord } from '../db/queries/ai-analyses.js';
import { loadRecentCandles } from '../db/queries/candles.js';
import type { KeelMetrics } from '../observability/metrics.js';
import { toApplicationFailure } from './to-application-failure.js';

/** Daily caps, counted from 00:00 UTC over every recorded analysis; an unset cap is no cap. */
export interface AiBudget {
  dailyTokens?: number;
  dailyCostUsd?: number;
}

export interface AiActivityDeps {
  analyst: MarketAnalyst;
  db: Database;
  budget: AiBudget;
  /** Wall clock for the budget day and the analyses' timestamps (tests move it). */
  now?: () => number;
  /** How often to heartbeat while the model call is pending. */
  heartbeatIntervalMs?: number;
  /** AI calls by status, tokens and cost, analyses recorded. */
  metrics?: KeelMetrics;
}

const DAY_MS = 86_400_000;
const DEFAULT_RECENT_CANDLES = 12;
const DEFAULT_HEARTBEAT_INTERVAL_MS = 2_000;
/** A rate-limit wait shorter than this is sat out in the slot; a longer one goes back to Temporal as nextRetryDelay. */
const MAX_IN_SLOT_WAIT_MS = 30_000;
/** Analyses the model answered but the database did not take: reused by the retry instead of paying twice. */
const MAX_UNRECORDED = 100;

/**
 * Activities of the `keel-ai` queue. analyzeWithAi asks the model about one coin and records the analysis whatever
 * its outcome; it is served by a worker with exactly one slot, so the model sees one request at a time.
 *
 * Outcomes:
 * - a verdict: recorded as ok and returned.
 * - invalid output (the model answered, but not with a valid verdict): recorded as invalid_output and RETURNED as
 *   status invalid_output, not thrown. Retrying would pay again for what is most likely the same kind of answer, and
 *   a returned status cannot be retried by accident, whatever the caller's retry policy; the coin keeps its signal.
 * - budget exhausted: recorded as budget_exhausted and returned, without any model call.
 * - anything else (429, 529, 5xx, network, bad key...): recorded as error and thrown as a KeelError, which
 *   withFailureMapping's toApplicationFailure turns into an ApplicationFailure: retryable ones carry the server's
 *   Retry-After as nextRetryDelay, permanent ones are non-retryable. Cancellation stays a CancelledFailure.
 */
export function createAiActivities({ analyst, db, budget, now = Date.now, heartbeatIntervalMs = DEFAULT_HEARTBEAT_INTERVAL_MS, metrics }: AiActivityDeps) {
  /** Until when (Date.now ms) the API asked for a pause; shared by every call this worker makes. */
  let rateLimitedUntil = 0;
  const unrecorded = new Map<string, AnalysisResult>();
  let warnedUnpriced = false;

  async function withHeartbeats<T>(details: unknown, work: () => Promise<T>): Promise<T> {
    heartbeat(details);
    const timer = setInterval(() => heartbeat(details), heartbeatIntervalMs);
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }

  /** Null while within budget, else why not. */
  async function budgetExhausted(): Promise<string | null> {
    if (budget.dailyTokens === undefined && budget.dailyCostUsd === undefined) return null;
    const dayStart = Math.floor(now() / DAY_MS) * DAY_MS;
    const used = await usageSince(db, dayStart);
    const since = new Date(dayStart).toISOString();
    if (budget.dailyTokens !== undefined && used.tokens >= budget.dailyTokens) {
      return `daily AI token budget exhausted: ${used.tokens} of ${budget.dailyTokens} tokens used since ${since}; no model call until 00:00 UTC, the coin keeps its signal`;
    }
    if (budget.dailyCostUsd !== undefined) {
      if (used.unpriced > 0 && !warnedUnpriced) {
        warnedUnpriced = true;
        log.warn('some analyses have no known price, so the daily cost budget undercounts them (the token budget still counts them)', { unpriced: used.unpriced, model: analyst.model });
      }
      if (used.costUsd >= budget.dailyCostUsd) {
        return `daily AI cost budget exhausted: $${used.costUsd.toFixed(4)} of $${budget.dailyCostUsd} spent since ${since}; no model call until 00:00 UTC, the coin keeps its signal`;
      }
    }
    return null;
  }

  /**
   * After a 429 the whole queue waits, not just the call that got it: the next call sits out a short pause in the
   * slot (heartbeating), or hands a long one back to Temporal as a retryable failure carrying the remaining wait.
   */
  async function waitOutRateLimit(symbol: string): Promise<void> {
    const remaining = rateLimitedUntil - Date.now();
    if (remaining <= 0) return;
    if (remaining > MAX_IN_SLOT_WAIT_MS) {
      throw new KeelError('RateLimitExceeded', `the Anthropic API asked for a pause until ${new Date(rateLimitedUntil).toISOString()}; ${symbol} waits for it`, { retryAfterMs: remaining });
    }
    log.info('waiting out the Anthropic rate limit before the next call', { symbol, waitMs: remaining });
    await withHeartbeats({ symbol, phase: 'rate-limit pause' }, () => sleep(remaining));
  }

  async function analyze(input: AnalyzeWithAiInput): Promise<AnalyzeWithAiResult> {
    const symbol = input.evaluation.symbol;
    const key: AnalysisKey = { cycleId: input.cycleId, tickTs: input.tickTs, symbol };
    const keyText = `${key.cycleId}|${key.tickTs}|${key.symbol}`;
    const base = {
      ...key,
      promptVersion: analyst.promptVersion,
      signalAction: input.evaluation.action,
      signalScore: input.evaluation.score,
      attempt: activityInfo().attempt,
    };
    const blank = { promptHash: null, inputTokens: 0, outputTokens: 0, costUsd: null, latencyMs: null, action: null, confidence: null, rationale: null, riskFlags: [], rawOutput: null, errorCode: null, errorMessage: null };

    // A retry after the analysis was already recorded (say the worker died before reporting): hand back the record.
    const existing = await findAnalysis(db, key);
    if (existing !== null && (existing.status === 'ok' || existing.status === 'invalid_output')) return toResult(existing, true);

    // An answer already paid for (its recording failed on an earlier attempt) is used whatever the budget says.
    let analysis = unrecorded.get(keyText);
    const exhausted = analysis === undefined ? await budgetExhausted() : null;
    if (exhausted !== null) {
      await recordAnalysis(db, { ...base, ...blank, status: 'budget_exhausted', model: analyst.model, errorMessage: exhausted, analyzedAtMs: now() });
      log.warn('AI analysis skipped', { symbol, reason: exhausted });
      return { status: 'budget_exhausted', symbol, verdict: null, model: analyst.model, promptHash: null, inputTokens: 0, outputTokens: 0, costUsd: null, latencyMs: null, reason: exhausted, reused: false };
    }

    try {
      if (analysis === undefined) {
        await waitOutRateLimit(symbol);
        const recentCandles = input.recentCandles ?? DEFAULT_RECENT_CANDLES;
        const candles = await loadRecentCandles(db, { exchange: input.exchange, symbol, timeframe: input.timeframe, untilOpenTs: input.evaluation.candleTs, limit: recentCandles });
        const brief = buildCoinBrief(input.evaluation, { timeframe: input.timeframe, candles, position: input.position, maxCandles: recentCandles });
        const signal = cancellationSignal();
        analysis = await withHeartbeats({ symbol, phase: 'waiting for the model' }, () => analyst.analyze(brief, { signal }));
      }
      const { verdict, usage } = analysis;
      const record: AnalysisRecord = {
        ...base,
        ...blank,
        status: 'ok',
        model: analysis.model,
        promptHash: analysis.promptHash,
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        costUsd: costUsd(analysis.model, usage),
        latencyMs: analysis.latencyMs,
        action: verdict.action,
        confidence: verdict.confidence,
        rationale: verdict.rationale,
        riskFlags: verdict.riskFlags,
        analyzedAtMs: now(),
      };
      const written = await rememberUntilRecorded(keyText, analysis, () => recordAnalysis(db, record));
      if (!written) {
        // Another attempt finished this analysis first (only possible with a second poller, e.g. during a deploy).
        const kept = await findAnalysis(db, key);
        if (kept !== null) return toResult(kept, true);
      }
      log.info('AI verdict', { symbol, action: verdict.action, confidence: verdict.confidence, signal: input.evaluation.action, tokens: usage.inputTokens + usage.outputTokens, costUsd: record.costUsd, latencyMs: analysis.latencyMs });
      return toResult(record, false);
    } catch (error) {
      if (isAiOutputInvalid(error)) {
        const d = error.details;
        const record: AnalysisRecord = {
          ...base,
          ...blank,
          status: 'invalid_output',
          model: d.model,
          promptVersion: d.promptVersion,
          promptHash: d.promptHash,
          inputTokens: d.usage.inputTokens,
          outputTokens: d.usage.outputTokens,
          costUsd: costUsd(d.model, d.usage),
          latencyMs: d.latencyMs,
          rawOutput: d.rawOutput,
          errorCode: error.code,
          errorMessage: error.message,
          analyzedAtMs: now(),
        };
        await recordAnalysis(db, record);
        log.warn('AI answer unusable; the coin keeps its signal', { symbol, reason: error.message });
        return toResult(record, false);
      }
      if (error instanceof CancelledFailure) throw error;
      if (isKeelError(error) && error.code === 'RateLimitExceeded' && error.retryAfterMs !== undefined) {
        rateLimitedUntil = Math.max(rateLimitedUntil, Date.now() + error.retryAfterMs);
      }
      const code = isKeelError(error) ? error.code : 'Internal';
      const message = error instanceof Error ? error.message : String(error);
      await recordAnalysis(db, { ...base, ...blank, status: 'error', model: analyst.model, errorCode: code, errorMessage: message, analyzedAtMs: now() }).catch((recordError: unknown) => {
        log.warn('could not record the failed AI analysis', { symbol, error: recordError instanceof Error ? recordError.message : String(recordError) });
      });
      throw error;
    }
  }

  /** Keeps a paid-for answer in memory until the database has it, so a retry after a failed write does not pay again. */
  async function rememberUntilRecorded<T>(keyText: string, analysis: AnalysisResult, write: () => Promise<T>): Promise<T> {
    unrecorded.set(keyText, analysis);
    if (unrecorded.size > MAX_UNRECORDED) unrecorded.delete(unrecorded.keys().next().value as string);
    const result = await write();
    unrecorded.delete(keyText);
    return result;
  }

  /** A reused result was paid for and counted by an earlier attempt; budget_exhausted made no model call. */
  function observeResult(result: AnalyzeWithAiResult): void {
    if (!metrics) return;
    if (result.reused) {
      metrics.observeAiCall('reused');
      return;
    }
    metrics.rowsWritten('ai_analyses', 1);
    if (result.status === 'budget_exhausted') metrics.observeAiCall('budget_exhausted');
    else metrics.observeAiCall(result.status, { inputTokens: result.inputTokens, outputTokens: result.outputTokens, costUsd: result.costUsd });
  }

  return {
    async analyzeWithAi(input: AnalyzeWithAiInput): Promise<AnalyzeWithAiResult> {
      try {
        const result = await analyze(input);
        observeResult(result);
        return result;
      } catch (error) {
        // As withFailureMapping, except that a cancellation must stay a CancelledFailure for Temporal to report the
        // activity as cancelled rather than failed.
        metrics?.observeAiCall(error instanceof CancelledFailure ? 'cancelled' : 'error');
        if (error instanceof CancelledFailure) throw error;
        throw toApplicationFailure(error);
      }
    },
  };
}

export type AiActivities = ReturnType<typeof createAiActivities>;

function toResult(record: AnalysisRecord, reused: boolean): AnalyzeWithAiResult {
  const verdict = record.status === 'ok' && record.action !== null && record.confidence !== null ? { action: record.action, confidence: record.confidence, riskFlags: record.riskFlags } : null;
  const ok = verdict !== null;
  return {
    status: ok ? 'ok' : record.status === 'budget_exhausted' ? 'budget_exhausted' : 'invalid_output',
    symbol: record.symbol,
    verdict,
    model: record.model,
    promptHash: record.promptHash,
    inputTokens: record.inputTokens,
    outputTokens: record.outputTokens,
    costUsd: record.costUsd,
    latencyMs: record.latencyMs,
    reason: ok ? null : (record.errorMessage ?? `analysis ${record.status}`),
    reused,
  };
}
