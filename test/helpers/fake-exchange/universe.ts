import type { Candle, Timeframe } from '../../../src/domain/market-types.js';
import { timeframeMs } from '../../../src/domain/market-types.js';
import { SimulatedMarket } from '../../../src/exchange/simulated-market.js';
import { simulatedBases } from '../../../src/exchange/sim-symbols.js';

/** Real coin names first (the recorded fixtures use them), then the simulator's invented ones. */
const REAL_BASES = ['BTC', 'ETH', 'SOL', 'XRP', 'ADA', 'LTC', 'DOGE', 'DOT', 'LINK', 'AVAX', 'TRX', 'BCH', 'XLM', 'ATOM', 'UNI', 'ETC', 'FIL', 'AAVE', 'ALGO', 'NEAR'];

export interface FakeMarket {
  symbol: string;
  base: string;
  quote: string;
}

export interface FakeUniverseOptions {
  /** Coins listed (each in every quote). Default 100. */
  coins: number;
  quotes: string[];
  seed: number;
  /** Epoch ms from which candles exist. */
  anchorMs: number;
}

/**
 * The markets a fake exchange lists and their prices: `coins` bases x `quotes`, every quote priced alike. Candles and
 * prices come from keel's SimulatedMarket (coin i of the fake is coin i of the sim), so they are seeded and
 * reproducible, and any window can be asked for in any order.
 */
export class FakeUniverse {
  readonly bases: string[];
  readonly quotes: string[];
  readonly markets: FakeMarket[];
  private readonly sim: SimulatedMarket;
  private readonly simSymbols: string[];
  private readonly indexByBase = new Map<string, number>();

  constructor(options: FakeUniverseOptions) {
    this.quotes = [...options.quotes];
    this.sim = new SimulatedMarket({ seed: options.seed, coins: options.coins, quote: 'USDT', anchorMs: options.anchorMs, tickerTimeframe: '1h' });
    // The sim lists simulatedBases(coins, 'USDT') as <base>/USDT: BTC, ETH, then invented names.
    const invented = simulatedBases(options.coins, 'USDT');
    const bases: string[] = [];
    for (const base of [...REAL_BASES, ...invented]) {
      if (bases.length >= options.coins) break;
      if (!bases.includes(base) && !this.quotes.includes(base)) bases.push(base);
    }
    this.bases = bases;
    this.simSymbols = invented.map((base) => `${base}/USDT`);
    bases.forEach((base, index) => this.indexByBase.set(base, index));
    this.markets = bases.flatMap((base) => this.quotes.map((quote) => ({ symbol: `${base}/${quote}`, base, quote })));
  }

  has(base: string, quote: string): boolean {
    return this.indexByBase.has(base) && this.quotes.includes(quote);
  }

  private simSymbol(base: string): string {
    const index = this.indexByBase.get(base);
    const symbol = index === undefined ? undefined : this.simSymbols[index];
    if (symbol === undefined) throw new Error(`fake universe lists no ${base}`);
    return symbol;
  }

  /** Last price and 24h quote volume as of nowMs (from the sim's 1h candles). */
  async ticker(base: string, nowMs: number): Promise<{ last: number; quoteVolume: number; open: number; high: number; low: number }> {
    const symbol = this.simSymbol(base);
    const [ticker] = await this.sim.fetchTickers('USDT', [symbol], nowMs);
    if (ticker === undefined) throw new Error(`fake universe has no price for ${base} at ${new Date(nowMs).toISOString()}`);
    const day = await this.sim.fetchOhlcv(symbol, '1h', { limit: 24, untilMs: nowMs });
    const open = day[0]?.open ?? ticker.last;
    const high = Math.max(ticker.last, ...day.map((candle) => candle.high));
    const low = Math.min(ticker.last, ...day.map((candle) => candle.low));
    return { last: ticker.last, quoteVolume: ticker.quoteVolume, open, high, low };
  }

  async lastPrice(base: string, nowMs: number): Promise<number> {
    return (await this.ticker(base, nowMs)).last;
  }

  /**
   * Candles open in [sinceMs, untilMs) as an exchange serves them: the closed ones, then (when `withCurrent`) the one
   * still forming at nowMs, flat at the last close with no volume yet.
   */
  async candles(base: string, timeframe: Timeframe, request: { sinceMs?: number; limit: number; untilMs: number; nowMs: number }): Promise<Candle[]> {
    const tfMs = timeframeMs(timeframe);
    const until = Math.min(request.untilMs, request.nowMs);
    const closed = await this.sim.fetchOhlcv(this.simSymbol(base), timeframe, {
      ...(request.sinceMs !== undefined && { sinceMs: request.sinceMs }),
      limit: request.limit,
      untilMs: request.nowMs,
    });
    const result = closed.filter((candle) => candle.ts < until);
    const currentTs = Math.floor(request.nowMs / tfMs) * tfMs;
    const last = closed[closed.length - 1];
    if (last !== undefined && result.length < request.limit && currentTs < until && (request.sinceMs === undefined || currentTs >= request.sinceMs) && last.ts < currentTs) {
      result.push({ ts: currentTs, open: last.close, high: last.close, low: last.close, close: last.close, volume: 0 });
    }
    return result;
  }
}
