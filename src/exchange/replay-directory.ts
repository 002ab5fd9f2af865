import { readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { KeelError } from '../domain/errors.js';
import { TIMEFRAME_MS, isTimeframe } from '../domain/market-types.js';
import type { Timeframe } from '../domain/market-types.js';

export const REPLAY_FILE_PATTERN = '<BASE>_<QUOTE>-<timeframe>.<json|json.gz|feather> (e.g. BTC_USDT-1h.feather)';
/**
 * freqtrade's spot file names in its three formats (json, jsongz, feather); futures files
 * (BTC_USDT_USDT-1h-futures.json) and other files are ignored.
 */
const FILE_NAME = /^([A-Z0-9]+)_([A-Z0-9]+)-([0-9]+[mhdwM])\.(json|json\.gz|feather)$/;
/** When one pair and timeframe come in several formats, the first of these is read (feather is freqtrade's default). */
const FORMAT_PREFERENCE = ['feather', 'json.gz', 'json'];

/** The candle files of one directory: symbol -> timeframe -> file path. */
export type ReplayFileIndex = Map<string, Map<Timeframe, string>>;

/** Lists the directory's freqtrade candle files once (the recorded data does not change while keel runs). */
export function indexReplayDirectory(directory: string): ReplayFileIndex {
  const absolute = resolve(directory);
  let names: string[];
  try {
    if (!statSync(absolute).isDirectory()) throw new Error('not a directory');
    names = readdirSync(absolute);
  } catch (error) {
    throw new KeelError(
      'InvalidConfig',
      `replay: candle directory "${directory}" (${absolute}) cannot be read (${(error as Error).message}); ` +
        `point it at a folder of freqtrade candle files named ${REPLAY_FILE_PATTERN}`,
      { cause: error },
    );
  }
  const index: ReplayFileIndex = new Map();
  for (const name of names.sort()) {
    const match = FILE_NAME.exec(name);
    const [, base, quote, timeframe, format = 'json'] = match ?? [];
    if (base === undefined || quote === undefined || timeframe === undefined || !isTimeframe(timeframe)) continue;
    const symbol = `${base}/${quote}`;
    let files = index.get(symbol);
    if (files === undefined) {
      files = new Map();
      index.set(symbol, files);
    }
    const existing = files.get(timeframe);
    if (existing !== undefined && FORMAT_PREFERENCE.indexOf(formatOf(existing)) <= FORMAT_PREFERENCE.indexOf(format)) continue;
    files.set(timeframe, join(absolute, name));
  }
  if (index.size === 0) {
    throw new KeelError(
      'InvalidConfig',
      `replay: candle directory "${directory}" (${absolute}) holds no files named ${REPLAY_FILE_PATTERN}; ` +
        `download them with freqtrade (freqtrade download-data; any of its formats json, jsongz, feather) or point at another folder`,
    );
  }
  return index;
}

function formatOf(path: string): string {
  return FILE_NAME.exec(basename(path))?.[4] ?? 'json';
}

/** The timeframe most files have (ties go to the longer one): what tickers are answered from by default. */
export function dominantTimeframe(index: ReplayFileIndex): Timeframe {
  const counts = new Map<Timeframe, number>();
  for (const files of index.values()) for (const timeframe of files.keys()) counts.set(timeframe, (counts.get(timeframe) ?? 0) + 1);
  let best: Timeframe = '1h';
  let bestCount = 0;
  for (const [timeframe, count] of counts) {
    if (count > bestCount || (count === bestCount && TIMEFRAME_MS[timeframe] > TIMEFRAME_MS[best])) {
      best = timeframe;
      bestCount = count;
    }
  }
  return best;
}
