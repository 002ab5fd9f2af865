import { bigint, index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { FindingKind } from '../../domain/findings.js';

/**
 * The audit trail of acknowledgements: one row each time a person said a reconciliation finding was handled, with who
 * and what they did. Rows are only ever added; the finding points at its current acknowledgement
 * (reconciliation_findings.acknowledgement_id), and a finding that comes back after it was gone gets a new one.
 */
export const findingAcknowledgements = pgTable(
  'finding_acknowledgements',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    cycleId: text('cycle_id').notNull(),
    kind: text('kind').$type<FindingKind>().notNull(),
    ref: text('ref').notNull(),
    symbol: text('symbol').notNull(),
    /** Who, with the channel: cli:alice, api:token-1a2b3c4d (a fingerprint, never the token), dashboard. */
    acknowledgedBy: text('acknowledged_by').notNull(),
    acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** What the person did about it, in their words. */
    note: text('note').notNull(),
  },
  (t) => [index('finding_acknowledgements_cycle_idx').on(t.cycleId, t.acknowledgedAt)],
);
