import { KeelError } from '../domain/errors.js';
import { timeframeMs } from '../domain/market-types.js';
import type { Candle, Ticker, Timeframe } from '../domain/market-types.js';
import type { MarketOrderRules } from '../domain/market-rules.js';
import type { ExchangeGateway } from './port.js';
import { selectWindow, tickerAt } from './candle-series.js';
import { checkAsOf, checkOhlcvRequest, checkTimeframeOption, delay, isoTime, newGatewayCalls } from './market-args.js';
import type { GatewayCalls, OhlcvRequest } from './market-args.js';
import { CoinPath } from './sim-coin-path.js';
import { coinProfile } from './sim-coin-profile.js';
import { referenceOrderRules } from './reference-order-rules.js';
import { MarketFactorPath } from './sim-market-factor.js';
import { simulatedBases } from './sim-symbols.js';

export interface SimulatedMarketOptions {
  /** Everything the market does follows from seed + anchorMs: same pair, same candles, on every machine. */
  seed: number;
  /** Number of coins listed (BTC, ETH, then invented ones). Default 250. */
  coins?: number;
  /** The one quote currency the sim lists. Default 'USDT'. */
  quote?: string;
  /**
   * Epoch ms from which history exists: the first candle of each timeframe opens at the first multiple of the
   * timeframe at or after it. Generation time and memory grow with the distance between anchorMs and the newest
   * candle asked for, so keep it a little before the warm-up window. Default 2024-01-01T00:00Z.
   */
  anchorMs?: number;
  /** Timeframe whose candles answer fetchTickers (and so price paper fills). Default '1h'. */
  tickerTimeframe?: Timeframe;
  /** Delay added to every call, to imitate exchange round trips in tests and benchmarks. Default 0. */
  latencyMs?: number;
}

export const DEFAULT_SIM_ANCHOR_MS = Date.UTC(2024, 0, 1);
/** Per coin and timeframe; one path costs 32 bytes per candle, so this caps a path at 32 MB. */
export const MAX_SIM_CANDLES_PER_PATH = 1_000_000;

/**
 * A seeded, offline market for any number of coins: a shared market factor with per-coin beta (correlated returns),
 * a Markov chain of bull/bear/sideways/volatile regimes, GARCH(1,1) volatility clusters and occasional jumps.
 * Candles are generated on demand, sequentially per (coin, timeframe), and kept in memory, so asking for any window in
 * any order returns the same candles. Tickers follow the rule in `tickerAt` over `tickerTimeframe` candles.
 */
export class SimulatedMarket implements ExchangeGateway {
  readonly exchangeId = 'sim';
  readonly quote: string;
  readonly anchorMs: number;
  readonly tickerTimeframe: Timeframe;
  /** Call counters for tests and benchmarks. */
  readonly calls: GatewayCalls = newGatewayCalls();
  private readonly seed: number;
  private readonly latencyMs: number;
  private readonly symbols: string[];
  private readonly indexBySymbol = new Map<string, number>();
  private readonly markets = new Map<number, MarketFactorPath>();
  private readonly paths = new Map<string, CoinPath>();

  constructor(options: SimulatedMarketOptions) {
    const coins = options.coins ?? 250;
    if (!Number.isFinite(options.seed)) {
      throw new KeelError('InvalidConfig', `sim: seed must be a finite number, got ${String(options.seed)}`);
    }
    if (!Number.isInteger(coins) || coins < 1) {
      throw new KeelError('InvalidConfig', `sim: coins must be a positive integer (default 250), got ${String(coins)}`);
    }
    this.seed = options.seed;
    this.quote = options.quote ?? 'USDT';
    if (!/^[A-Z0-9]+$/.test(this.quote)) {
      throw new KeelError('InvalidConfig', `sim: quote must be an uppercase currency code such as USDT, got "${this.quote}"`);
    }
    this.anchorMs = options.anchorMs ?? DEFAULT_SIM_ANCHOR_MS;
    if (!Number.isFinite(this.anchorMs)) {
      throw new KeelError('InvalidConfig', `sim: anchorMs must be epoch milliseconds, got ${String(this.anchorMs)}`);
    }
    this.tickerTimeframe = checkTimeframeOption('sim', options.tickerTimeframe ?? '1h');
    this.latencyMs = options.latencyMs ?? 0;
    this.symbols = simulatedBases(coins, this.quote).map((base) => `${base}/${this.quote}`);
    this.symbols.forEach((symbol, index) => this.indexBySymbol.set(symbol, index));
  }

