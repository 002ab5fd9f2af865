import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The recorded exchange replies in ../shared/data (see its README): ccxt's own static fixtures (request URLs and
 * response bodies with ccxt's parsed output) and raw REST bodies. They are read in place, never copied into the
 * repository; tests that need them skip when the folder is absent (a user's fresh clone).
 */
export const SHARED_DATA_DIR = resolve(process.env.KEEL_SHARED_DATA_DIR ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'shared', 'data'));

const REQUIRED = ['ccxt/response/kraken.json', 'ccxt/response/coinbase.json', 'ccxt/response/binance.json', 'exchange-rest/kraken/http_asset_pairs.json', 'exchange-rest/coinbase/http_product.json'];

export function sharedDataAvailable(): boolean {
  return REQUIRED.every((file) => existsSync(join(SHARED_DATA_DIR, file)));
}

/** Why recorded-data tests skip, for the skip message. */
export const SHARED_DATA_MISSING = `recorded exchange data not found in ${SHARED_DATA_DIR} (../shared/data next to the repository, or KEEL_SHARED_DATA_DIR); skipping`;

const cache = new Map<string, unknown>();

export function readRecorded<T = unknown>(relativePath: string): T {
  let value = cache.get(relativePath);
  if (value === undefined) {
    const file = join(SHARED_DATA_DIR, relativePath);
    if (!existsSync(file)) throw new Error(`recorded exchange data missing: ${file}; ${SHARED_DATA_MISSING}`);
    value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    cache.set(relativePath, value);
  }
  // A deep copy: templates are edited per reply.
  return structuredClone(value) as T;
}

/** One case of ccxt's static response fixtures. */
export interface CcxtResponseCase {
  description: string;
  method: string;
  input: unknown[];
  httpResponse: unknown;
  parsedResponse: unknown;
  disabled?: boolean;
}

export interface CcxtResponseFile {
  exchange: string;
  skipKeys?: string[];
  options?: Record<string, unknown>;
  methods: Record<string, CcxtResponseCase[]>;
}

export function ccxtResponses(exchange: string): CcxtResponseFile {
  return readRecorded<CcxtResponseFile>(`ccxt/response/${exchange}.json`);
}

/** The first recorded case of a method, e.g. the body of Binance's fetchTicker reply as a template. */
export function recordedReply<T = Record<string, unknown>>(exchange: string, method: string, index = 0): T {
  const found = ccxtResponses(exchange).methods[method]?.[index];
  if (found === undefined) throw new Error(`no recorded ${exchange} ${method} #${index} in ccxt/response/${exchange}.json`);
  return found.httpResponse as T;
}

/** One case of ccxt's static request fixtures: the URL (and body) ccxt sends for a call. */
export interface CcxtRequestCase {
  description: string;
  method: string;
  input: unknown[];
  url: string;
  output?: string | null;
}

export function ccxtRequests(exchange: 'kraken' | 'coinbase'): { exchange: string; methods: Record<string, CcxtRequestCase[]> } {
  return readRecorded(`ccxt/request/${exchange}.json`);
}
