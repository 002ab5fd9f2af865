import { toOrderState } from './paper-ledger.js';
import { and, asc, desc, eq, isNull, notExists, sql } from 'drizzle-orm';
import type { OrderState } from '../../domain/market-types.js';
import type { Database } from '../client.js';
import { withDatabaseErrors } from '../errors.js';
import { orders, paperOrders, reconciliationFindings } from '../schema/index.js';
import type { ReconciliationFindingKind } from '../schema/reconciliation-findings.js';

export type { ReconciliationFindingKind };

export interface ReconciliationFinding {
  kind: ReconciliationFindingKind;
  /** Exchange order id, trade id or asset. */
  ref: string;
  symbol: string;
  detail: string;
}

export interface StoredFinding extends ReconciliationFinding {
  cycleId: string;
  exchange: string;
  firstSeenAtMs: number;
  lastSeenAtMs: number;
  resolvedAtMs: number | null;
}

/**
 * Paper orders of the account (the paper ledger plays the exchange) that keel's orders table does not have, oldest
 * first, at most `limit`: one anti-join, whatever the ledger's size.
 */
export async function paperOrdersUnknownToKeel(db: Database, account: string, limit: number): Promise<OrderState[]> {
  return withDatabaseErrors('paperOrdersUnknownToKeel', async () => {
    const rows = await db
      .select()
      .from(paperOrders)
      .where(and(eq(paperOrders.account, account), notExists(db.select({ one: sql`1` }).from(orders).where(eq(orders.clientOrderId, paperOrders.clientOrderId)))))
      .orderBy(asc(paperOrders.createdAtMs))
      .limit(limit);
    return rows.map(toOrderState);
  });
}

/**
 * Records one reconciliation's findings for the cycle in one transaction: each is inserted or, if already open or
 * seen before, refreshed (and reopened); every open finding of the cycle NOT seen this time is resolved. Afterwards the
 * cycle's open findings are exactly `findings`; returns how many were new and how many were resolved.
 */
export async function recordReconciliation(db: Database, input: { cycleId: string; exchange: string; findings: readonly ReconciliationFinding[] }): Promise<{ opened: number; resolved: number }> {
  return withDatabaseErrors('recordReconciliation', () =>
    db.transaction(async (tx) => {
      const seen = new Set(input.findings.map((f) => `${f.kind}|${f.ref}`));
      const open = await tx
        .select({ kind: reconciliationFindings.kind, ref: reconciliationFindings.ref })
        .from(reconciliationFindings)
        .where(and(eq(reconciliationFindings.cycleId, input.cycleId), isNull(reconciliationFindings.resolvedAt)));
      const openKeys = new Set(open.map((f) => `${f.kind}|${f.ref}`));
      let resolved = 0;
      for (const finding of open) {
        if (seen.has(`${finding.kind}|${finding.ref}`)) continue;
        await tx
          .update(reconciliationFindings)
          .set({ resolvedAt: sql`now()` })
          .where(and(eq(reconciliationFindings.cycleId, input.cycleId), eq(reconciliationFindings.kind, finding.kind), eq(reconciliationFindings.ref, finding.ref)));
        resolved += 1;
      }
      const unique = [...new Map(input.findings.map((f) => [`${f.kind}|${f.ref}`, f] as const)).values()];
      if (unique.length > 0) {
        await tx
          .insert(reconciliationFindings)
          .values(unique.map((f) => ({ cycleId: input.cycleId, exchange: input.exchange, kind: f.kind, ref: f.ref, symbol: f.symbol, detail: f.detail })))
          .onConflictDoUpdate({
            target: [reconciliationFindings.cycleId, reconciliationFindings.kind, reconciliationFindings.ref],
            set: { lastSeenAt: sql`now()`, resolvedAt: sql`null`, detail: sql`excluded.detail` },
          });
      }
      return { opened: unique.filter((f) => !openKeys.has(`${f.kind}|${f.ref}`)).length, resolved };
    }),
  );
}

/** The cycle's findings, newest first; `open` only those not resolved. */
export async function listFindings(db: Database, query: { cycleId: string; open?: boolean; limit?: number }): Promise<StoredFinding[]> {
  return withDatabaseErrors('listFindings', async () => {
    const filter = query.open === true ? and(eq(reconciliationFindings.cycleId, query.cycleId), isNull(reconciliationFindings.resolvedAt)) : eq(reconciliationFindings.cycleId, query.cycleId);
    const rows = await db.select().from(reconciliationFindings).where(filter).orderBy(desc(reconciliationFindings.firstSeenAt), asc(reconciliationFindings.ref)).limit(query.limit ?? 1000);
    return rows.map(({ firstSeenAt, lastSeenAt, resolvedAt, ...rest }) => ({
      ...rest,
      firstSeenAtMs: firstSeenAt.getTime(),
      lastSeenAtMs: lastSeenAt.getTime(),
      resolvedAtMs: resolvedAt === null ? null : resolvedAt.getTime(),
    }));
  });
}
