import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type KeelDatabase } from '../../../src/db/client.js';
import { createPaperLedger } from '../../../src/db/queries/paper-ledger.js';
import type { Candle, OrderIntent } from '../../../src/domain/market-types.js';
import type { PaperLedger } from '../../../src/domain/paper-ledger.js';
import { PaperBroker } from '../../../src/exchange/paper-broker.js';
import { keelRejection } from '../../helpers/keel-rejection.js';
import type { ExchangeGateway, PlaceOrderRequest } from '../../../src/exchange/port.js';
import { SimulatedMarket } from '../../../src/exchange/simulated-market.js';

/*
 * Maker-first orders on the paper broker: a post-only limit rests in the ledger (no balance moves) until a candle of
 * the market's ticker timeframe that opened after its placement trades through its price; then it fills whole at
 * its limit with the maker fee. The sim market's 1h candles after AS_OF_MS decide, so the test finds its prices there.
 */

const HOUR = 3_600_000;
const START_MS = Date.UTC(2024, 0, 10);
/** The placement time: the first hour from START_MS after which the lowest of the next six lows is not the first. */
let AS_OF_MS = START_MS;
const D = Decimal.clone({ precision: 60 });
const MAKER_FEE = 0.0025;

describe('PaperBroker: resting post-only and immediate-or-cancel orders', () => {
  let database: KeelDatabase;
  let ledger: PaperLedger;
  let market: SimulatedMarket;
  let candles: Candle[];
  let last: number;
  /** A buy limit only the candle with the lowest low of the six hours trades through, and that candle's index. */
  let buyLimit: string;
  let fillHour: number;

  beforeAll(async () => {
    database = await createDatabase({});
    ledger = createPaperLedger(database.db);
    market = new SimulatedMarket({ seed: 42, coins: 10 });
    for (let hour = 0; hour < 48; hour++) {
      AS_OF_MS = START_MS + hour * HOUR;
      candles = await market.fetchOhlcv('BTC/USDT', '1h', { sinceMs: AS_OF_MS, untilMs: AS_OF_MS + 6 * HOUR, limit: 6 });
      const lows = candles.map((c) => c.low);
      const sorted = [...lows].sort((a, b) => a - b);
      buyLimit = new D(sorted[0]!).plus(sorted[1]!).div(2).toSignificantDigits(12).toFixed();
      fillHour = lows.indexOf(sorted[0]!);
      if (fillHour > 1) break;
    }
    last = (await market.fetchTickers('USDT', ['BTC/USDT'], AS_OF_MS))[0]!.last;
  });
  afterAll(async () => {
    await database?.close();
  });

  const broker = (gateway: ExchangeGateway = market) => new PaperBroker({ gateway, ledger, feeRate: 0.004, makerFeeRate: MAKER_FEE, slippageBps: 5 });
  const request = (account: string, clientOrderId: string, intent: Partial<OrderIntent>): PlaceOrderRequest => ({
    account,
    quote: 'USDT',
    clientOrderId,
    asOfMs: AS_OF_MS,
    intent: { symbol: 'BTC/USDT', side: 'buy', type: 'limit', amount: '0.5', price: buyLimit, reason: 'test', postOnly: true, ...intent },
  });
  const usdt = async (b: PaperBroker, account: string) => (await b.fetchBalances(account, 'USDT')).find((x) => x.asset === 'USDT')!.free;

  it('the candles give the test a limit one later candle trades through', () => {
    expect(candles).toHaveLength(6);
    expect(fillHour).toBeGreaterThan(1);
    expect(Number(buyLimit)).toBeLessThan(last);
  });

  it('rests without moving balances, stays open until a candle trades through, then fills whole at its limit as a maker; placing it again places nothing', async () => {
    const b = broker();
    const placed = await b.placeOrder(request('rest', 'kl-rest-1', {}));
    expect(placed).toMatchObject({ status: 'open', filled: '0', type: 'limit', createdAtMs: AS_OF_MS });
    expect(await usdt(b, 'rest')).toBe('100000');
    expect(await b.placeOrder(request('rest', 'kl-rest-1', { price: '1' }))).toEqual(placed);
    expect(await ledger.countOrders('rest')).toBe(1);

    // Up to the candle before the trade-through: still open (and the same answer without a market time).
    expect(await b.findOrder('rest', 'kl-rest-1', 'BTC/USDT', AS_OF_MS + fillHour * HOUR)).toMatchObject({ status: 'open', filled: '0' });
    expect(await b.findOrder('rest', 'kl-rest-1', 'BTC/USDT')).toMatchObject({ status: 'open' });

    const filled = await b.findOrder('rest', 'kl-rest-1', 'BTC/USDT', AS_OF_MS + (fillHour + 1) * HOUR);
    const fee = new D('0.5').mul(buyLimit).mul(MAKER_FEE);
    expect(filled).toMatchObject({ status: 'closed', filled: '0.5', averagePrice: buyLimit });
    expect(new D(filled!.feeQuote).eq(fee)).toBe(true);
    expect(new D(await usdt(b, 'rest')).eq(new D('100000').minus(new D('0.5').mul(buyLimit)).minus(fee))).toBe(true);
    // Asked again (a retried step): the same fill, booked once.
    expect(await b.findOrder('rest', 'kl-rest-1', 'BTC/USDT', AS_OF_MS + 6 * HOUR)).toEqual(filled);
    expect(new D(await usdt(b, 'rest')).eq(new D('100000').minus(new D('0.5').mul(buyLimit)).minus(fee))).toBe(true);
  });

  it('a cancel ends an unfilled order for good; a cancel after the trade-through finds the fill (the fill wins)', async () => {
    const b = broker();
    await b.placeOrder(request('cancel', 'kl-cancel-1', {}));
    expect(await b.cancelOrder('cancel', 'kl-cancel-1', 'BTC/USDT', AS_OF_MS + fillHour * HOUR)).toMatchObject({ status: 'canceled', filled: '0' });
    expect(await b.findOrder('cancel', 'kl-cancel-1', 'BTC/USDT', AS_OF_MS + 6 * HOUR)).toMatchObject({ status: 'canceled', filled: '0' });
    expect(await usdt(b, 'cancel')).toBe('100000');

    await b.placeOrder(request('cancel', 'kl-cancel-2', {}));
    expect(await b.cancelOrder('cancel', 'kl-cancel-2', 'BTC/USDT', AS_OF_MS + 6 * HOUR)).toMatchObject({ status: 'closed', filled: '0.5', averagePrice: buyLimit });
  });

  it('refuses a post-only order that would take liquidity now, and places nothing', async () => {
    const b = broker();
    const error = await keelRejection(b.placeOrder(request('taking', 'kl-take-1', { price: String(last * 1.01) })));
    expect(error.code).toBe('InvalidOrder');
    expect(error.message).toMatch(/post-only buy limit .* would take liquidity now .*refused, nothing placed/);
    expect(await ledger.countOrders('taking')).toBe(0);
  });

  it('an immediate-or-cancel limit fills at once as a taker when it reaches the price, else ends cancelled with nothing filled', async () => {
    const b = broker();
    const ioc = { postOnly: undefined, timeInForce: 'IOC' as const };
    expect(await b.placeOrder(request('ioc', 'kl-ioc-miss', { ...ioc, price: String(last * 0.99) }))).toMatchObject({ status: 'canceled', filled: '0' });
    expect(await usdt(b, 'ioc')).toBe('100000');
    const hit = await b.placeOrder(request('ioc', 'kl-ioc-hit', { ...ioc, price: String(last * 1.01) }));
    expect(hit).toMatchObject({ status: 'closed', filled: '0.5' });
    expect(new D(hit.averagePrice).eq(new D(last).mul('1.0005'))).toBe(true);
  });

  it('a resting sell the account cannot cover is cancelled when it would fill (InsufficientFunds), moving nothing', async () => {
    const b = broker();
    const highs = candles.map((c) => c.high);
    const sellLimit = String(Math.min(...highs) * 0.999); // every later candle trades through it
    await b.placeOrder(request('short', 'kl-short-1', { side: 'sell', price: sellLimit }));
    const error = await keelRejection(b.findOrder('short', 'kl-short-1', 'BTC/USDT', AS_OF_MS + HOUR));
    expect(error.code).toBe('InsufficientFunds');
    expect(error.message).toMatch(/was cancelled instead of filled/);
    expect(await b.findOrder('short', 'kl-short-1', 'BTC/USDT', AS_OF_MS + 2 * HOUR)).toMatchObject({ status: 'canceled', filled: '0' });
    expect(await usdt(b, 'short')).toBe('100000');
  });

  it('needs a market that replays candles: on another gateway a post-only order is refused as NotSupported', async () => {
    const gateway: ExchangeGateway = {
      exchangeId: 'elsewhere',
      listSymbols: (quote) => market.listSymbols(quote),
      fetchTickers: (quote, symbols, asOfMs) => market.fetchTickers(quote, symbols, asOfMs),
      fetchOhlcv: (symbol, timeframe, options) => market.fetchOhlcv(symbol, timeframe, options),
    };
    const error = await keelRejection(broker(gateway).placeOrder(request('nowhere', 'kl-none-1', {})));
    expect(error.code).toBe('NotSupported');
    expect(error.message).toMatch(/only the sim and replay markets replay; use execution.mode "market" on elsewhere/);
  });
});
