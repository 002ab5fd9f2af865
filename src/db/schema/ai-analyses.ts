import { sql } from 'drizzle-orm';
import { bigint, doublePrecision, index, integer, jsonb, numeric, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import type { SignalAction } from '../../domain/signal-types.js';

/**
 * ok: a verdict; invalid_output: the model answered, but not with a valid verdict; error: the last attempt failed
 * (rate limit, overload, bad key...) and Temporal may still retry it; budget_exhausted: the daily budget was spent,
 * so the model was not asked.
 */
export type AiAnalysisStatus = 'ok' | 'invalid_output' | 'error' | 'budget_exhausted';

/**
 * One row per AI analysis of a coin at a tick, whatever its outcome, keyed by the business key (cycle, tick, coin):
 * a retried activity updates its row instead of adding one, and a finished analysis (ok, invalid_output) is never
 * overwritten. Tokens and cost of every row count against the daily budget.
 */
export const aiAnalyses = pgTable(
  'ai_analyses',
  {
    cycleId: text('cycle_id').notNull(),
    /** The tick's market time, epoch milliseconds. */
    tickTs: bigint('tick_ts', { mode: 'number' }).notNull(),
    symbol: text('symbol').notNull(),
    status: text('status').$type<AiAnalysisStatus>().notNull(),
    /** The model that answered (a dated snapshot when the API names one), else the configured model. */
    model: text('model').notNull(),
    promptVersion: text('prompt_version').notNull(),
    /** sha256 of the prompt sent; null when no prompt was sent (budget exhausted, or it failed before sending). */
    promptHash: text('prompt_hash'),
    inputTokens: integer('input_tokens').notNull().default(0),
    outputTokens: integer('output_tokens').notNull().default(0),
    /** US dollars; null when the model's price is unknown to keel. */
    costUsd: numeric('cost_usd', { precision: 14, scale: 8, mode: 'number' }),
    latencyMs: integer('latency_ms'),
    /** What the signal alone said, for comparing with the verdict. */
    signalAction: text('signal_action').$type<SignalAction>().notNull(),
    signalScore: doublePrecision('signal_score').notNull(),
    /** The verdict (status ok only). */
    action: text('action').$type<SignalAction>(),
    confidence: doublePrecision('confidence'),
    rationale: text('rationale'),
    riskFlags: jsonb('risk_flags').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    /** The start of the model's unusable answer (status invalid_output). */
    rawOutput: text('raw_output'),
    /** KeelError code and message of the failure (statuses invalid_output, error, budget_exhausted). */
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    /** Activity attempt that wrote the row. */
    attempt: integer('attempt').notNull().default(1),
    analyzedAt: timestamp('analyzed_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.cycleId, t.tickTs, t.symbol] }),
    // usageSince: the day's spend is a range scan.
    index('ai_analyses_analyzed_at_idx').on(t.analyzedAt),
    // "Analyses of one coin", across cycles, newest first.
    index('ai_analyses_symbol_analyzed_at_idx').on(t.symbol, t.analyzedAt),
  ],
);
