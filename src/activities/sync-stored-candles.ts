import type { SyncCandlesInput, SyncCandlesResult } from '../contracts/activity-types.js';
import type { Database } from '../db/client.js';
import { getLastCandleTs, upsertCandles } from '../db/queries/candles.js';
import { candleSyncRequest } from '../domain/candle-sync.js';
import { timeframeMs } from '../domain/market-types.js';
import type { ExchangeGateway } from '../exchange/port.js';
import type { KeelMetrics } from '../observability/metrics.js';

/**
 * Brings one coin's stored candles up to `untilMs`: the first sync loads the whole warm-up window in one call,
 * later syncs fetch only candles newer than the last stored one; all are written with one upsert statement.
 */
export async function syncStoredCandles(deps: { gateway: ExchangeGateway; db: Database; metrics?: KeelMetrics }, input: SyncCandlesInput): Promise<SyncCandlesResult> {
  const { gateway, db, metrics } = deps;
  const key = { exchange: input.exchange, symbol: input.symbol, timeframe: input.timeframe };
  const lastTs = await getLastCandleTs(db, key);
  const request = candleSyncRequest({ lastStoredTs: lastTs, untilMs: input.untilMs, timeframeMs: timeframeMs(input.timeframe), warmupCandles: input.warmupCandles });
  if (request === null) return { fetched: 0, stored: 0, lastTs }; // already up to date: no exchange call at all
  const candles = await gateway.fetchOhlcv(input.symbol, input.timeframe, { ...request, untilMs: input.untilMs });
  const stored = candles.length > 0 ? await upsertCandles(db, key, candles) : 0;
  metrics?.rowsWritten('candles', stored);
  const newest = candles.at(-1)?.ts ?? lastTs;
  return { fetched: candles.length, stored, lastTs: newest };
}
