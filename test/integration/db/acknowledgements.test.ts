import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acknowledgeFinding, listAcknowledgements } from '../../../src/db/queries/acknowledgements.js';
import { listFindings, recordReconciliation, type ReconciliationFinding } from '../../../src/db/queries/reconciliation.js';
import { isKeelError } from '../../../src/domain/errors.js';
import { freshDatabase, type FreshDatabase } from '../../helpers/fresh-db.js';

const CYCLE = 'cycle/kraken/acks';
const unknownOrder: ReconciliationFinding = { kind: 'unknown_order', ref: 'OX-1', symbol: 'SOL/USD', detail: 'open at kraken, not in keel' };
const shortBalance: ReconciliationFinding = { kind: 'balance_short', ref: 'ADA', symbol: 'ADA/USD', detail: 'kraken holds 1 ADA, the position says 2' };
const fateUnknown: ReconciliationFinding = { kind: 'order_fate_unknown', ref: 'k-abc123', symbol: 'ETH/USD', detail: 'placement timed out' };

async function keelErrorOf(work: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isKeelError(error)) throw new Error(`expected a KeelError, got ${String(error)}`);
  return { code: error.code, message: error.message };
}

describe('acknowledging reconciliation findings (finding_acknowledgements)', () => {
  let fresh: FreshDatabase;

  beforeAll(async () => {
    fresh = await freshDatabase();
    await recordReconciliation(fresh.db, { cycleId: CYCLE, exchange: 'kraken', findings: [unknownOrder, shortBalance, fateUnknown] });
  });
  afterAll(async () => {
    await fresh?.dispose();
  });

  it('writes the audit row and takes the finding out of the open ones', async () => {
    const acked = await acknowledgeFinding(fresh.db, { cycleId: CYCLE, kind: 'unknown_order', ref: 'OX-1', by: 'cli:alice', note: '  cancelled it on kraken by hand ' });
    expect(acked).toMatchObject({ ...unknownOrder, cycleId: CYCLE, resolvedAtMs: null, acknowledgedBy: 'cli:alice', acknowledgementNote: 'cancelled it on kraken by hand' });
    expect(acked.acknowledgedAtMs).toEqual(expect.any(Number));

    const trail = await listAcknowledgements(fresh.db, { cycleId: CYCLE });
    expect(trail).toEqual([
      { id: expect.any(Number), cycleId: CYCLE, kind: 'unknown_order', ref: 'OX-1', symbol: 'SOL/USD', acknowledgedBy: 'cli:alice', acknowledgedAtMs: acked.acknowledgedAtMs, note: 'cancelled it on kraken by hand' },
    ]);
    expect((await listFindings(fresh.db, { cycleId: CYCLE, open: true })).map((f) => f.ref).sort()).toEqual(['ADA', 'k-abc123']);
    const all = await listFindings(fresh.db, { cycleId: CYCLE });
    expect(all.find((f) => f.ref === 'OX-1')).toEqual(acked);
    expect(all.find((f) => f.ref === 'ADA')).toMatchObject({ acknowledgedAtMs: null, acknowledgedBy: null, acknowledgementNote: null });
  });

  it('refuses a second acknowledgement (Conflict, naming who did it), an unknown finding (NotFound) and an empty note', async () => {
    const again = await keelErrorOf(acknowledgeFinding(fresh.db, { cycleId: CYCLE, kind: 'unknown_order', ref: 'OX-1', by: 'cli:bob', note: 'me too' }));
    expect(again.code).toBe('Conflict');
    expect(again.message).toContain('already acknowledged by cli:alice');
    for (const [kind, ref, cycleId] of [['unknown_order', 'OX-2', CYCLE], ['unknown_trade', 'OX-1', CYCLE], ['unknown_order', 'OX-1', 'cycle/kraken/other']]) {
      const missing = await keelErrorOf(acknowledgeFinding(fresh.db, { cycleId: cycleId!, kind: kind!, ref: ref!, by: 'cli:bob', note: 'x' }));
      expect(missing, `${kind} ${ref} ${cycleId}`).toEqual({ code: 'NotFound', message: expect.stringContaining(`there is no reconciliation finding ${kind} "${ref}" of ${cycleId}`) });
    }
    const noNote = await keelErrorOf(acknowledgeFinding(fresh.db, { cycleId: CYCLE, kind: 'balance_short', ref: 'ADA', by: ' ', note: '   ' }));
    expect(noNote).toEqual({ code: 'InvalidInput', message: 'by must name who acknowledges the finding; note must say what was done about the finding' });
    const longNote = await keelErrorOf(acknowledgeFinding(fresh.db, { cycleId: CYCLE, kind: 'balance_short', ref: 'ADA', by: 'cli:bob', note: 'x'.repeat(501) }));
    expect(longNote.message).toBe('note must be at most 500 characters (got 501)');
    expect(await listAcknowledgements(fresh.db, { cycleId: CYCLE })).toHaveLength(1);
  });

  it('keeps an acknowledged finding acknowledged when a later reconciliation sees it again, and reports it', async () => {
    await acknowledgeFinding(fresh.db, { cycleId: CYCLE, kind: 'order_fate_unknown', ref: 'k-abc123', by: 'api:token-1a2b3c4d', note: 'no such order at kraken' });
    const recorded = await recordReconciliation(fresh.db, { cycleId: CYCLE, exchange: 'kraken', findings: [unknownOrder, shortBalance, fateUnknown] });
    expect(recorded).toEqual({ opened: 0, resolved: 0, acknowledged: ['order_fate_unknown|k-abc123', 'unknown_order|OX-1'] });
    const byRef = new Map((await listFindings(fresh.db, { cycleId: CYCLE })).map((f) => [f.ref, f]));
    expect(byRef.get('OX-1')).toMatchObject({ resolvedAtMs: null, acknowledgedBy: 'cli:alice' });
    expect(byRef.get('k-abc123')).toMatchObject({ resolvedAtMs: null, acknowledgedBy: 'api:token-1a2b3c4d' });
    expect((await listFindings(fresh.db, { cycleId: CYCLE, open: true })).map((f) => f.ref)).toEqual(['ADA']);
  });

  it('resolves an acknowledged finding no longer seen; one that comes back later is open again, with the old acknowledgement kept in the trail', async () => {
    const gone = await recordReconciliation(fresh.db, { cycleId: CYCLE, exchange: 'kraken', findings: [shortBalance, fateUnknown] });
    expect(gone).toEqual({ opened: 0, resolved: 1, acknowledged: ['order_fate_unknown|k-abc123'] });
    const resolved = await keelErrorOf(acknowledgeFinding(fresh.db, { cycleId: CYCLE, kind: 'unknown_order', ref: 'OX-1', by: 'cli:bob', note: 'late' }));
    expect(resolved.code).toBe('Conflict');

    const back = await recordReconciliation(fresh.db, { cycleId: CYCLE, exchange: 'kraken', findings: [unknownOrder, shortBalance, fateUnknown] });
    expect(back).toEqual({ opened: 1, resolved: 0, acknowledged: ['order_fate_unknown|k-abc123'] });
    expect((await listFindings(fresh.db, { cycleId: CYCLE, open: true })).map((f) => f.ref).sort()).toEqual(['ADA', 'OX-1']);
    expect((await listFindings(fresh.db, { cycleId: CYCLE })).find((f) => f.ref === 'OX-1')).toMatchObject({ resolvedAtMs: null, acknowledgedAtMs: null, acknowledgedBy: null });

    // The new occurrence can be acknowledged in its turn; the trail keeps both, newest first.
    await acknowledgeFinding(fresh.db, { cycleId: CYCLE, kind: 'unknown_order', ref: 'OX-1', by: 'cli:bob', note: 'it came back; cancelled again' });
    expect((await listAcknowledgements(fresh.db, { cycleId: CYCLE, limit: 10 })).map((a) => [a.ref, a.acknowledgedBy])).toEqual([
      ['OX-1', 'cli:bob'],
      ['k-abc123', 'api:token-1a2b3c4d'],
      ['OX-1', 'cli:alice'],
    ]);
  });

  it('lets exactly one of two concurrent acknowledgements through', async () => {
    const results = await Promise.allSettled(['cli:a', 'cli:b'].map((by) => acknowledgeFinding(fresh.db, { cycleId: CYCLE, kind: 'balance_short', ref: 'ADA', by, note: 'topped up' })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected');
    expect(isKeelError(refused?.reason) && refused.reason.code).toBe('Conflict');
  });
});
