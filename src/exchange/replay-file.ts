import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { KeelError } from '../domain/errors.js';
import type { Candle } from '../domain/market-types.js';
import type { CandleSeries } from './candle-series.js';
import { featherRows } from './replay-feather.js';

const EXPECTED = 'expected freqtrade candles [[ts_ms, open, high, low, close, volume], ...] with positive prices';

/** One freqtrade candle file held in typed arrays (48 bytes per candle instead of an object each). */
export class ReplaySeries implements CandleSeries {
  /** The columns, oldest first; read-only by contract (a backtest reads them directly, without a call per candle). */
  constructor(
    readonly ts: Float64Array,
    readonly open: Float64Array,
    readonly high: Float64Array,
    readonly low: Float64Array,
    readonly close: Float64Array,
    readonly volume: Float64Array,
  ) {}

  get length(): number {
    return this.ts.length;
  }

  tsAt(index: number): number {
    return this.ts[index] ?? Number.NaN;
  }

  closeAt(index: number): number {
    return this.close[index] ?? Number.NaN;
  }

  volumeAt(index: number): number {
    return this.volume[index] ?? Number.NaN;
  }

  candleAt(index: number): Candle {
    return {
      ts: this.tsAt(index),
      open: this.open[index] ?? Number.NaN,
      high: this.high[index] ?? Number.NaN,
      low: this.low[index] ?? Number.NaN,
      close: this.closeAt(index),
      volume: this.volumeAt(index),
    };
  }
}

/**
 * Reads and validates one freqtrade candle file in any of freqtrade's formats, by its name: `.json`, `.json.gz`
 * (jsongz) or `.feather`. Any defect is an InvalidMarketData error naming the file and the row.
 */
export async function loadReplayFile(path: string): Promise<ReplaySeries> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new KeelError('InvalidMarketData', `${path}: cannot be read (${(error as Error).message})`, { cause: error });
  }
  if (path.endsWith('.feather')) return parseReplayRows(path, featherRows(path, bytes));
  let text: string;
  if (path.endsWith('.gz')) {
    try {
      text = gunzipSync(bytes).toString('utf8');
    } catch (error) {
      throw new KeelError('InvalidMarketData', `${path}: not a gzip file (${(error as Error).message}); expected freqtrade's jsongz candles`, { cause: error });
    }
  } else {
    text = bytes.toString('utf8');
  }
  let rows: unknown;
  try {
    rows = JSON.parse(text);
  } catch (error) {
    throw new KeelError('InvalidMarketData', `${path}: not valid JSON (${(error as Error).message}); ${EXPECTED}`, { cause: error });
  }
  return parseReplayRows(path, rows);
}

export function parseReplayRows(path: string, rows: unknown): ReplaySeries {
  if (!Array.isArray(rows)) {
    throw new KeelError('InvalidMarketData', `${path}: top level is ${describe(rows)}, not an array; ${EXPECTED}`);
  }
  const n = rows.length;
  const columns = Array.from({ length: 6 }, () => new Float64Array(n));
  const [ts, open, high, low, close, volume] = columns as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  for (let i = 0; i < n; i++) {
    const row: unknown = rows[i];
    const problem = rowProblem(row, i === 0 ? null : (ts[i - 1] ?? null));
    if (problem !== null) {
      throw new KeelError('InvalidMarketData', `${path}: row ${i} ${preview(row)}: ${problem}; ${EXPECTED}`);
    }
    const values = row as number[];
    for (let column = 0; column < 6; column++) (columns[column] as Float64Array)[i] = values[column] as number;
  }
  return new ReplaySeries(ts, open, high, low, close, volume);
}

const FIELDS = ['ts_ms', 'open', 'high', 'low', 'close', 'volume'] as const;
const PRICE_COLUMNS = [1, 2, 3, 4] as const;

/** What is wrong with one row, or null. `previousTs` enforces strictly increasing open times. */
function rowProblem(row: unknown, previousTs: number | null): string | null {
  if (!Array.isArray(row) || row.length < 6) return 'is not an array of 6 numbers';
  for (let column = 0; column < 6; column++) {
    const value: unknown = row[column];
    if (typeof value !== 'number' || !Number.isFinite(value)) return `${FIELDS[column]} is ${describe(value)}, not a finite number`;
  }
  const [ts, open, high, low, close, volume] = row as [number, number, number, number, number, number];
  if (!Number.isInteger(ts) || ts < 0) return `ts_ms ${ts} is not a non-negative integer of epoch milliseconds`;
  if (previousTs !== null && ts <= previousTs) return `ts_ms ${ts} is not after the previous row's ${previousTs} (rows must be oldest first, no duplicates)`;
  // Checked without building a list per row (files have a row per candle).
  for (const column of PRICE_COLUMNS) {
    const price = row[column] as number;
    if (price <= 0) return `${FIELDS[column]} ${price} is not a positive price`;
  }
  if (volume < 0) return `volume ${volume} is negative`;
  if (high < Math.max(open, close, low)) return `high ${high} is below open, close or low`;
  if (low > Math.min(open, close)) return `low ${low} is above open or close`;
  return null;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  return typeof value;
}

function preview(row: unknown): string {
  const text = JSON.stringify(row) ?? String(row);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
