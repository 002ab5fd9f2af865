import type { FastifyInstance } from 'fastify';
import { cycleWorkflowId } from '../../contracts/workflow-ids.js';
import { listAnalyses } from '../../db/queries/ai-analyses.js';
import { listOrders } from '../../db/queries/orders.js';
import { listFindings } from '../../db/queries/reconciliation.js';
import { listPositions, listSignals, listTicks } from '../../db/queries/ticks.js';
import type { ApiContext } from '../context.js';
import { addOperation, type OperationRegistry } from '../operations.js';
import { analysisListSchema, findingListSchema, orderListSchema, positionListSchema, signalListSchema, tickListSchema } from '../schemas.js';
import { cycleParamsSchema, findingsQuerySchema, limitQuerySchema, symbolLimitQuerySchema } from '../validation.js';

const TAG = 'records';
const READ_ONLY_NOTE = 'Read from PostgreSQL, so an ended cycle answers too; an unknown cycle has no rows. Identical requests share one read, whose answer serves for up to 0.5 s (rows change once per tick).';

/**
 * What the workers recorded in PostgreSQL for a cycle: ticks, positions, orders, signals, AI analyses. These read
 * the database only, so they answer for ended cycles too (an unknown cycle simply has no rows).
 */
export function registerCycleRecordRoutes(app: FastifyInstance, ctx: ApiContext, registry: OperationRegistry): void {
  addOperation(
    app,
    registry,
    {
      method: 'GET',
      path: '/v1/cycles/:exchange/:name/ticks',
      operationId: 'listTicks',
      tag: TAG,
      summary: "The cycle's ticks, newest first: duration, coins, orders, cash, equity, realized PnL",
      description: READ_ONLY_NOTE,
      params: cycleParamsSchema,
      query: limitQuerySchema,
      responses: { 200: { description: 'the ticks', schema: tickListSchema } },
      errors: ['UNAVAILABLE'],
    },
    async ({ params, query }, request) =>
      ctx.cache.get(`GET ${request.url}`, async () => {
        const cycleId = cycleWorkflowId(params.exchange, params.name);
        return { cycleId, items: await listTicks(ctx.database(), cycleId, query.limit) };
      }),
  );

  addOperation(
    app,
    registry,
    {
      method: 'GET',
      path: '/v1/cycles/:exchange/:name/positions',
      operationId: 'listPositions',
      tag: TAG,
      summary: "The cycle's open positions as of its latest tick, by symbol",
      description: READ_ONLY_NOTE,
      params: cycleParamsSchema,
      responses: { 200: { description: 'the positions', schema: positionListSchema } },
      errors: ['UNAVAILABLE'],
    },
    async ({ params }, request) =>
      ctx.cache.get(`GET ${request.url}`, async () => {
        const cycleId = cycleWorkflowId(params.exchange, params.name);
        return { cycleId, items: await listPositions(ctx.database(), cycleId) };
      }),
  );

  addOperation(
    app,
    registry,
    {
      method: 'GET',
      path: '/v1/cycles/:exchange/:name/orders',
      operationId: 'listOrders',
      tag: TAG,
      summary: "The cycle's orders, newest first, optionally for one coin",
      description: READ_ONLY_NOTE,
      params: cycleParamsSchema,
      query: symbolLimitQuerySchema,
      responses: { 200: { description: 'the orders', schema: orderListSchema } },
      errors: ['UNAVAILABLE'],
    },
    async ({ params, query }, request) =>
      ctx.cache.get(`GET ${request.url}`, async () => {
        const cycleId = cycleWorkflowId(params.exchange, params.name);
        return { cycleId, items: await listOrders(ctx.database(), { cycleId, limit: query.limit, ...(query.symbol !== undefined && { symbol: query.symbol }) }) };
      }),
  );

  addOperation(
    app,
    registry,
    {
      method: 'GET',
      path: '/v1/cycles/:exchange/:name/signals',
      operationId: 'listSignals',
      tag: TAG,
      summary: "The cycle's coin evaluations (score, action, regime, indicators), newest tick first, optionally for one coin",
      description: READ_ONLY_NOTE,
      params: cycleParamsSchema,
      query: symbolLimitQuerySchema,
      responses: { 200: { description: 'the signals', schema: signalListSchema } },
      errors: ['UNAVAILABLE'],
    },
    async ({ params, query }, request) =>
      ctx.cache.get(`GET ${request.url}`, async () => {
        const cycleId = cycleWorkflowId(params.exchange, params.name);
        return { cycleId, items: await listSignals(ctx.database(), { cycleId, limit: query.limit, ...(query.symbol !== undefined && { symbol: query.symbol }) }) };
      }),
  );

  addOperation(
    app,
    registry,
    {
      method: 'GET',
      path: '/v1/cycles/:exchange/:name/analyses',
      operationId: 'listAnalyses',
      tag: TAG,
      summary: "The cycle's AI analyses (verdict, rationale, tokens, cost, errors), newest first, optionally for one coin",
      description: READ_ONLY_NOTE,
      params: cycleParamsSchema,
      query: symbolLimitQuerySchema,
      responses: { 200: { description: 'the analyses', schema: analysisListSchema } },
      errors: ['UNAVAILABLE'],
    },
    async ({ params, query }, request) =>
      ctx.cache.get(`GET ${request.url}`, async () => {
        const cycleId = cycleWorkflowId(params.exchange, params.name);
        return { cycleId, items: await listAnalyses(ctx.database(), { cycleId, limit: query.limit, ...(query.symbol !== undefined && { symbol: query.symbol }) }) };
      }),
  );

  addOperation(
    app,
    registry,
    {
      method: 'GET',
      path: '/v1/cycles/:exchange/:name/findings',
      operationId: 'listFindings',
      tag: TAG,
      summary: 'What reconciliation with the exchange found that keel does not know (never adopted), newest first; open ones keep their coin untraded',
      description: READ_ONLY_NOTE,
      params: cycleParamsSchema,
      query: findingsQuerySchema,
      responses: { 200: { description: 'the findings', schema: findingListSchema } },
      errors: ['UNAVAILABLE'],
    },
    async ({ params, query }, request) =>
      ctx.cache.get(`GET ${request.url}`, async () => {
        const cycleId = cycleWorkflowId(params.exchange, params.name);
        return { cycleId, items: await listFindings(ctx.database(), { cycleId, open: query.open, limit: query.limit }) };
      }),
  );
}
