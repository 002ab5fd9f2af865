import type { FastifyInstance } from 'fastify';
import { cycleWorkflowId } from '../../contracts/workflow-ids.js';
import { listAcknowledgements } from '../../db/queries/acknowledgements.js';
import type { ApiContext } from '../context.js';
import { acknowledgeCycleFinding, acknowledgerOf } from '../findings.js';
import { addOperation, type OperationRegistry } from '../operations.js';
import { acknowledgementListSchema, findingAcknowledgedSchema } from '../schemas.js';
import { acknowledgeFindingBodySchema, cycleParamsSchema, limitQuerySchema } from '../validation.js';

const TAG = 'records';

/** A person's acknowledgement that a reconciliation finding was handled, and the audit trail of them. */
export function registerFindingRoutes(app: FastifyInstance, ctx: ApiContext, registry: OperationRegistry): void {
  addOperation(
    app,
    registry,
    {
      method: 'POST',
      path: '/v1/cycles/:exchange/:name/findings/acknowledge',
      operationId: 'acknowledgeFinding',
      tag: TAG,
      summary: 'Say that a reconciliation finding was handled: writes the audit row, then tells the cycle, which stops holding the coin in doubt for it',
      description:
        'The finding must be open (seen by the latest reconciliation) and not yet acknowledged: 404 when the cycle has no such finding, 409 when it was already acknowledged or resolved. ' +
        'Who is recorded from the credentials: api:token-<first 8 hex of the token\'s SHA-256> (never the token) or dashboard, with the optional `by` name. ' +
        'The audit row is what counts: when the cycle cannot be told (it is not running), the answer says so (signalled false) and the cycle honours the acknowledgement at its next reconciliation.',
      params: cycleParamsSchema,
      body: acknowledgeFindingBodySchema,
      responses: { 200: { description: 'the finding as now stored, acknowledged', schema: findingAcknowledgedSchema } },
      errors: ['NOT_FOUND', 'CONFLICT', 'UNAVAILABLE'],
    },
    async ({ params, body }, request) => {
      const result = await acknowledgeCycleFinding(ctx, params, { kind: body.kind, ref: body.ref, note: body.note, by: acknowledgerOf(request, body.by) }, request.id);
      request.log[result.signalled ? 'info' : 'warn']({ workflowId: result.workflowId, kind: body.kind, ref: body.ref, by: result.finding.acknowledgedBy }, result.message);
      return result;
    },
  );

  addOperation(
    app,
    registry,
    {
      method: 'GET',
      path: '/v1/cycles/:exchange/:name/acknowledgements',
      operationId: 'listAcknowledgements',
      tag: TAG,
      summary: 'The audit trail of acknowledged findings, newest first: who, when, which finding and what they did',
      description: 'Read from PostgreSQL, so an ended cycle answers too; an unknown cycle has no rows.',
      params: cycleParamsSchema,
      query: limitQuerySchema,
      responses: { 200: { description: 'the acknowledgements', schema: acknowledgementListSchema } },
      errors: ['UNAVAILABLE'],
    },
    async ({ params, query }, request) =>
      ctx.cache.get(`GET ${request.url}`, async () => {
        const cycleId = cycleWorkflowId(params.exchange, params.name);
        return { cycleId, items: await listAcknowledgements(ctx.database(), { cycleId, limit: query.limit }) };
      }),
  );
}
