import path from 'node:path';
import type { Settings } from '../config/settings.js';
import { createDatabase, type KeelDatabase } from '../db/client.js';
import { createPaperLedger } from '../db/queries/paper-ledger.js';
import { reserveLiveNotional } from '../db/queries/live-reservations.js';
import type { Timeframe } from '../domain/market-types.js';
import { capabilitiesFor, isCcxtExchangeId, paperFeeRates, supportedTimeframes } from '../exchange/capabilities.js';
import { createCcxtGateway } from '../exchange/create-gateway.js';
import type { AccountReader, ExchangeGateway, MarketRules, OrderBroker } from '../exchange/port.js';
import { LiveBroker } from '../exchange/live-broker.js';
import { PaperBroker } from '../exchange/paper-broker.js';
import { ReplayMarket } from '../exchange/replay-market.js';
import { SimulatedMarket } from '../exchange/simulated-market.js';

export interface Adapters {
  database: KeelDatabase;
  gateway: ExchangeGateway;
  broker: OrderBroker;
  /** ccxt exchanges: symbol and timeframe rules for config checks. */
  marketRules?: MarketRules;
  /** Live trading: the account reads reconciliation makes. */
  accountReader?: AccountReader;
  /** ccxt exchanges: the request budget is planned at config time (sim and replay have none). */
  requestBudget?: { supportedTimeframes: Timeframe[] };
  /** The exchange queue's server-side budget, which ccxt's own limiter matches. */
  exchangeRequestsPerSecond: number;
  /** One line for the start banner: market data source and broker. */
  description: string;
  /** Closes the exchange connection (if any) and the database. */
  close(): Promise<void>;
}

/** PostgreSQL when DATABASE_URL is set, else the embedded PGlite in the data folder (one process only). */
export function openDatabase(settings: Readonly<Settings>): Promise<KeelDatabase> {
  return settings.DATABASE_URL ? createDatabase({ url: settings.DATABASE_URL }) : createDatabase({ dataDir: path.join(settings.dataDirAbs, 'pglite') });
}

/**
 * The exchange queue's request budget, requests per second. For a ccxt exchange it is KEEL_EXCHANGE_RPS capped at
 * the exchange's public REST limit (capabilities.ts): the default 2000 suits the simulator, not Kraken's 1/s. The same
 * figure becomes the server-side task-queue limit (shared by every exchange-worker replica) and ccxt's own limiter.
 */
export function exchangeRequestsPerSecond(settings: Readonly<Settings>): number {
  if (!isCcxtExchangeId(settings.KEEL_MARKET)) return settings.KEEL_EXCHANGE_RPS;
  return Math.min(settings.KEEL_EXCHANGE_RPS, capabilitiesFor(settings.KEEL_MARKET).publicRest.requestsPerSecond);
}

/** The simulated or replay market; ccxt exchanges are built by buildAdapters (they load ccxt, asynchronously). */
export function createGateway(settings: Readonly<Settings>): ExchangeGateway {
  if (settings.KEEL_MARKET === 'replay') return new ReplayMarket({ dir: settings.KEEL_REPLAY_DIR! });
  if (settings.KEEL_MARKET === 'sim') return new SimulatedMarket({ seed: settings.KEEL_SEED, coins: settings.KEEL_COINS });
  throw new Error(`createGateway builds the sim and replay markets only; ${settings.KEEL_MARKET} goes through buildAdapters`);
}

/**
 * The database, the market and the broker: the ports an exchange or db worker serves. Paper trading unless
 * KEEL_LIVE_TRADING=true, which settings allow only for a ccxt exchange with keys and both notional caps; then the
 * live broker places real orders through the same ccxt gateway that serves the market data.
 */
export async function buildAdapters(settings: Readonly<Settings>): Promise<Adapters> {
  const database = await openDatabase(settings);
  const rps = exchangeRequestsPerSecond(settings);
  const paperFees = paperFeeRates(settings.KEEL_MARKET, settings.KEEL_PAPER_FEE_RATE);
  const paperBroker = (gateway: ExchangeGateway) =>
    new PaperBroker({
      gateway,
      ledger: createPaperLedger(database.db),
      feeRate: paperFees.takerFeeRate,
      makerFeeRate: paperFees.makerFeeRate,
      slippageBps: settings.KEEL_PAPER_SLIPPAGE_BPS,
      startingBalances: { [settings.KEEL_QUOTE]: settings.KEEL_PAPER_CASH },
    });
  const market = settings.KEEL_MARKET;
  if (!isCcxtExchangeId(market)) {
    const gateway = createGateway(settings);
    return { database, gateway, broker: paperBroker(gateway), exchangeRequestsPerSecond: rps, description: `${market} market, paper trading`, close: () => database.close() };
  }

  const live = settings.KEEL_LIVE_TRADING;
  const gateway = await createCcxtGateway({
    exchangeId: market,
    ...(settings.KEEL_EXCHANGE_BASE_URL !== undefined && { baseUrl: settings.KEEL_EXCHANGE_BASE_URL }),
    // Keys only where they are used: a paper cycle reads public data and never needs them.
    ...(live && { apiKey: settings.KEEL_EXCHANGE_API_KEY!, secret: settings.KEEL_EXCHANGE_API_SECRET! }),
    timeoutMs: settings.KEEL_EXCHANGE_TIMEOUT_MS,
    // This replica's share of the budget. The server-side limit holds the average across replicas but lets a burst of
    // one second's budget through after a pause; the shares keep even that burst within the budget at the exchange.
    rateLimitPerSecond: rps / settings.KEEL_EXCHANGE_REPLICAS,
  });
  const broker: OrderBroker = live
    ? new LiveBroker({
        exchange: gateway,
        maxOrderNotional: settings.KEEL_LIVE_MAX_ORDER_NOTIONAL!,
        maxDailyNotional: settings.KEEL_LIVE_MAX_DAILY_NOTIONAL!,
        // One key set is one exchange account: every cycle on this exchange counts against its daily cap.
        reserveNotional: (request) => reserveLiveNotional(database.db, { accountKey: `cycle/${market}/`, ...request }),
      })
    : paperBroker(gateway);
  const capped =
    (rps < settings.KEEL_EXCHANGE_RPS ? ` (KEEL_EXCHANGE_RPS ${settings.KEEL_EXCHANGE_RPS} capped at ${market}'s public limit)` : '') +
    (settings.KEEL_EXCHANGE_REPLICAS > 1 ? `, ${rps / settings.KEEL_EXCHANGE_REPLICAS}/s for each of ${settings.KEEL_EXCHANGE_REPLICAS} replicas` : '');
  return {
    database,
    gateway,
    broker,
    marketRules: gateway,
    ...(live && { accountReader: gateway }),
    requestBudget: { supportedTimeframes: supportedTimeframes(market) },
    exchangeRequestsPerSecond: rps,
    description:
      `${market} public market data${settings.KEEL_EXCHANGE_BASE_URL ? ' via KEEL_EXCHANGE_BASE_URL' : ''}, ${rps} requests/s${capped}, ` +
      (live
        ? `LIVE trading (per order at most ${settings.KEEL_LIVE_MAX_ORDER_NOTIONAL} ${settings.KEEL_QUOTE}, per UTC day at most ${settings.KEEL_LIVE_MAX_DAILY_NOTIONAL} ${settings.KEEL_QUOTE})`
        : 'paper trading'),
    close: async () => {
      await gateway.close();
      await database.close();
    },
  };
}
