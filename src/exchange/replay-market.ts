import { KeelError } from '../domain/errors.js';
import { timeframeMs } from '../domain/market-types.js';
import type { Candle, Ticker, Timeframe } from '../domain/market-types.js';
import type { MarketOrderRules } from '../domain/market-rules.js';
import type { ExchangeGateway } from './port.js';
import { selectWindow, tickerAt } from './candle-series.js';
import { checkAsOf, checkOhlcvRequest, checkTimeframeOption, delay, isoTime, newGatewayCalls } from './market-args.js';
import type { GatewayCalls, OhlcvRequest } from './market-args.js';
import { REPLAY_FILE_PATTERN, dominantTimeframe, indexReplayDirectory } from './replay-directory.js';
import type { ReplayFileIndex } from './replay-directory.js';
import { loadReplayFile } from './replay-file.js';
import { referenceOrderRules } from './reference-order-rules.js';
import type { ReplaySeries } from './replay-file.js';

export interface ReplayMarketOptions {
  /** Folder of freqtrade candle files named <BASE>_<QUOTE>-<timeframe>.json (or .json.gz, .feather). */
  dir: string;
  /** Timeframe whose candles answer fetchTickers; default: the timeframe most files in the folder have. */
  tickerTimeframe?: Timeframe;
  /** Delay added to every call, to imitate exchange round trips. Default 0. */
  latencyMs?: number;
}

export interface SymbolCoverage {
  symbol: string;
  /** Open time of the first candle; null when the file is empty. */
  firstTs: number | null;
  /** Open time of the last candle; null when the file is empty. */
  lastTs: number | null;
  candles: number;
  /** Candles missing between first and last (exchange outages are not filled in recorded data). */
  missing: number;
}

export interface ReplayCoverage {
  timeframe: Timeframe;
  symbols: SymbolCoverage[];
  /** Latest first open time: from here every chosen symbol has data. Null when they share no window. */
  commonStartMs: number | null;
  /** Earliest last close time (last open + timeframe). Null when they share no window. */
  commonEndMs: number | null;
}

/**
 * Recorded candles served through the ExchangeGateway port, answering as of any market time with the same rules as
 * the simulated market (see `selectWindow` and `tickerAt`). Files are read lazily, once, and validated.
 * `listSymbols` lists the symbols that have a file at the ticker timeframe.
 */
export class ReplayMarket implements ExchangeGateway {
  readonly exchangeId = 'replay';
  readonly dir: string;
  readonly tickerTimeframe: Timeframe;
  /** Call counters for tests and benchmarks. */
  readonly calls: GatewayCalls = newGatewayCalls();
  private readonly latencyMs: number;
  private readonly files: ReplayFileIndex;
  private readonly loads = new Map<string, Promise<ReplaySeries>>();

  constructor(options: ReplayMarketOptions) {
    this.dir = options.dir;
    this.files = indexReplayDirectory(options.dir);
    this.tickerTimeframe = checkTimeframeOption('replay', options.tickerTimeframe ?? dominantTimeframe(this.files));
    this.latencyMs = options.latencyMs ?? 0;
  }

  async listSymbols(quote: string): Promise<string[]> {
    await delay(this.latencyMs);
    return this.listed(quote);
  }

  async fetchTickers(quote: string, symbols: string[] | undefined, asOfMs: number): Promise<Ticker[]> {
    await delay(this.latencyMs);
    this.calls.tickers++;
    checkAsOf('replay', asOfMs);
    const wanted = symbols ?? this.listed(quote);
    const tfMs = timeframeMs(this.tickerTimeframe);
    const series = await Promise.all(wanted.map((symbol) => this.series(symbol, this.tickerTimeframe)));
    const tickers: Ticker[] = [];
    wanted.forEach((symbol, i) => {
      const ticker = tickerAt(series[i] as ReplaySeries, symbol, tfMs, asOfMs);
      if (ticker !== null) tickers.push(ticker);
    });
    return tickers;
  }

  async fetchOhlcv(symbol: string, timeframe: Timeframe, options: OhlcvRequest): Promise<Candle[]> {
    await delay(this.latencyMs);
    this.calls.ohlcv++;
    const tfMs = checkOhlcvRequest('replay', timeframe, options);
    const candles = selectWindow(await this.series(symbol, timeframe), tfMs, options);
    this.calls.ohlcvCandles += candles.length;
    return candles;
  }