  async listSymbols(quote: string): Promise<string[]> {
    await delay(this.latencyMs);
    return quote === this.quote ? [...this.symbols] : [];
  }

  async fetchTickers(quote: string, symbols: string[] | undefined, asOfMs: number): Promise<Ticker[]> {
    await delay(this.latencyMs);
    this.calls.tickers++;
    checkAsOf('sim', asOfMs);
    const wanted = symbols ?? (quote === this.quote ? this.symbols : []);
    const tfMs = timeframeMs(this.tickerTimeframe);
    if (wanted.length > 0 && asOfMs < this.firstTs(tfMs) + tfMs) {
      throw new KeelError(
        'InvalidConfig',
        `sim: no ${this.tickerTimeframe} candle has closed by ${isoTime(asOfMs)}; history starts at anchorMs ${isoTime(this.anchorMs)}. ` +
          'Set the sim anchorMs before the cycle start minus its warm-up.',
      );
    }
    const tickers: Ticker[] = [];
    for (const symbol of wanted) {
      const path = this.pathFor(symbol, tfMs, asOfMs);
      const ticker = tickerAt(path, symbol, tfMs, asOfMs);
      if (ticker !== null) tickers.push(ticker);
    }
    return tickers;
  }

  async fetchOhlcv(symbol: string, timeframe: Timeframe, options: OhlcvRequest): Promise<Candle[]> {
    await delay(this.latencyMs);
    this.calls.ohlcv++;
    const tfMs = checkOhlcvRequest('sim', timeframe, options);
    const candles = selectWindow(this.pathFor(symbol, tfMs, options.untilMs), tfMs, options);
    this.calls.ohlcvCandles += candles.length;
    return candles;
  }

  /** Rules fixed per coin from its start price (see referenceOrderRules): no call, no latency. */
  async orderRules(symbols: readonly string[]): Promise<Record<string, MarketOrderRules>> {
    const rules: Record<string, MarketOrderRules> = {};
    for (const symbol of symbols) {
      const coinIndex = this.indexBySymbol.get(symbol);
      if (coinIndex === undefined) throw this.unknownSymbol(symbol);
      rules[symbol] = referenceOrderRules(coinProfile(this.seed, this.anchorMs, coinIndex).startPrice);
    }
    return rules;
  }

  /** The coin's path at the timeframe, generated up to the last candle closed by untilMs. */
  private pathFor(symbol: string, tfMs: number, untilMs: number): CoinPath {
    const coinIndex = this.indexBySymbol.get(symbol);
    if (coinIndex === undefined) throw this.unknownSymbol(symbol);
    const key = `${coinIndex}|${tfMs}`;
    let path = this.paths.get(key);
    if (path === undefined) {
      path = new CoinPath(this.seed, this.anchorMs, coinIndex, this.firstTs(tfMs), tfMs, coinProfile(this.seed, this.anchorMs, coinIndex), this.marketFor(tfMs));
      this.paths.set(key, path);
    }
    const closedCount = Math.max(0, Math.floor((untilMs - path.firstTs) / tfMs));
    if (closedCount > MAX_SIM_CANDLES_PER_PATH) {
      throw new KeelError(
        'InvalidConfig',
        `sim: ${symbol} up to ${isoTime(untilMs)} needs ${closedCount} candles of ${tfMs / 60_000} min from anchorMs ${isoTime(this.anchorMs)}, ` +
          `more than the ${MAX_SIM_CANDLES_PER_PATH} the sim keeps per coin and timeframe; set anchorMs closer to the window you trade`,
      );
    }
    path.extendTo(closedCount);
    return path;
  }

  private marketFor(tfMs: number): MarketFactorPath {
    let market = this.markets.get(tfMs);
    if (market === undefined) {
      market = new MarketFactorPath(this.seed, this.anchorMs, tfMs);
      this.markets.set(tfMs, market);
    }
    return market;
  }

  private firstTs(tfMs: number): number {
    return Math.ceil(this.anchorMs / tfMs) * tfMs;
  }

  private unknownSymbol(symbol: string): KeelError {
    const examples = this.symbols.slice(0, 3).join(', ');
    return new KeelError(
      'BadSymbol',
      `unknown symbol "${symbol}" on sim; it lists ${this.symbols.length} symbols such as ${examples}, ...; call listSymbols('${this.quote}') for all of them`,
    );
  }
}
