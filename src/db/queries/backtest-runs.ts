import { asc, desc, eq, sql } from 'drizzle-orm';
import type { BacktestMetrics, BacktestOrder } from '../../domain/backtest-types.js';
import type { Database } from '../client.js';
import { withDatabaseErrors } from '../errors.js';
import { backtestOrders, backtestRuns } from '../schema/index.js';
import { chunkForInsert } from './sql-helpers.js';

export type BacktestRunStatus = 'running' | 'finished' | 'failed';

/** A run as lists show it: no curves, no orders. */
export interface BacktestRunSummary {
  id: string;
  sweepId: string | null;
  status: BacktestRunStatus;
  label: string;
  fingerprint: string | null;
  metrics: (BacktestMetrics & { fingerprint?: string }) | null;
  error: string | null;
  createdAtMs: number;
  finishedAtMs: number | null;
}

export interface BacktestRunDetail extends BacktestRunSummary {
  request: unknown;
  equity: Array<[number, number]> | null;
  buyAndHold: Array<[number, number]> | null;
}

export interface BacktestRunResult {
  fingerprint: string;
  metrics: BacktestMetrics;
  equity: Array<[number, number]>;
  buyAndHold: Array<[number, number]>;
  orders: readonly BacktestOrder[];
}

/** Records a run as started; a second call with the same id (a retried sweep activity) changes nothing. */
export async function startBacktestRun(db: Database, run: { id: string; sweepId?: string; request: unknown; label: string }): Promise<void> {
  await withDatabaseErrors('startBacktestRun', async () => {
    await db
      .insert(backtestRuns)
      .values({ id: run.id, sweepId: run.sweepId ?? null, status: 'running', request: run.request, label: run.label })
      .onConflictDoNothing({ target: backtestRuns.id });
  });
}

/**
 * Stores a finished run in one transaction: its orders (bulk inserts, replacing any a failed earlier attempt left),
 * then its metrics and curves. A reader sees the run either running or complete, never half-written.
 */
export async function finishBacktestRun(db: Database, id: string, result: BacktestRunResult): Promise<void> {
  await withDatabaseErrors('finishBacktestRun', () =>
    db.transaction(async (tx) => {
      await tx.delete(backtestOrders).where(eq(backtestOrders.runId, id));
      const rows = result.orders.map((o, seq) => ({ runId: id, seq, tickTs: o.tickTs, symbol: o.symbol, side: o.side, amount: o.amount, price: o.price, fee: o.fee, reason: o.reason, feeRole: o.feeRole }));
      for (const chunk of chunkForInsert(rows, 10)) await tx.insert(backtestOrders).values(chunk);
      const updated = await tx
        .update(backtestRuns)
        .set({ status: 'finished', fingerprint: result.fingerprint, metrics: result.metrics, equity: result.equity, buyAndHold: result.buyAndHold, error: null, finishedAt: new Date() })
        .where(eq(backtestRuns.id, id))
        .returning({ id: backtestRuns.id });
      if (updated.length === 0) throw new Error(`backtest run ${id} was never started (startBacktestRun first)`);
    }),
  );
}

export async function failBacktestRun(db: Database, id: string, error: string): Promise<void> {
  await withDatabaseErrors('failBacktestRun', async () => {
    await db.update(backtestRuns).set({ status: 'failed', error: error.slice(0, 2000), finishedAt: new Date() }).where(eq(backtestRuns.id, id));
  });
}

const summaryColumns = {
  id: backtestRuns.id,
  sweepId: backtestRuns.sweepId,
  status: backtestRuns.status,
  label: backtestRuns.label,
  fingerprint: backtestRuns.fingerprint,
  metrics: backtestRuns.metrics,
  error: backtestRuns.error,
  createdAt: backtestRuns.createdAt,
  finishedAt: backtestRuns.finishedAt,
};

function summaryOf(row: { [K in keyof typeof summaryColumns]: unknown }): BacktestRunSummary {
  return {
    id: row.id as string,
    sweepId: (row.sweepId as string | null) ?? null,
    status: row.status as BacktestRunStatus,
    label: row.label as string,
    fingerprint: (row.fingerprint as string | null) ?? null,
    metrics: (row.metrics as BacktestRunSummary['metrics']) ?? null,
    error: (row.error as string | null) ?? null,
    createdAtMs: (row.createdAt as Date).getTime(),
    finishedAtMs: row.finishedAt === null ? null : (row.finishedAt as Date).getTime(),
  };
}

/** Newest first; a sweep's runs when sweepId is given (in run order). */
export async function listBacktestRuns(db: Database, query: { limit: number; sweepId?: string }): Promise<BacktestRunSummary[]> {
  return withDatabaseErrors('listBacktestRuns', async () => {
    const select = db.select(summaryColumns).from(backtestRuns);
    const rows =
      query.sweepId === undefined
        ? await select.orderBy(desc(backtestRuns.createdAt), desc(backtestRuns.id)).limit(query.limit)
        : await select.where(eq(backtestRuns.sweepId, query.sweepId)).orderBy(asc(backtestRuns.id)).limit(query.limit);
    return rows.map(summaryOf);
  });
}

export async function getBacktestRun(db: Database, id: string): Promise<BacktestRunDetail | null> {
  return withDatabaseErrors('getBacktestRun', async () => {
    const [row] = await db
      .select({ ...summaryColumns, request: backtestRuns.request, equity: backtestRuns.equity, buyAndHold: backtestRuns.buyAndHold })
      .from(backtestRuns)
      .where(eq(backtestRuns.id, id));
    if (row === undefined) return null;
    return { ...summaryOf(row), request: row.request, equity: (row.equity as BacktestRunDetail['equity']) ?? null, buyAndHold: (row.buyAndHold as BacktestRunDetail['buyAndHold']) ?? null };
  });
}

/** A run's orders in fill order, a page at a time. */
export async function listBacktestOrders(db: Database, runId: string, page: { limit: number; offset: number }): Promise<{ orders: BacktestOrder[]; total: number }> {
  return withDatabaseErrors('listBacktestOrders', async () => {
    const rows = await db.select().from(backtestOrders).where(eq(backtestOrders.runId, runId)).orderBy(asc(backtestOrders.seq)).limit(page.limit).offset(page.offset);
    const [counted] = await db.select({ n: sql<number>`count(*)::int` }).from(backtestOrders).where(eq(backtestOrders.runId, runId));
    return {
      orders: rows.map((r) => ({ tickTs: r.tickTs, symbol: r.symbol, side: r.side, amount: r.amount, price: r.price, fee: r.fee, reason: r.reason, feeRole: r.feeRole })),
      total: counted?.n ?? 0,
    };
  });
}
