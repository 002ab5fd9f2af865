import { and, desc, eq } from 'drizzle-orm';
import { KeelError } from '../../domain/errors.js';
import { acknowledgementProblems } from '../../domain/findings.js';
import type { Database } from '../client.js';
import { withDatabaseErrors } from '../errors.js';
import { findingAcknowledgements, reconciliationFindings } from '../schema/index.js';
import { toStoredFinding, type ReconciliationFindingKind, type StoredFinding } from './reconciliation.js';

export interface AcknowledgeFindingInput {
  cycleId: string;
  kind: string;
  ref: string;
  /** Who, with the channel (cli:alice, api:token-1a2b3c4d); never a secret. */
  by: string;
  /** What they did about it: 1-500 characters. */
  note: string;
}

/** One row of the audit trail. */
export interface FindingAcknowledgementRecord {
  id: number;
  cycleId: string;
  kind: ReconciliationFindingKind;
  ref: string;
  symbol: string;
  acknowledgedBy: string;
  acknowledgedAtMs: number;
  note: string;
}

const iso = (date: Date) => date.toISOString();

/**
 * A person's word that a finding was handled, in one transaction: the finding must exist (NotFound), still be seen
 * by reconciliation (Conflict when resolved) and not be acknowledged yet (Conflict, naming who did); then the audit
 * row is written and the finding points at it, so its coin is no longer held in doubt for it (the caller tells the
 * running cycle; a later reconciliation honours it either way). Returns the finding as now stored.
 */
export async function acknowledgeFinding(db: Database, input: AcknowledgeFindingInput): Promise<StoredFinding> {
  const problems = acknowledgementProblems(input);
  if (problems.length > 0) throw new KeelError('InvalidInput', problems.join('; '));
  const by = input.by.trim();
  const note = input.note.trim();
  const what = `reconciliation finding ${input.kind} "${input.ref}" of ${input.cycleId}`;
  return withDatabaseErrors('acknowledgeFinding', () =>
    db.transaction(async (tx) => {
      const key = and(eq(reconciliationFindings.cycleId, input.cycleId), eq(reconciliationFindings.kind, input.kind as ReconciliationFindingKind), eq(reconciliationFindings.ref, input.ref));
      // Locked until commit: two people acknowledging at once, or a reconciliation resolving it meanwhile, queue up.
      const [finding] = await tx.select().from(reconciliationFindings).where(key).for('update');
      if (finding === undefined) throw new KeelError('NotFound', `there is no ${what}: list them with GET …/findings or \`keel findings\``);
      if (finding.acknowledgementId !== null) {
        const [earlier] = await tx.select().from(findingAcknowledgements).where(eq(findingAcknowledgements.id, finding.acknowledgementId));
        const when = earlier === undefined ? '' : ` by ${earlier.acknowledgedBy} at ${iso(earlier.acknowledgedAt)}`;
        throw new KeelError('Conflict', `the ${what} was already acknowledged${when}`);
      }
      if (finding.resolvedAt !== null) {
        throw new KeelError('Conflict', `the ${what} was resolved at ${iso(finding.resolvedAt)} (a reconciliation no longer saw it): there is nothing to acknowledge`);
      }
      const [acknowledgement] = await tx
        .insert(findingAcknowledgements)
        .values({ cycleId: finding.cycleId, kind: finding.kind, ref: finding.ref, symbol: finding.symbol, acknowledgedBy: by, note })
        .returning();
      await tx.update(reconciliationFindings).set({ acknowledgementId: acknowledgement!.id }).where(key);
      return toStoredFinding(finding, acknowledgement!);
    }),
  );
}

/** The cycle's acknowledgements, newest first: who said which finding was handled, when, and what they did. */
export async function listAcknowledgements(db: Database, query: { cycleId: string; limit?: number }): Promise<FindingAcknowledgementRecord[]> {
  return withDatabaseErrors('listAcknowledgements', async () => {
    const rows = await db
      .select()
      .from(findingAcknowledgements)
      .where(eq(findingAcknowledgements.cycleId, query.cycleId))
      .orderBy(desc(findingAcknowledgements.acknowledgedAt), desc(findingAcknowledgements.id))
      .limit(query.limit ?? 1000);
    return rows.map(({ acknowledgedAt, ...rest }) => ({ ...rest, acknowledgedAtMs: acknowledgedAt.getTime() }));
  });
}
