import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { cycleStatus, listCycles, pauseCycle, resumeCycle, startCycle, updateCycleConfig } from '../cycles.js';
import { addOperation, type OperationRegistry } from '../operations.js';
import { cycleConfigSchema, cycleListSchema, cycleStatusSchema, signalSentSchema, startCycleResponseSchema } from '../schemas.js';
import { configPatchSchema, cycleParamsSchema, emptyBodySchema, limitQuerySchema, pauseBodySchema, startCycleBodySchema } from '../validation.js';

const DEFAULT_PAUSE_REASON = 'paused through the keel API';
const TAG = 'cycles';

/** Market cycles in Temporal: list, start, status, pause, resume, config changes. */
export function registerCycleRoutes(app: FastifyInstance, ctx: ApiContext, registry: OperationRegistry): void {
  addOperation(
    app,
    registry,
    {
      method: 'GET',
      path: '/v1/cycles',
      operationId: 'listCycles',
      tag: TAG,
      summary: 'Market cycles known to Temporal, newest first (one entry per cycle: its latest run)',
      query: limitQuerySchema,
      responses: { 200: { description: 'the cycles', schema: cycleListSchema } },
      errors: ['UNAVAILABLE'],
    },
    async ({ query }) => ({ namespace: ctx.namespace, items: await listCycles(ctx, query.limit) }),
  );

  addOperation(
    app,
    registry,
    {
      method: 'POST',
      path: '/v1/cycles',
      operationId: 'startCycle',
      tag: TAG,
      summary: 'Start a market cycle, or attach to it when it already runs',
      description:
        'The cycle\'s workflow id is `cycle/<exchange>/<name>`, so starting twice never makes two cycles. `config` overrides the default cycle settings (nested objects merge key by key); the whole config is checked by the same validator as config updates and every problem is listed in a 400. When the cycle already runs, `config` is ignored: change it with PATCH /v1/cycles/{exchange}/{name}/config.',
      body: startCycleBodySchema,
      responses: {
        200: { description: 'the cycle was already running', schema: startCycleResponseSchema },
        201: { description: 'a new cycle was started', schema: startCycleResponseSchema },
      },
      errors: ['UNAVAILABLE'],
    },
    async ({ body }, _request, reply) => {
      const result = await startCycle(ctx, { exchange: body.exchange, name: body.name, settings: body.config });
      reply.code(result.started ? 201 : 200);
      return result;
    },
  );

  addOperation(
    app,
    registry,
    {
      method: 'GET',
      path: '/v1/cycles/:exchange/:name',
      operationId: 'getCycleStatus',
      tag: TAG,
      summary: "The cycle's status (the workflow's status query): phase, tick, last tick, config, cash",
      description: 'Concurrent requests for one cycle share one query, whose answer serves for up to 0.5 s; pause, resume and config changes made through this API are visible at once.',
      params: cycleParamsSchema,
      responses: { 200: { description: 'the status', schema: cycleStatusSchema } },
      errors: ['NOT_FOUND', 'CONFLICT', 'UNAVAILABLE'],
    },
    async ({ params }) => cycleStatus(ctx, params),
  );

  addOperation(
    app,
    registry,
    {
      method: 'POST',
      path: '/v1/cycles/:exchange/:name/pause',
      operationId: 'pauseCycle',
      tag: TAG,
      summary: 'Pause: the running tick finishes, no new tick starts (signal)',
      description: 'Accepted, not done: GET the cycle to see phase "paused".',
      params: cycleParamsSchema,
      body: pauseBodySchema,
      bodyOptional: true,
      responses: { 202: { description: 'the pause signal was delivered', schema: signalSentSchema } },
      errors: ['NOT_FOUND', 'CONFLICT', 'UNAVAILABLE'],
    },
    async ({ params, body }, _request, reply) => {
      const workflowId = await pauseCycle(ctx, params, body.reason ?? DEFAULT_PAUSE_REASON);
      reply.code(202);
      return { workflowId, signal: 'pause' as const };
    },
  );

  addOperation(
    app,
    registry,
    {
      method: 'POST',
      path: '/v1/cycles/:exchange/:name/resume',
      operationId: 'resumeCycle',
      tag: TAG,
      summary: 'Resume ticking (signal)',
      params: cycleParamsSchema,
      body: emptyBodySchema,
      bodyOptional: true,
      responses: { 202: { description: 'the resume signal was delivered', schema: signalSentSchema } },
      errors: ['NOT_FOUND', 'CONFLICT', 'UNAVAILABLE'],
    },
    async ({ params }, _request, reply) => {
      const workflowId = await resumeCycle(ctx, params);
      reply.code(202);
      return { workflowId, signal: 'resume' as const };
    },
  );

  addOperation(
    app,
    registry,
    {
      method: 'PATCH',
      path: '/v1/cycles/:exchange/:name/config',
      operationId: 'updateCycleConfig',
      tag: TAG,
      summary: 'Change settings of the running cycle (the updateConfig workflow update)',
      description:
        'A JSON merge patch of cycle settings, e.g. {"risk":{"maxOpenPositions":20}}. The workflow\'s update validator checks the result: a rejected change is a 400 whose message is the validator\'s, and nothing changes.',
      params: cycleParamsSchema,
      body: configPatchSchema,
      extraBodyMediaTypes: ['application/merge-patch+json'],
      responses: { 200: { description: 'the config now in force', schema: cycleConfigSchema } },
      errors: ['NOT_FOUND', 'CONFLICT', 'UNAVAILABLE'],
    },
    async ({ params, body }) => updateCycleConfig(ctx, params, body),
  );
}
