import type { FastifyInstance } from 'fastify';
import { loadRecentCandles } from '../../db/queries/candles.js';
import type { ApiContext } from '../context.js';
import { addOperation, type OperationRegistry } from '../operations.js';
import { candleListSchema } from '../schemas.js';
import { candleParamsSchema, candleQuerySchema } from '../validation.js';

/** Stored candles per symbol: what the coin cycles synced into PostgreSQL, shared by every cycle on the exchange. */
export function registerCandleRoutes(app: FastifyInstance, ctx: ApiContext, registry: OperationRegistry): void {
  addOperation(
    app,
    registry,
    {
      method: 'GET',
      path: '/v1/candles/:exchange/:base/:quote',
      operationId: 'listCandles',
      tag: 'market data',
      summary: 'The newest stored candles of one symbol (e.g. /v1/candles/sim/BTC/USDT), oldest first',
      description: 'Read from PostgreSQL: candles the coin cycles synced. A symbol nothing synced has no candles.',
      params: candleParamsSchema,
      query: candleQuerySchema,
      responses: { 200: { description: 'the candles', schema: candleListSchema } },
      errors: ['UNAVAILABLE'],
    },
    async ({ params, query }, request) =>
      ctx.cache.get(`GET ${request.url}`, async () => {
        const symbol = `${params.base}/${params.quote}`;
        const items = await loadRecentCandles(ctx.database(), {
          exchange: params.exchange,
          symbol,
          timeframe: query.timeframe,
          untilOpenTs: Number.MAX_SAFE_INTEGER,
          limit: query.limit,
        });
        return { exchange: params.exchange, symbol, timeframe: query.timeframe, items };
      }),
  );
}
