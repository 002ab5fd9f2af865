import { bigint, index, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import type { FindingKind } from '../../domain/findings.js';
import { findingAcknowledgements } from './finding-acknowledgements.js';

/**
 * What reconciliation found that keel's own records do not explain: unknown_order, unknown_trade, balance_short,
 * balance_excess, stale_open_order, order_fate_unknown (see FINDING_KINDS in src/domain/findings.ts).
 */
export type ReconciliationFindingKind = FindingKind;

/**
 * One row per finding, keyed by what it is about (cycle, kind, the exchange order id, trade id or asset), so seeing it
 * again on the next reconciliation refreshes `last_seen_at` instead of adding a row. A finding stays open (its symbol
 * in doubt, not traded) until a reconciliation no longer sees it, which sets `resolved_at`, or until a person
 * acknowledges it (`acknowledgement_id`, the audit row in finding_acknowledgements): an acknowledged finding seen again
 * stays acknowledged and its coin is not held in doubt for it; one that comes back after it was resolved is a new
 * occurrence and is open again. Nothing found here is ever adopted into keel's orders or positions.
 */
export const reconciliationFindings = pgTable(
  'reconciliation_findings',
  {
    cycleId: text('cycle_id').notNull(),
    kind: text('kind').$type<ReconciliationFindingKind>().notNull(),
    /** Exchange order id, trade id or asset the finding is about. */
    ref: text('ref').notNull(),
    exchange: text('exchange').notNull(),
    symbol: text('symbol').notNull(),
    detail: text('detail').notNull(),
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true, mode: 'date' }),
    /** The acknowledgement covering this occurrence of the finding; null while nobody has acknowledged it. */
    acknowledgementId: bigint('acknowledgement_id', { mode: 'number' }).references(() => findingAcknowledgements.id),
  },
  (t) => [primaryKey({ columns: [t.cycleId, t.kind, t.ref] }), index('reconciliation_findings_open_idx').on(t.cycleId, t.resolvedAt)],
);
