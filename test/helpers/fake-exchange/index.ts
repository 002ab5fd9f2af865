import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { binanceDialect } from './binance.js';
import { FakeOrderBook } from './book.js';
import type { FakeOrder, FakeTrade } from './book.js';
import { coinbaseDialect } from './coinbase.js';
import type { Dialect, FakeReply, FakeRequest, Route } from './dialect.js';
import { FaultInjector } from './faults.js';
import type { FaultCounts } from './faults.js';
import { krakenDialect } from './kraken.js';
import { FakeUniverse } from './universe.js';

export type { FaultSettings } from './faults.js';
export type { FakeOrder, FakeTrade } from './book.js';
export { FAKE_FEE_RATE, FAKE_MAKER_FEE_RATE } from './book.js';
export { SHARED_DATA_MISSING, ccxtRequests, ccxtResponses, sharedDataAvailable } from './recorded.js';
export type { CcxtRequestCase, CcxtResponseCase, CcxtResponseFile } from './recorded.js';

export type FakeExchangeId = 'kraken' | 'coinbase' | 'binance';

export interface FakeExchangeOptions {
  exchange: FakeExchangeId;
  /** Coins listed, each in every quote. Default 100. */
  coins?: number;
  /** Quote currencies. Default per exchange: kraken USD+USDT, coinbase USD+USDC+USDT, binance USDT. */
  quotes?: string[];
  /** Seeds prices and fault draws. Default 7. */
  seed?: number;
  /** The fake's clock (candles in progress, order times). Default 2025-01-06T12:00Z; change it with `nowMs`. */
  nowMs?: number;
  /** How much candle history exists before nowMs. Default 3 days. */
  historyMs?: number;
}

const DEFAULT_QUOTES: Record<FakeExchangeId, string[]> = { kraken: ['USD', 'USDT'], coinbase: ['USD', 'USDC', 'USDT'], binance: ['USDT'] };
const DIALECTS: Record<FakeExchangeId, () => Dialect> = { kraken: krakenDialect, coinbase: coinbaseDialect, binance: binanceDialect };
export const DEFAULT_FAKE_NOW_MS = Date.UTC(2025, 0, 6, 12, 0, 0);

/** What the fake saw: every request per route, faults, orders per client id and the peak request rate. */
export class FakeCounters {
  total = 0;
  readonly byRoute = new Map<string, number>();
  /** Requests no route matched ('GET /path'): ccxt called something the fake does not speak. */
  readonly unrouted: string[] = [];
  private readonly recent: number[] = [];
  /** Most requests that arrived within any one second. */
  maxRequestsPerSecond = 0;

  record(routeKey: string | undefined, line: string): void {
    this.total++;
    if (routeKey === undefined) this.unrouted.push(line);
    else this.byRoute.set(routeKey, (this.byRoute.get(routeKey) ?? 0) + 1);
    const now = performance.now();
    this.recent.push(now);
    while (this.recent.length > 0 && (this.recent[0] as number) <= now - 1000) this.recent.shift();
    this.maxRequestsPerSecond = Math.max(this.maxRequestsPerSecond, this.recent.length);
  }

  requests(routeKey: string): number {
    return this.byRoute.get(routeKey) ?? 0;
  }

  reset(): void {
    this.total = 0;
    this.byRoute.clear();
    this.unrouted.length = 0;
    this.recent.length = 0;
    this.maxRequestsPerSecond = 0;
  }
}

/**
 * A loopback HTTP server speaking one exchange's REST dialect (kraken, coinbase or binance), for the real ccxt classes
 * pointed at it: markets for many coins, candles and tickers from keel's seeded simulator, an order book per account,
 * and faults on demand (5xx, timeouts, 429 with Retry-After, malformed JSON, latency, and orders whose reply is lost).
 * Reply shapes are the recorded ones in ../shared/data, extended in code. Signatures are not checked.
 */
export class FakeExchange {
  readonly id: FakeExchangeId;
  readonly universe: FakeUniverse;
  readonly book: FakeOrderBook;
  readonly faults: FaultInjector;
  readonly counters = new FakeCounters();
  /** The last request each route answered, by route key: what a test reads to check the venue's request shape. */
  readonly lastRequests = new Map<string, FakeRequest>();
  nowMs: number;
  private readonly dialect: Dialect;
  private readonly server: Server;
  private readonly hanging = new Set<ServerResponse>();
  private recorded: { body: unknown; status: number } | undefined;
  private port = 0;

