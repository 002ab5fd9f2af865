import { index, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * What reconciliation found that keel's own records do not explain:
 * - unknown_order: an open order at the exchange (or in the paper ledger) that keel's orders table does not have;
 * - unknown_trade: a recent fill of an order keel's orders table does not have;
 * - balance_short: the exchange holds less of a coin than the cycle's position says;
 * - stale_open_order: keel recorded an order as open that the exchange no longer lists as open.
 */
export type ReconciliationFindingKind = 'unknown_order' | 'unknown_trade' | 'balance_short' | 'stale_open_order';

/**
 * One row per finding, keyed by what it is about (cycle, kind, the exchange order id, trade id or asset), so seeing it
 * again on the next reconciliation refreshes `last_seen_at` instead of adding a row. A finding stays open (its symbol
 * in doubt, not traded) until a reconciliation no longer sees it, which sets `resolved_at`. Nothing found here is ever
 * adopted into keel's orders or positions: it is reported, for a person to look at.
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
  },
  (t) => [primaryKey({ columns: [t.cycleId, t.kind, t.ref] }), index('reconciliation_findings_open_idx').on(t.cycleId, t.resolvedAt)],
);
