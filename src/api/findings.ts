import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { acknowledgeFindingSignal } from '../contracts/messages.js';
import { cycleWorkflowId } from '../contracts/workflow-ids.js';
import { acknowledgeFinding } from '../db/queries/acknowledgements.js';
import type { StoredFinding } from '../db/queries/reconciliation.js';
import type { FindingKind } from '../domain/findings.js';
import type { ApiContext } from './context.js';
import { statusKey, type CycleRef } from './cycles.js';
import { toApiError } from './errors.js';

export interface FindingAcknowledged {
  workflowId: string;
  finding: StoredFinding;
  /** The running cycle was told; false: it was not reachable and honours the acknowledgement at its next reconciliation. */
  signalled: boolean;
  message: string;
}

/** Hex characters of the token's SHA-256 kept in the audit row: enough to tell tokens apart while rotating, useless to an attacker. */
const TOKEN_FINGERPRINT_CHARS = 8;

/**
 * Who acknowledges, for the audit row: how the request was authenticated (the API has tokens, not user names), plus
 * the name the caller gave, if any. A bearer token is recorded by a fingerprint (the first hex characters of its
 * SHA-256), never itself. The auth hook has already checked the credentials.
 */
export function acknowledgerOf(request: FastifyRequest, claimedName: string | undefined): string {
  const bearer = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '');
  if (bearer) {
    const fingerprint = createHash('sha256').update(bearer[1]!, 'utf8').digest('hex').slice(0, TOKEN_FINGERPRINT_CHARS);
    return claimedName === undefined ? `api:token-${fingerprint}` : `api:${claimedName} (token ${fingerprint})`;
  }
  return claimedName === undefined ? 'dashboard' : `dashboard:${claimedName}`;
}

/**
 * Records a person's acknowledgement of a finding (the audit row; NOT_FOUND, CONFLICT and BAD_REQUEST come from the
 * database's checks), then tells the cycle so it releases the coin now. The row is what counts: when the cycle cannot
 * be told (ended, not running, Temporal down), the answer says so and the cycle's next reconciliation honours it.
 */
export async function acknowledgeCycleFinding(
  ctx: ApiContext,
  cycle: CycleRef,
  input: { kind: FindingKind; ref: string; note: string; by: string },
  requestId: string,
): Promise<FindingAcknowledged> {
  const workflowId = cycleWorkflowId(cycle.exchange, cycle.name);
  const finding = await acknowledgeFinding(ctx.database(), { cycleId: workflowId, kind: input.kind, ref: input.ref, by: input.by, note: input.note });
  ctx.cache.deletePrefix(`GET /v1/cycles/${cycle.exchange}/${cycle.name}/findings`);
  ctx.cache.deletePrefix(`GET /v1/cycles/${cycle.exchange}/${cycle.name}/acknowledgements`);
  const acknowledgement = { kind: finding.kind, ref: finding.ref, symbol: finding.symbol, by: finding.acknowledgedBy ?? input.by, note: finding.acknowledgementNote ?? input.note };
  try {
    await ctx.temporal(() => ctx.client.workflow.getHandle(workflowId).signal(acknowledgeFindingSignal, acknowledgement));
    return { workflowId, finding, signalled: true, message: `acknowledged; ${workflowId} was told and no longer holds ${finding.symbol} in doubt for this finding` };
  } catch (error) {
    const reason = toApiError(error, requestId).message;
    return { workflowId, finding, signalled: false, message: `acknowledged, but ${workflowId} could not be told (${reason}); it honours the acknowledgement at its next reconciliation` };
  } finally {
    ctx.cache.delete(statusKey(workflowId));
  }
}
