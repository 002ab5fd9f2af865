import { toOrderState } from './paper-ledger.js';
import { and, asc, desc, eq, isNull, notExists, sql } from 'drizzle-orm';
import { findingKey } from '../../domain/findings.js';
import type { OrderState } from '../../domain/market-types.js';
import type { Database } from '../client.js';
import { withDatabaseErrors } from '../errors.js';
import { findingAcknowledgements, orders, paperOrders, reconciliationFindings } from '../schema/index.js';
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
  /** When a person acknowledged this occurrence of the finding (its coin is then not held in doubt for it); null if nobody has. */
  acknowledgedAtMs: number | null;
  acknowledgedBy: string | null;
  acknowledgementNote: string | null;
}

/** What one reconciliation changed; `acknowledged` are the `kind|ref` keys (findingKey) of findings seen again that a person acknowledged. */
export interface RecordedReconciliation {
  /** Findings new, or back after they were resolved. */
  opened: number;
  /** Open findings this reconciliation no longer saw. */
  resolved: number;
  /**
   * Keys (`kind|ref`, see findingKey in src/domain/findings.ts) of the given findings that stay acknowledged: the
   * caller leaves them out of the coins in doubt. Sorted.
   */
  acknowledged: string[];
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
 * seen before, refreshed (and reopened); every unresolved finding of the cycle NOT seen this time is resolved. A
 * finding a person acknowledged and seen again stays acknowledged (not reopened) and comes back in `acknowledged`;
 * one seen again after it was resolved is a new occurrence: open, whatever was acknowledged before. Afterwards the
 * cycle's unresolved findings are exactly `findings`.
 */
export async function recordReconciliation(db: Database, input: { cycleId: string; exchange: string; findings: readonly ReconciliationFinding[] }): Promise<RecordedReconciliation> {
  return withDatabaseErrors('recordReconciliation', () =>
    db.transaction(async (tx) => {
      const seen = new Set(input.findings.map(findingKey));
      // Locked: an acknowledgement of one of these waits for this reconciliation, so it never lands on a row this
      // transaction is about to resolve without noticing (and this one never misses an acknowledgement it overwrites).
      const unresolved = await tx
        .select({ kind: reconciliationFindings.kind, ref: reconciliationFindings.ref, acknowledgementId: reconciliationFindings.acknowledgementId })
        .from(reconciliationFindings)
        .where(and(eq(reconciliationFindings.cycleId, input.cycleId), isNull(reconciliationFindings.resolvedAt)))
        .for('update');
      const unresolvedKeys = new Set(unresolved.map(findingKey));
      const acknowledged = unresolved.filter((f) => f.acknowledgementId !== null && seen.has(findingKey(f))).map(findingKey).sort();
      let resolved = 0;
      for (const finding of unresolved) {
        if (seen.has(findingKey(finding))) continue;
        await tx
          .update(reconciliationFindings)
          .set({ resolvedAt: sql`now()` })
          .where(and(eq(reconciliationFindings.cycleId, input.cycleId), eq(reconciliationFindings.kind, finding.kind), eq(reconciliationFindings.ref, finding.ref)));
        resolved += 1;
      }
      const unique = [...new Map(input.findings.map((f) => [findingKey(f), f] as const)).values()];
      if (unique.length > 0) {
        await tx
          .insert(reconciliationFindings)
          .values(unique.map((f) => ({ cycleId: input.cycleId, exchange: input.exchange, kind: f.kind, ref: f.ref, symbol: f.symbol, detail: f.detail })))
          .onConflictDoUpdate({
            target: [reconciliationFindings.cycleId, reconciliationFindings.kind, reconciliationFindings.ref],
            // A resolved finding seen again is a new occurrence: the acknowledgement of the old one does not cover it
            // (it stays in finding_acknowledgements). An unresolved one keeps its acknowledgement.
            set: {
              lastSeenAt: sql`now()`,
              resolvedAt: sql`null`,
              detail: sql`excluded.detail`,
              acknowledgementId: sql`case when ${reconciliationFindings.resolvedAt} is null then ${reconciliationFindings.acknowledgementId} end`,
            },
          });
      }
      return { opened: unique.filter((f) => !unresolvedKeys.has(findingKey(f))).length, resolved, acknowledged };
    }),
  );
}

type FindingRow = typeof reconciliationFindings.$inferSelect;
type AcknowledgementRow = Pick<typeof findingAcknowledgements.$inferSelect, 'acknowledgedAt' | 'acknowledgedBy' | 'note'>;

/** A finding row and its current acknowledgement (if any) as the API and the CLI show them. */
export function toStoredFinding(row: FindingRow, acknowledgement: AcknowledgementRow | null): StoredFinding {
  const { firstSeenAt, lastSeenAt, resolvedAt, acknowledgementId: _id, ...rest } = row;
  return {
    ...rest,
    firstSeenAtMs: firstSeenAt.getTime(),
    lastSeenAtMs: lastSeenAt.getTime(),
    resolvedAtMs: resolvedAt === null ? null : resolvedAt.getTime(),
    acknowledgedAtMs: acknowledgement === null ? null : acknowledgement.acknowledgedAt.getTime(),
    acknowledgedBy: acknowledgement?.acknowledgedBy ?? null,
    acknowledgementNote: acknowledgement?.note ?? null,
  };
}

/** The cycle's findings, newest first; `open` only those whose coin they hold in doubt (not resolved, not acknowledged). */
export async function listFindings(db: Database, query: { cycleId: string; open?: boolean; limit?: number }): Promise<StoredFinding[]> {
  return withDatabaseErrors('listFindings', async () => {
    const ofCycle = eq(reconciliationFindings.cycleId, query.cycleId);
    const filter = query.open === true ? and(ofCycle, isNull(reconciliationFindings.resolvedAt), isNull(reconciliationFindings.acknowledgementId)) : ofCycle;
    const rows = await db
      .select({
        finding: reconciliationFindings,
        acknowledgedAt: findingAcknowledgements.acknowledgedAt,
        acknowledgedBy: findingAcknowledgements.acknowledgedBy,
        note: findingAcknowledgements.note,
      })
      .from(reconciliationFindings)
      .leftJoin(findingAcknowledgements, eq(findingAcknowledgements.id, reconciliationFindings.acknowledgementId))
      .where(filter)
      .orderBy(desc(reconciliationFindings.firstSeenAt), asc(reconciliationFindings.ref))
      .limit(query.limit ?? 1000);
    return rows.map(({ finding, acknowledgedAt, acknowledgedBy, note }) =>
      toStoredFinding(finding, acknowledgedAt === null || acknowledgedBy === null || note === null ? null : { acknowledgedAt, acknowledgedBy, note }),
    );
  });
}
