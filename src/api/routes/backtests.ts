import type { FastifyInstance } from 'fastify';
import { getBacktestRun, listBacktestOrders, listBacktestRuns } from '../../db/queries/backtest-runs.js';
import { backtestListQuerySchema, backtestOrdersQuerySchema, backtestRunParamsSchema, startBacktestsBodySchema } from '../backtest-validation.js';
import { startBacktests, type BacktestDefaults } from '../backtests.js';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { addOperation, type OperationRegistry } from '../operations.js';
import { backtestOrderPageSchema, backtestRunDetailSchema, backtestRunListSchema, startBacktestsResponseSchema } from '../schemas.js';

const TAG = 'backtests';
const READ_NOTE = 'Read from PostgreSQL, where the backtest workers store their runs. Identical requests share one read, whose answer serves for up to 0.5 s.';

function unknownRun(id: string): ApiError {
  return new ApiError('NOT_FOUND', `no backtest run "${id}": the id is unknown, or a run just started has not yet been taken by a backtest worker (GET /v1/backtests lists the runs)`);
}

/**
 * Backtests: started as a sweep workflow in Temporal (the keel-backtest workers run them), read back from
 * PostgreSQL. The API never runs a backtest itself.
 */
export function registerBacktestRoutes(app: FastifyInstance, ctx: ApiContext, registry: OperationRegistry, defaults: BacktestDefaults): void {
  addOperation(
    app,
    registry,
    {
      method: 'POST',
      path: '/v1/backtests',
      operationId: 'startBacktests',
      tag: TAG,
      summary: 'Start a backtest on the backtest workers (a sweep workflow of one run)',
      description:
        'Accepted, not done: the `backtestSweep` workflow runs each run as an activity on the keel-backtest workers over their KEEL_REPLAY_DIR, and stores it; GET /v1/backtests/{id} shows it once a worker has taken it. `config` holds cycle settings by dotted key, checked against the default backtest config by the same validator as `keel config set` (a 400 names the key).',
      body: startBacktestsBodySchema,
      responses: { 202: { description: 'the sweep workflow was started', schema: startBacktestsResponseSchema } },
      errors: ['UNAVAILABLE'],
    },
    async ({ body }, _request, reply) => {
      const result = await startBacktests(ctx, body, defaults);
      reply.code(202);
      return result;
    },
  );

  addOperation(
    app,
    registry,
    {
      method: 'GET',
      path: '/v1/backtests',
      operationId: 'listBacktests',
      tag: TAG,
      summary: 'Backtest runs, newest first (or one sweep\'s, in run order): status, label, metrics; no curves, no orders',
      description: READ_NOTE,
      query: backtestListQuerySchema,
      responses: { 200: { description: 'the runs', schema: backtestRunListSchema } },
      errors: ['UNAVAILABLE'],
    },
    async ({ query }, request) =>
      ctx.cache.get(`GET ${request.url}`, async () => ({
        items: await listBacktestRuns(ctx.database(), { limit: query.limit, ...(query.sweepId !== undefined && { sweepId: query.sweepId }) }),
      })),
  );

  addOperation(
    app,
    registry,
    {
      method: 'GET',
      path: '/v1/backtests/:id',
      operationId: 'getBacktest',
      tag: TAG,
      summary: 'One backtest run: metrics, the equity curve and buy-and-hold',
      description: `${READ_NOTE} The id holds a "/": send it as %2F.`,
      params: backtestRunParamsSchema,
      responses: { 200: { description: 'the run', schema: backtestRunDetailSchema } },
      errors: ['NOT_FOUND', 'UNAVAILABLE'],
    },
    async ({ params }, request) =>
      ctx.cache.get(`GET ${request.url}`, async () => {
        const run = await getBacktestRun(ctx.database(), params.id);
        if (run === null) throw unknownRun(params.id);
        return run;
      }),
  );

  addOperation(
    app,
    registry,
    {
      method: 'GET',
      path: '/v1/backtests/:id/orders',
      operationId: 'listBacktestOrders',
      tag: TAG,
      summary: "A backtest run's filled orders in fill order, a page at a time, with the total",
      description: READ_NOTE,
      params: backtestRunParamsSchema,
      query: backtestOrdersQuerySchema,
      responses: { 200: { description: 'a page of orders', schema: backtestOrderPageSchema } },
      errors: ['NOT_FOUND', 'UNAVAILABLE'],
    },
    async ({ params, query }, request) =>
      ctx.cache.get(`GET ${request.url}`, async () => {
        const db = ctx.database();
        const page = await listBacktestOrders(db, params.id, { limit: query.limit, offset: query.offset });
        // No orders: a run without trades, or no run at all. Only then is the (larger) run row read.
        if (page.total === 0 && (await getBacktestRun(db, params.id)) === null) throw unknownRun(params.id);
        return { runId: params.id, total: page.total, offset: query.offset, items: page.orders };
      }),
  );
}
