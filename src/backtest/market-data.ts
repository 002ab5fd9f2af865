import { KeelError } from '../domain/errors.js';
import type { MarketOrderRules } from '../domain/market-rules.js';
import type { Timeframe } from '../domain/market-types.js';
import { referenceOrderRules } from '../exchange/reference-order-rules.js';
import { REPLAY_FILE_PATTERN, dominantTimeframe, indexReplayDirectory } from '../exchange/replay-directory.js';
import { loadReplayFile } from '../exchange/replay-file.js';
import { ReplaySeries } from '../exchange/replay-file.js';

/** One pair's recorded candles, as the replay market would serve them. */
export interface BacktestPair {
  symbol: string;
  /** Candles at the cycle's timeframe (what the coin children sync and evaluate); undefined when the folder has none. */
  candles: ReplaySeries | undefined;
  /** ln(close[i] / close[i-1]) of `candles` (index 0 unused): computed once, read by every evaluation of the pair. */
  logReturns: Float64Array;
  /** Candles at the ticker timeframe (what the scan and the paper broker price from); the same object when equal. */
  tickerCandles: ReplaySeries;
  /** The replay market's order rules for the pair (fixed from its first candle's open). */
  rules: MarketOrderRules | undefined;
}

export interface BacktestData {
  dir: string;
  timeframe: Timeframe;
  tickerTimeframe: Timeframe;
  /** The pairs the replay market lists for the quote, in its order (file name order). */
  pairs: BacktestPair[];
  /** Candles loaded at the cycle's timeframe, over all pairs. */
  candles: number;
}

export interface LoadOptions {
  dir: string;
  timeframe: Timeframe;
  quote: string;
  /** Only these pairs (BASE/QUOTE); every pair of the quote when absent. Unknown pairs are refused, by name. */
  pairs?: readonly string[];
  /** Called after each file is read: files read so far and in all. */
  onFile?: (done: number, total: number) => void;
}

/**
 * Reads a freqtrade data folder the way the replay market does (same file index, same validation, same ticker
 * timeframe: the one most files have), once, into typed arrays.
 */
export async function loadBacktestData(options: LoadOptions): Promise<BacktestData> {
  const index = indexReplayDirectory(options.dir);
  const tickerTimeframe = dominantTimeframe(index);
  const listed = [...index.entries()].filter(([symbol, files]) => symbol.endsWith(`/${options.quote}`) && files.has(tickerTimeframe)).map(([symbol]) => symbol);
  let chosen = listed;
  if (options.pairs !== undefined) {
    const known = new Set(listed);
    const unknown = options.pairs.filter((p) => !known.has(p));
    if (unknown.length > 0) {
      throw new KeelError(
        'BadSymbol',
        `backtest: ${unknown.join(', ')} not in "${options.dir}" at ${tickerTimeframe} for ${options.quote} (it has ${listed.length} pairs such as ${listed.slice(0, 3).join(', ')}); ` +
          `name pairs as BASE/QUOTE with a file ${REPLAY_FILE_PATTERN}`,
      );
    }
    chosen = options.pairs.slice();
  }
  if (chosen.length === 0) {
    throw new KeelError('InvalidConfig', `backtest: "${options.dir}" has no ${tickerTimeframe} files quoted in ${options.quote}; choose another --quote or folder`);
  }
  const total = chosen.length * (options.timeframe === tickerTimeframe ? 1 : 2);
  let done = 0;
  const read = async (path: string): Promise<ReplaySeries> => {
    const series = await loadReplayFile(path);
    options.onFile?.(++done, total);
    return series;
  };
  const pairs: BacktestPair[] = [];
  let candles = 0;
  for (const symbol of chosen) {
    const files = index.get(symbol)!;
    const tickerFile = await read(files.get(tickerTimeframe)!);
    const ownPath = files.get(options.timeframe);
    const ownFile = options.timeframe === tickerTimeframe ? tickerFile : ownPath === undefined ? undefined : await read(ownPath);
    const series = ownFile === undefined ? undefined : withSharedCloses(ownFile);
    const tickerCandles = ownFile === tickerFile && series !== undefined ? series : tickerFile;
    candles += series?.length ?? 0;
    pairs.push({
      symbol,
      candles: series,
      logReturns: series === undefined ? new Float64Array(0) : logReturnsOf(series.close),
      tickerCandles,
      rules: tickerCandles.length > 0 ? referenceOrderRules(tickerCandles.open[0]!) : undefined,
    });
  }
  return { dir: options.dir, timeframe: options.timeframe, tickerTimeframe, pairs, candles };
}

/**
 * The series with its open times and closes in memory a thread can share: the thread computing evaluations ahead
 * (evaluations-ahead.ts) reads them, and the look-ahead check's views of them, without a copy per run.
 */
function withSharedCloses(series: ReplaySeries): ReplaySeries {
  return new ReplaySeries(sharedCopy(series.ts), series.open, series.high, series.low, sharedCopy(series.close), series.volume);
}

function sharedCopy(values: Float64Array): Float64Array {
  const out = new Float64Array(new SharedArrayBuffer(values.byteLength));
  out.set(values);
  return out;
}

/** Shared, as the closes (see withSharedCloses). */
function logReturnsOf(closes: Float64Array): Float64Array {
  const out = new Float64Array(new SharedArrayBuffer(closes.byteLength));
  for (let i = 1; i < closes.length; i++) out[i] = Math.log(closes[i]! / closes[i - 1]!);
  return out;
}
