import { log } from '@temporalio/activity';
import type {
  BrokerAccountInput,
  GetOrderInput,
  PlaceOrderInput,
  ScanMarketInput,
  ScanMarketResult,
  SyncCandlesInput,
  SyncCandlesResult,
} from '../contracts/activity-types.js';
import type { Balance, OrderState } from '../domain/market-types.js';
import { timeframeMs } from '../domain/market-types.js';
import type { ExchangeGateway, OrderBroker } from '../exchange/port.js';
import type { Database } from '../db/client.js';
import { getLastCandleTs, upsertCandles } from '../db/queries/candles.js';
import type { KeelMetrics } from '../observability/metrics.js';
import { withFailureMapping } from './to-application-failure.js';

/** Most candles one OHLCV call asks for (the common exchange page size). */
const MAX_CANDLES_PER_CALL = 1000;

export interface ExchangeActivityDeps {
  gateway: ExchangeGateway;
  broker: OrderBroker;
  db: Database;
  /** Counts the candle rows syncCandles writes. Exchange calls are metered by wrapping the ports (meterGateway). */
  metrics?: KeelMetrics;
}

/** Activities of the `keel-exchange-<exchange>` queue: every exchange call keel makes goes through one of these. */
export function createExchangeActivities({ gateway, broker, db, metrics }: ExchangeActivityDeps) {
  return withFailureMapping({
    /** One bulk tickers call; the universe is the configured symbols or the top coins by quote volume. */
    async scanMarket(input: ScanMarketInput): Promise<ScanMarketResult> {
      let unknownSymbols: string[] = [];
      let wanted: string[] | undefined;
      if (input.symbols !== null) {
        const listed = new Set(await gateway.listSymbols(input.quote));
        unknownSymbols = input.symbols.filter((s) => !listed.has(s));
        wanted = input.symbols.filter((s) => listed.has(s));
      }
      const tickers = await gateway.fetchTickers(input.quote, wanted, input.asOfMs);
      const usable = tickers.filter((t) => Number.isFinite(t.last) && t.last > 0 && Number.isFinite(t.quoteVolume));
      if (usable.length < tickers.length) {
        log.warn('tickers with unusable prices dropped', { dropped: tickers.filter((t) => !usable.includes(t)).map((t) => t.symbol) });
      }
      const chosen = wanted === undefined ? [...usable].sort((a, b) => b.quoteVolume - a.quoteVolume).slice(0, input.maxCoins) : usable.slice(0, input.maxCoins);
      return { tickers: chosen.map((t) => ({ symbol: t.symbol, last: t.last, quoteVolume: t.quoteVolume })), unknownSymbols };
    },

    /**
     * Brings one coin's stored candles up to `untilMs`: the first sync loads the whole warm-up window in one call,
     * later syncs fetch only candles newer than the last stored one; all are written with one upsert statement.
     */
    async syncCandles(input: SyncCandlesInput): Promise<SyncCandlesResult> {
      const tfMs = timeframeMs(input.timeframe);
      const key = { exchange: input.exchange, symbol: input.symbol, timeframe: input.timeframe };
      const lastTs = await getLastCandleTs(db, key);
      const newestClosedOpenTs = Math.floor(input.untilMs / tfMs) * tfMs - tfMs;
      if (lastTs !== null && lastTs >= newestClosedOpenTs) {
        return { fetched: 0, stored: 0, lastTs }; // already up to date: no exchange call at all
      }
      const missing = lastTs === null ? input.warmupCandles : Math.round((newestClosedOpenTs - lastTs) / tfMs);
      // After a long outage, gaps older than the warm-up window do not matter to the signal: fetch the recent window.
      const incremental = lastTs !== null && missing <= input.warmupCandles;
      const candles = await gateway.fetchOhlcv(input.symbol, input.timeframe, {
        ...(incremental && { sinceMs: lastTs + tfMs }),
        limit: Math.min(MAX_CANDLES_PER_CALL, incremental ? missing : input.warmupCandles),
        untilMs: input.untilMs,
      });
      const stored = candles.length > 0 ? await upsertCandles(db, key, candles) : 0;
      metrics?.rowsWritten('candles', stored);
      const newest = candles.at(-1)?.ts ?? lastTs;
      return { fetched: candles.length, stored, lastTs: newest };
    },

    /** Looks the client order id up first, then places: a retried or replayed call finds the order instead of doubling it. */
    async placeOrder(input: PlaceOrderInput): Promise<OrderState> {
      const order = await broker.placeOrder({ account: input.account, quote: input.quote, clientOrderId: input.clientOrderId, intent: input.intent, asOfMs: input.asOfMs });
      log.info('order placed', { clientOrderId: order.clientOrderId, symbol: order.symbol, side: order.side, status: order.status, filled: order.filled, mode: broker.mode });
      return order;
    },

    async getOrder(input: GetOrderInput): Promise<OrderState | null> {
      return broker.findOrder(input.account, input.clientOrderId, input.symbol);
    },

    async cancelOrder(input: GetOrderInput): Promise<OrderState | null> {
      return broker.cancelOrder(input.account, input.clientOrderId, input.symbol);
    },

    async fetchBalances(input: BrokerAccountInput): Promise<Balance[]> {
      return broker.fetchBalances(input.account, input.quote);
    },
  });
}

export type ExchangeActivities = ReturnType<typeof createExchangeActivities>;
