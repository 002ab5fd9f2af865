import { Client, Connection } from '@temporalio/client';
import type { Settings } from '../config/settings.js';
import { acknowledgeFindingSignal } from '../contracts/messages.js';
import { cycleWorkflowId } from '../contracts/workflow-ids.js';
import { createDatabase } from '../db/client.js';
import { acknowledgeFinding } from '../db/queries/acknowledgements.js';
import { listFindings, type StoredFinding } from '../db/queries/reconciliation.js';
import { isKeelError } from '../domain/errors.js';
import type { FindingsCommand } from './findings-args.js';

/** How long telling the cycle may take; the acknowledgement is recorded by then either way. */
const SIGNAL_TIMEOUT_MS = 10_000;

type Print = (human: string, data: unknown) => void;

/**
 * `keel findings`: lists the cycle's reconciliation findings, or acknowledges one (the audit row in PostgreSQL, then
 * the acknowledgeFinding signal to the cycle). Reads and writes DATABASE_URL; Temporal is needed only to tell the cycle.
 */
export async function runFindings(command: FindingsCommand, settings: Settings, print: Print): Promise<number> {
  if (!settings.DATABASE_URL) {
    console.error('keel findings reads PostgreSQL: set DATABASE_URL (the embedded database belongs to the running `npm start` process; use its API instead)');
    return 2;
  }
  const workflowId = cycleWorkflowId(command.exchange, command.name);
  const database = await createDatabase({ url: settings.DATABASE_URL });
  try {
    if (command.action === 'list') {
      const findings = await listFindings(database.db, { cycleId: workflowId, open: command.open, limit: command.limit });
      print(findings.length === 0 ? `no ${command.open ? 'open ' : ''}reconciliation findings for ${workflowId}` : findings.map(describeFinding).join('\n'), findings);
      return 0;
    }
    let finding: StoredFinding;
    try {
      finding = await acknowledgeFinding(database.db, { cycleId: workflowId, kind: command.kind, ref: command.ref, by: command.by, note: command.note });
    } catch (error) {
      if (isKeelError(error) && (error.code === 'NotFound' || error.code === 'Conflict' || error.code === 'InvalidInput')) {
        console.error(`not acknowledged: ${error.message}`);
        return 1;
      }
      throw error;
    }
    const told = await tellCycle(settings, workflowId, finding);
    const outcome = told === true ? `${workflowId} was told and no longer holds ${finding.symbol} in doubt for it` : `${workflowId} could not be told (${told}); it honours the acknowledgement at its next reconciliation`;
    print(`acknowledged ${finding.kind} ${finding.ref} (${finding.symbol}) by ${finding.acknowledgedBy}: ${finding.acknowledgementNote}\n${outcome}`, { workflowId, finding, signalled: told === true });
    return 0;
  } finally {
    await database.close();
  }
}

/** Sends the acknowledgeFinding signal; true, or why it could not be sent. */
async function tellCycle(settings: Settings, workflowId: string, finding: StoredFinding): Promise<true | string> {
  const address = settings.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: SIGNAL_TIMEOUT_MS });
    const client = new Client({ connection, namespace: settings.TEMPORAL_NAMESPACE });
    await client.withDeadline(Date.now() + SIGNAL_TIMEOUT_MS, () =>
      client.workflow.getHandle(workflowId).signal(acknowledgeFindingSignal, {
        kind: finding.kind,
        ref: finding.ref,
        symbol: finding.symbol,
        by: finding.acknowledgedBy ?? '',
        note: finding.acknowledgementNote ?? '',
      }),
    );
    return true;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

function describeFinding(f: StoredFinding): string {
  const state =
    f.acknowledgedAtMs !== null
      ? `acknowledged ${new Date(f.acknowledgedAtMs).toISOString()} by ${f.acknowledgedBy}: ${f.acknowledgementNote}`
      : f.resolvedAtMs !== null
        ? `resolved ${new Date(f.resolvedAtMs).toISOString()}`
        : 'OPEN (coin in doubt)';
  return `${new Date(f.firstSeenAtMs).toISOString()}  ${f.kind.padEnd(18)} ${f.ref}  ${f.symbol}  ${state}\n    ${f.detail}`;
}