  constructor(options: FakeExchangeOptions) {
    this.id = options.exchange;
    const seed = options.seed ?? 7;
    this.nowMs = options.nowMs ?? DEFAULT_FAKE_NOW_MS;
    this.dialect = DIALECTS[options.exchange]();
    this.universe = new FakeUniverse({
      coins: options.coins ?? 100,
      quotes: options.quotes ?? DEFAULT_QUOTES[options.exchange],
      seed,
      anchorMs: this.nowMs - (options.historyMs ?? 3 * 86_400_000),
    });
    this.book = new FakeOrderBook({ order: this.dialect.orderId, trade: this.dialect.tradeId }, this.dialect.startingBalances);
    this.faults = new FaultInjector(seed);
    this.server = createServer((request, response) => {
      this.serve(request, response).catch((error: unknown) => {
        if (!response.headersSent) this.send(response, { status: 500, body: `fake exchange failed: ${error instanceof Error ? error.stack : String(error)}` });
      });
    });
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Orders created per client order id; a count above 1 is a duplicate placement. */
  get ordersByClientId(): ReadonlyMap<string, number> {
    return this.book.createdByClientId;
  }

  /**
   * Fills `amount` of the open limit order with this client order id (the exchange's form of it, see
   * fitClientOrderId) at its limit price, as a maker, at the fake's clock: see FakeOrderBook.fillResting.
   */
  fillResting(clientOrderId: string, amount: number): FakeTrade {
    const order = this.book.openWithClientId(clientOrderId);
    if (order === undefined) throw new Error(`fake ${this.id} has no open order with client order id ${clientOrderId}`);
    return this.book.fillResting(order, amount, this.nowMs);
  }

  /**
   * The price of `symbol` ('BTC/USD') trades at `price` at the fake's clock: every open stop-market sell of it whose
   * trigger is at or above `price` fills whole there, as a taker. Returns the orders filled: see
   * FakeOrderBook.triggerStops. (Only the stops see this price; tickers and candles keep the universe's.)
   */
  triggerStops(symbol: string, price: number): FakeOrder[] {
    return this.book.triggerStops(symbol, price, this.nowMs);
  }

  /** The routes of this fake's dialect (key, method, path, kind, the ccxt methods each answers). */
  get routes(): readonly Route[] {
    return this.dialect.routes;
  }

  get faultsInjected(): Readonly<FaultCounts> {
    return this.faults.injected;
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    for (const response of this.hanging) response.destroy();
    this.hanging.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /**
   * Fixture mode: every routed request is answered with exactly this body (as ccxt's own static tests do with their
   * mocked fetch), until called with undefined. Unrouted requests still get 404, so the fixture test also proves the
   * fake routes the URL ccxt called.
   */
  serveRecorded(body: unknown, status = 200): void {
    this.recorded = body === undefined ? undefined : { body, status };
  }

  /** The route that answers a method and path, if any. */
  routeFor(method: string, path: string): { route: Route; pathParams: Record<string, string> } | undefined {
    for (const route of this.dialect.routes) {
      if (route.method !== method) continue;
      if (typeof route.path === 'string') {
        if (route.path === path) return { route, pathParams: {} };
      } else {
        const match = route.path.exec(path);
        if (match !== null) return { route, pathParams: { ...match.groups } };
      }
    }
    return undefined;
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake');
    const rawBody = await readBody(request);
    const method = request.method ?? 'GET';
    const found = this.routeFor(method, url.pathname);
    this.counters.record(found?.route.key, `${method} ${url.pathname}`);
    if (found === undefined) {
      this.send(response, this.dialect.error(404, 'NOT_FOUND', `fake ${this.id} has no route ${method} ${url.pathname}`));
      return;
    }
    const { route, pathParams } = found;
    const fault = this.faults.decide(route);
    const delayMs = this.faults.delayMsFor(route);
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    switch (fault) {
      case 'timeout':
        this.hanging.add(response);
        response.on('close', () => this.hanging.delete(response));
        return;
      case 'rateLimit': {
        const reply = this.dialect.error(429, 'RATE_LIMIT', 'Too many requests');
        this.send(response, { ...reply, headers: { ...reply.headers, 'Retry-After': String(this.faults.retryAfterS) } });
        return;
      }
      case 'status5xx':
        this.send(response, { status: 503, body: '<html><body><h1>503 Service Unavailable</h1></body></html>', headers: { 'Content-Type': 'text/html' } });
        return;
      default:
        break;
    }
    const params = new URLSearchParams(url.search);
    let json: unknown;
    const contentType = String(request.headers['content-type'] ?? '');
    if (rawBody !== '') {
      if (contentType.includes('json') || rawBody.startsWith('{') || rawBody.startsWith('[')) {
        json = JSON.parse(rawBody) as unknown;
      } else {
        for (const [key, value] of new URLSearchParams(rawBody)) params.append(key, value);
      }
    }
    const fakeRequest: FakeRequest = { method, path: url.pathname, params, json, pathParams, headers: request.headers };
    this.lastRequests.set(route.key, fakeRequest);
    const reply = this.recorded !== undefined ? { status: this.recorded.status, body: this.recorded.body } : await route.handle(fakeRequest, { universe: this.universe, book: this.book, nowMs: this.nowMs });
    if (fault === 'lose') {
      // The order exists now; the client never hears about it.
      response.socket?.destroy();
      return;
    }
    if (fault === 'malformed') {
      const text = JSON.stringify(reply.body);
      this.send(response, { status: 200, body: text.slice(0, Math.max(1, Math.floor(text.length / 2))) });
      return;
    }
    this.send(response, reply);
  }

  private send(response: ServerResponse, reply: FakeReply): void {
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    response.writeHead(reply.status, { 'Content-Type': 'application/json', ...reply.headers });
    response.end(text);
  }
}

export async function startFakeExchange(options: FakeExchangeOptions): Promise<FakeExchange> {
  return new FakeExchange(options).listen();
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
