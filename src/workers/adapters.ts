import path from 'node:path';
import type { Settings } from '../config/settings.js';
import { createDatabase, type KeelDatabase } from '../db/client.js';
import { createPaperLedger } from '../db/queries/paper-ledger.js';
import type { ExchangeGateway, OrderBroker } from '../exchange/port.js';
import { PaperBroker } from '../exchange/paper-broker.js';
import { ReplayMarket } from '../exchange/replay-market.js';
import { SimulatedMarket } from '../exchange/simulated-market.js';

export interface Adapters {
  database: KeelDatabase;
  gateway: ExchangeGateway;
  broker: OrderBroker;
}

/** PostgreSQL when DATABASE_URL is set, else the embedded PGlite in the data folder (one process only). */
export function openDatabase(settings: Readonly<Settings>): Promise<KeelDatabase> {
  return settings.DATABASE_URL ? createDatabase({ url: settings.DATABASE_URL }) : createDatabase({ dataDir: path.join(settings.dataDirAbs, 'pglite') });
}

export function createGateway(settings: Readonly<Settings>): ExchangeGateway {
  if (settings.KEEL_MARKET === 'replay') return new ReplayMarket({ dir: settings.KEEL_REPLAY_DIR! });
  return new SimulatedMarket({ seed: settings.KEEL_SEED, coins: settings.KEEL_COINS });
}

/** The database, the market and the paper broker: the ports an exchange or db worker serves. Paper is the only broker. */
export async function buildAdapters(settings: Readonly<Settings>): Promise<Adapters> {
  const database = await openDatabase(settings);
  const gateway = createGateway(settings);
  const broker = new PaperBroker({
    gateway,
    ledger: createPaperLedger(database.db),
    feeRate: settings.KEEL_PAPER_FEE_RATE,
    slippageBps: settings.KEEL_PAPER_SLIPPAGE_BPS,
    startingBalances: { USDT: settings.KEEL_PAPER_CASH },
  });
  return { database, gateway, broker };
}