  /**
   * Rules fixed per coin from the open of its first recorded candle at the ticker timeframe (see referenceOrderRules);
   * the recordings hold no market rules. A symbol with an empty file gets none.
   */
  async orderRules(symbols: readonly string[]): Promise<Record<string, MarketOrderRules>> {
    const series = await Promise.all(symbols.map((symbol) => this.series(symbol, this.tickerTimeframe)));
    const rules: Record<string, MarketOrderRules> = {};
    symbols.forEach((symbol, i) => {
      const first = series[i] as ReplaySeries;
      if (first.length > 0) rules[symbol] = referenceOrderRules(first.candleAt(0).open);
    });
    return rules;
  }

  /** Where each symbol's data starts and ends, and the window they all cover (to choose a replay's marketStartMs). */
  async coverage(symbols: string[], timeframe: Timeframe): Promise<ReplayCoverage> {
    const tfMs = timeframeMs(timeframe);
    const perSymbol = await Promise.all(
      symbols.map(async (symbol): Promise<SymbolCoverage> => {
        const series = await this.series(symbol, timeframe);
        if (series.length === 0) return { symbol, firstTs: null, lastTs: null, candles: 0, missing: 0 };
        const firstTs = series.tsAt(0);
        const lastTs = series.tsAt(series.length - 1);
        return { symbol, firstTs, lastTs, candles: series.length, missing: (lastTs - firstTs) / tfMs + 1 - series.length };
      }),
    );
    let commonStartMs: number | null = null;
    let commonEndMs: number | null = null;
    if (perSymbol.length > 0 && perSymbol.every((entry) => entry.firstTs !== null)) {
      commonStartMs = Math.max(...perSymbol.map((entry) => entry.firstTs ?? 0));
      commonEndMs = Math.min(...perSymbol.map((entry) => (entry.lastTs ?? 0) + tfMs));
      if (commonEndMs <= commonStartMs) commonStartMs = commonEndMs = null;
    }
    return { timeframe, symbols: perSymbol, commonStartMs, commonEndMs };
  }

  /** Open time of the first candle every one of `symbols` has data for; throws when they share no window. */
  async firstCommonTs(symbols: string[], timeframe: Timeframe): Promise<number> {
    const coverage = await this.coverage(symbols, timeframe);
    if (coverage.commonStartMs === null) {
      const spans = coverage.symbols
        .map((entry) => `${entry.symbol} ${entry.firstTs === null ? 'empty' : `${isoTime(entry.firstTs)}..${isoTime(entry.lastTs ?? 0)}`}`)
        .join(', ');
      throw new KeelError('InvalidConfig', `replay: ${symbols.length} symbols at ${timeframe} share no common window (${spans}); choose symbols whose data overlaps`);
    }
    return coverage.commonStartMs;
  }

  private listed(quote: string): string[] {
    const symbols: string[] = [];
    for (const [symbol, files] of this.files) {
      if (symbol.endsWith(`/${quote}`) && files.has(this.tickerTimeframe)) symbols.push(symbol);
    }
    return symbols;
  }

  private series(symbol: string, timeframe: Timeframe): Promise<ReplaySeries> {
    const files = this.files.get(symbol);
    if (files === undefined) return Promise.reject(this.unknownSymbol(symbol));
    const path = files.get(timeframe);
    if (path === undefined) {
      const [base = '', quote = ''] = symbol.split('/');
      return Promise.reject(
        new KeelError(
          'InvalidConfig',
          `replay: no ${timeframe} candles for ${symbol} in "${this.dir}" (expected ${base}_${quote}-${timeframe}.json, .json.gz or .feather); ` +
            `it has ${[...files.keys()].join(', ')}`,
        ),
      );
    }
    let load = this.loads.get(path);
    if (load === undefined) {
      load = loadReplayFile(path);
      // A failed read is not cached: fixing the file and retrying must work without a restart.
      load.catch(() => this.loads.delete(path));
      this.loads.set(path, load);
    }
    return load;
  }

  private unknownSymbol(symbol: string): KeelError {
    const all = [...this.files.keys()];
    return new KeelError(
      'BadSymbol',
      `unknown symbol "${symbol}" on replay; "${this.dir}" has ${all.length} symbols such as ${all.slice(0, 3).join(', ')}, ...; ` +
        `add a file named ${REPLAY_FILE_PATTERN} to replay it`,
    );
  }
}
