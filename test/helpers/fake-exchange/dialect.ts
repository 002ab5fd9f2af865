import type { FakeOrderBook } from './book.js';
import type { FakeUniverse } from './universe.js';

export interface FakeRequest {
  method: string;
  path: string;
  /** Query string and form body merged (signed exchanges put parameters in either). */
  params: URLSearchParams;
  /** Parsed JSON body, when the body is JSON. */
  json: unknown;
  /** Named groups of the route's path pattern. */
  pathParams: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
}

export interface FakeReply {
  status: number;
  /** Serialized as JSON unless it is a string. */
  body: unknown;
  headers?: Record<string, string>;
}

export interface DialectContext {
  universe: FakeUniverse;
  book: FakeOrderBook;
  nowMs: number;
}

export interface Route {
  /** '<exchange>.<name>', used by counters and fault scopes. */
  key: string;
  method: 'GET' | 'POST' | 'DELETE';
  /** Exact path, or a pattern with named groups for path parameters. */
  path: string | RegExp;
  /** 'markets': loaded once by loadMarkets; 'public': market data; 'private': signed account calls. */
  kind: 'markets' | 'public' | 'private';
  /** Places an order: the "response lost" fault applies here. */
  createsOrder?: boolean;
  /** ccxt unified methods whose requests this route answers (the fixture test checks ccxt lands here). */
  ccxtMethods: string[];
  handle(request: FakeRequest, context: DialectContext): FakeReply | Promise<FakeReply>;
}

export interface Dialect {
  id: 'kraken' | 'coinbase' | 'binance';
  routes: Route[];
  /** The exchange's own shape of an error reply (for unknown routes and throttling). */
  error(status: number, code: string, message: string): FakeReply;
  /** Asset ids in account replies, from the codes the book keeps. */
  startingBalances: Record<string, number>;
  orderId(seq: number): string;
  tradeId(seq: number): string;
}

export function ok(body: unknown): FakeReply {
  return { status: 200, body };
}

/** Decimal text without exponent, trimmed of trailing zeros, at most `decimals` places. */
export function fixed(value: number, decimals = 8): string {
  const text = value.toFixed(decimals);
  return text.includes('.') ? text.replace(/\.?0+$/, '') || '0' : text;
}

/** Decimals that show a price to `significant` digits (Kraken lists BTC with 1 decimal, Binance with 2). */
export function priceDecimals(price: number, significant = 6): number {
  return Math.min(10, Math.max(1, significant - 1 - Math.floor(Math.log10(Math.max(price, 1e-10)))));
}
