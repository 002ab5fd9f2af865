import { KeelError } from '../domain/errors.js';
import { CCXT_EXCHANGE_IDS, capabilitiesFor } from './capabilities.js';
// Types only: the ccxt gateway module (and ccxt, about 3 s to import) loads on first use, never on the sim path.
import type { CcxtGateway, CcxtGatewayOptions } from './ccxt-gateway.js';
import type { ExchangeGateway } from './port.js';
import { ReplayMarket } from './replay-market.js';
import type { ReplayMarketOptions } from './replay-market.js';
import { SimulatedMarket } from './simulated-market.js';
import type { SimulatedMarketOptions } from './simulated-market.js';

export const SUPPORTED_MARKETS = ['sim', 'replay'] as const;

export interface CreateGatewayOptions {
  /** Market adapter id: 'sim' or 'replay' (ccxt exchange ids come later). A string because it comes from config. */
  market: string;
  /** Options of the simulated market; seed defaults to 42. */
  sim?: Partial<SimulatedMarketOptions>;
  /** Options of the replay market; `dir` is required for 'replay'. */
  replay?: Partial<ReplayMarketOptions>;
}

/** The ExchangeGateway for a market id; does not load ccxt, so sim and replay start fast and offline. */
export function createGateway(options: CreateGatewayOptions): ExchangeGateway {
  switch (options.market) {
    case 'sim':
      return new SimulatedMarket({ ...options.sim, seed: options.sim?.seed ?? 42 });
    case 'replay': {
      const dir = options.replay?.dir;
      if (dir === undefined || dir === '') {
        throw new KeelError('InvalidConfig', 'market "replay" needs replay.dir: a folder of freqtrade candle files named <BASE>_<QUOTE>-<timeframe>.json (or .json.gz, .feather)');
      }
      return new ReplayMarket({ ...options.replay, dir });
    }
    default:
      throw new KeelError(
        'InvalidConfig',
        `market "${options.market}" is not supported yet; use ${SUPPORTED_MARKETS.join(' or ')} (ccxt exchanges such as binance come in a later release)`,
      );
  }
}

/**
 * The ccxt gateway for a real exchange (kraken, coinbase, binance), loading ccxt only now. Unknown exchange ids fail
 * with InvalidConfig naming the supported ones, before ccxt is imported.
 */
export async function createCcxtGateway(options: CcxtGatewayOptions): Promise<CcxtGateway> {
  capabilitiesFor(options.exchangeId);
  const { CcxtGateway: Gateway } = await import('./ccxt-gateway.js');
  return new Gateway(options);
}

export { CCXT_EXCHANGE_IDS };
