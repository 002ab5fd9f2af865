import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { cycleStatus, listCycles, pauseCycle, resumeCycle, updateCycleConfig } from '../cycles.js';
import { configPatchSchema, cycleParamsSchema, emptyBodySchema, limitQuerySchema, noQuerySchema, parseInput, pauseBodySchema } from '../validation.js';

const DEFAULT_PAUSE_REASON = 'paused through the keel API';

/** Market cycles in Temporal: list, status, pause, resume, config changes. */
export function registerCycleRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/v1/cycles', async (request) => {
    const { limit } = parseInput(limitQuerySchema, request.query, 'query parameter');
    return { namespace: ctx.namespace, items: await listCycles(ctx, limit) };
  });

  app.get('/v1/cycles/:exchange/:name', async (request) => {
    const ref = parseInput(cycleParamsSchema, request.params, 'path parameter');
    parseInput(noQuerySchema, request.query, 'query parameter');
    return cycleStatus(ctx, ref);
  });

  app.post('/v1/cycles/:exchange/:name/pause', async (request, reply) => {
    const ref = parseInput(cycleParamsSchema, request.params, 'path parameter');
    const { reason } = parseInput(pauseBodySchema, request.body ?? {}, 'body');
    const workflowId = await pauseCycle(ctx, ref, reason ?? DEFAULT_PAUSE_REASON);
    // Accepted, not done: the cycle finishes a running tick first; GET the cycle to see phase "paused".
    return reply.code(202).send({ workflowId, signal: 'pause' });
  });

  app.post('/v1/cycles/:exchange/:name/resume', async (request, reply) => {
    const ref = parseInput(cycleParamsSchema, request.params, 'path parameter');
    parseInput(emptyBodySchema, request.body ?? {}, 'body');
    const workflowId = await resumeCycle(ctx, ref);
    return reply.code(202).send({ workflowId, signal: 'resume' });
  });

  app.patch('/v1/cycles/:exchange/:name/config', async (request) => {
    const ref = parseInput(cycleParamsSchema, request.params, 'path parameter');
    const patch = parseInput(configPatchSchema, request.body, 'body');
    return updateCycleConfig(ctx, ref, patch);
  });
}
