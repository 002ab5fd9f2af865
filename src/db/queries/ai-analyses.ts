import { and, asc, desc, eq, gte, notInArray, sql } from 'drizzle-orm';
import type { SignalAction } from '../../domain/signal-types.js';
import type { Database } from '../client.js';
import { withDatabaseErrors } from '../errors.js';
import { aiAnalyses } from '../schema/index.js';
import type { AiAnalysisStatus } from '../schema/ai-analyses.js';
import { excluded } from './sql-helpers.js';

export type { AiAnalysisStatus };

/** Identifies one analysis: a coin at a tick of a cycle. */
export interface AnalysisKey {
  cycleId: string;
  tickTs: number;
  symbol: string;
}

/** Everything kept about one analysis; also what listAnalyses returns. */
export interface AnalysisRecord extends AnalysisKey {
  status: AiAnalysisStatus;
  model: string;
  promptVersion: string;
  promptHash: string | null;
  inputTokens: number;
  outputTokens: number;
  /** US dollars; null when the model's price is unknown. */
  costUsd: number | null;
  latencyMs: number | null;
  signalAction: SignalAction;
  signalScore: number;
  action: SignalAction | null;
  confidence: number | null;
  rationale: string | null;
  riskFlags: string[];
  rawOutput: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  attempt: number;
  /** When the analysis was made, epoch ms (wall clock); the daily budget counts by it. */
  analyzedAtMs: number;
}

/** Statuses that end an analysis: a later write for the same key (a retried activity) must not replace them. */
const FINISHED: AiAnalysisStatus[] = ['ok', 'invalid_output'];

/**
 * Records an analysis under its business key. Retried attempts update the row (an 'error' row becomes 'ok' when a
 * retry succeeds), but a finished analysis (ok or invalid_output) is kept as it is. Returns false when the row was
 * kept, true when this record was written.
 */
export async function recordAnalysis(db: Database, record: AnalysisRecord): Promise<boolean> {
  const { analyzedAtMs, ...columns } = record;
  const values = { ...columns, analyzedAt: new Date(analyzedAtMs) };
  return withDatabaseErrors('recordAnalysis', async () => {
    const written = await db
      .insert(aiAnalyses)
      .values(values)
      .onConflictDoUpdate({
        target: [aiAnalyses.cycleId, aiAnalyses.tickTs, aiAnalyses.symbol],
        set: {
          status: excluded(aiAnalyses.status),
          model: excluded(aiAnalyses.model),
          promptVersion: excluded(aiAnalyses.promptVersion),
          promptHash: excluded(aiAnalyses.promptHash),
          inputTokens: excluded(aiAnalyses.inputTokens),
          outputTokens: excluded(aiAnalyses.outputTokens),
          costUsd: excluded(aiAnalyses.costUsd),
          latencyMs: excluded(aiAnalyses.latencyMs),
          signalAction: excluded(aiAnalyses.signalAction),
          signalScore: excluded(aiAnalyses.signalScore),
          action: excluded(aiAnalyses.action),
          confidence: excluded(aiAnalyses.confidence),
          rationale: excluded(aiAnalyses.rationale),
          riskFlags: excluded(aiAnalyses.riskFlags),
          rawOutput: excluded(aiAnalyses.rawOutput),
          errorCode: excluded(aiAnalyses.errorCode),
          errorMessage: excluded(aiAnalyses.errorMessage),
          attempt: excluded(aiAnalyses.attempt),
          analyzedAt: excluded(aiAnalyses.analyzedAt),
        },
        setWhere: notInArray(aiAnalyses.status, FINISHED),
      })
      .returning({ status: aiAnalyses.status });
    return written.length > 0;
  });
}

/** The analysis stored under the key, or null. */
export async function findAnalysis(db: Database, key: AnalysisKey): Promise<AnalysisRecord | null> {
  return withDatabaseErrors('findAnalysis', async () => {
    const [row] = await db
      .select()
      .from(aiAnalyses)
      .where(and(eq(aiAnalyses.cycleId, key.cycleId), eq(aiAnalyses.tickTs, key.tickTs), eq(aiAnalyses.symbol, key.symbol)))
      .limit(1);
    return row === undefined ? null : toRecord(row);
  });
}

/** Analyses newest first, for one cycle, one coin (across cycles), or both. */
export async function listAnalyses(db: Database, query: { cycleId?: string; symbol?: string; limit: number }): Promise<AnalysisRecord[]> {
  return withDatabaseErrors('listAnalyses', async () => {
    const conditions = [];
    if (query.cycleId !== undefined) conditions.push(eq(aiAnalyses.cycleId, query.cycleId));
    if (query.symbol !== undefined) conditions.push(eq(aiAnalyses.symbol, query.symbol));
    const rows = await db
      .select()
      .from(aiAnalyses)
      .where(conditions.length === 0 ? undefined : and(...conditions))
      .orderBy(desc(aiAnalyses.analyzedAt), desc(aiAnalyses.tickTs), asc(aiAnalyses.symbol))
      .limit(Math.max(0, Math.floor(query.limit)));
    return rows.map(toRecord);
  });
}

export interface AiUsage {
  /** Input plus output tokens. */
  tokens: number;
  /** US dollars of the analyses whose model has a known price. */
  costUsd: number;
  analyses: number;
  /** Analyses that used tokens but have no cost (unknown model price): costUsd undercounts by them. */
  unpriced: number;
}

/** Tokens and cost of every analysis made at or after `sinceMs` (epoch ms). */
export async function usageSince(db: Database, sinceMs: number): Promise<AiUsage> {
  return withDatabaseErrors('usageSince', async () => {
    const [row] = await db
      .select({
        tokens: sql<string>`coalesce(sum(${aiAnalyses.inputTokens} + ${aiAnalyses.outputTokens}), 0)`,
        costUsd: sql<string>`coalesce(sum(${aiAnalyses.costUsd}), 0)`,
        analyses: sql<string>`count(*)`,
        unpriced: sql<string>`count(*) filter (where ${aiAnalyses.costUsd} is null and ${aiAnalyses.inputTokens} + ${aiAnalyses.outputTokens} > 0)`,
      })
      .from(aiAnalyses)
      .where(gte(aiAnalyses.analyzedAt, new Date(sinceMs)));
    return {
      tokens: Number(row?.tokens ?? 0),
      costUsd: Number(row?.costUsd ?? 0),
      analyses: Number(row?.analyses ?? 0),
      unpriced: Number(row?.unpriced ?? 0),
    };
  });
}

function toRecord({ analyzedAt, ...rest }: typeof aiAnalyses.$inferSelect): AnalysisRecord {
  return { ...rest, analyzedAtMs: analyzedAt.getTime() };
}
