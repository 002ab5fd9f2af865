import type { FastifyInstance } from 'fastify';
import { cycleWorkflowId } from '../../contracts/workflow-ids.js';
import { listOrders } from '../../db/queries/orders.js';
import { listPositions, listSignals, listTicks } from '../../db/queries/ticks.js';
import type { ApiContext } from '../context.js';
import { cycleParamsSchema, limitQuerySchema, noQuerySchema, parseInput, symbolLimitQuerySchema } from '../validation.js';

/**
 * What the workers recorded in PostgreSQL for a cycle: ticks, positions, orders, signals. These read the database
 * only, so they answer for ended cycles too (an unknown cycle simply has no rows).
 */
export function registerCycleRecordRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/v1/cycles/:exchange/:name/ticks', async (request) => {
    const { exchange, name } = parseInput(cycleParamsSchema, request.params, 'path parameter');
    const { limit } = parseInput(limitQuerySchema, request.query, 'query parameter');
    const cycleId = cycleWorkflowId(exchange, name);
    return { cycleId, items: await listTicks(ctx.database(), cycleId, limit) };
  });

  app.get('/v1/cycles/:exchange/:name/positions', async (request) => {
    const { exchange, name } = parseInput(cycleParamsSchema, request.params, 'path parameter');
    parseInput(noQuerySchema, request.query, 'query parameter');
    const cycleId = cycleWorkflowId(exchange, name);
    return { cycleId, items: await listPositions(ctx.database(), cycleId) };
  });

  app.get('/v1/cycles/:exchange/:name/orders', async (request) => {
    const { exchange, name } = parseInput(cycleParamsSchema, request.params, 'path parameter');
    const { symbol, limit } = parseInput(symbolLimitQuerySchema, request.query, 'query parameter');
    const cycleId = cycleWorkflowId(exchange, name);
    return { cycleId, items: await listOrders(ctx.database(), { cycleId, limit, ...(symbol !== undefined && { symbol }) }) };
  });

  app.get('/v1/cycles/:exchange/:name/signals', async (request) => {
    const { exchange, name } = parseInput(cycleParamsSchema, request.params, 'path parameter');
    const { symbol, limit } = parseInput(symbolLimitQuerySchema, request.query, 'query parameter');
    const cycleId = cycleWorkflowId(exchange, name);
    return { cycleId, items: await listSignals(ctx.database(), { cycleId, limit, ...(symbol !== undefined && { symbol }) }) };
  });
}
