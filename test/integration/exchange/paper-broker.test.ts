import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDatabase } from '../../../src/db/client.js';
import type { KeelDatabase } from '../../../src/db/client.js';
import { createPaperLedger } from '../../../src/db/queries/paper-ledger.js';
import type { OrderIntent } from '../../../src/domain/market-types.js';
import type { PaperLedger } from '../../../src/domain/paper-ledger.js';
import { PaperBroker } from '../../../src/exchange/paper-broker.js';
import { keelRejection } from '../../helpers/keel-rejection.js';
import type { PlaceOrderRequest } from '../../../src/exchange/port.js';
import { SimulatedMarket } from '../../../src/exchange/simulated-market.js';

const AS_OF_MS = Date.UTC(2024, 0, 10);
const D = Decimal.clone({ precision: 60 });

function request(account: string, clientOrderId: string, intent: Partial<OrderIntent>): PlaceOrderRequest {
  return {
    account,
    quote: 'USDT',
    clientOrderId,
    asOfMs: AS_OF_MS,
    intent: { symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: '0.5', price: '0', reason: 'test', ...intent },
  };
}

async function balances(broker: PaperBroker, account: string): Promise<Record<string, string>> {
  return Object.fromEntries((await broker.fetchBalances(account, 'USDT')).map((b) => [b.asset, new D(b.free).toFixed()]));
}

describe('PaperBroker over the PGlite paper ledger', () => {
  let database: KeelDatabase;
  let ledger: PaperLedger;
  let market: SimulatedMarket;
  let btcLast: number;

  beforeAll(async () => {
    database = await createDatabase({});
    ledger = createPaperLedger(database.db);
    market = new SimulatedMarket({ seed: 42, coins: 10 });
    const [ticker] = await market.fetchTickers('USDT', ['BTC/USDT'], AS_OF_MS);
    btcLast = ticker?.last ?? Number.NaN;
  });
  afterAll(async () => {
    await database?.close();
  });

  const newBroker = () => new PaperBroker({ gateway: market, ledger, feeRate: 0.001, slippageBps: 5 });

  it('places a client order id once: the second placement returns the first fill and moves nothing', async () => {
    const broker = newBroker();
    const ensureAccount = vi.spyOn(ledger, 'ensureAccount');
    const first = await broker.placeOrder(request('dup', 'kl-dup-1', {}));
    const second = await broker.placeOrder(request('dup', 'kl-dup-1', { amount: '0.7' }));
    expect(second).toEqual(first);
    expect(await ledger.countOrders('dup')).toBe(1);
    expect(broker.placements).toBe(1);
    expect(broker.duplicatesAvoided).toBe(1);
    expect(first).toMatchObject({ exchangeOrderId: 'paper-kl-dup-1', status: 'closed', amount: '0.5', filled: '0.5', createdAtMs: AS_OF_MS });

    // Two attempts racing with a new id: one inserts, the other gets the stored order back.
    const [a, b] = await Promise.all([broker.placeOrder(request('dup', 'kl-dup-2', {})), broker.placeOrder(request('dup', 'kl-dup-2', {}))]);
    expect(a).toEqual(b);
    expect(await ledger.countOrders('dup')).toBe(2);
    expect(broker.placements).toBe(2);
    expect(broker.duplicatesAvoided).toBe(2);

    const price = new D(btcLast).mul('1.0005');
    const spent = price.mul('0.5').mul('1.001').mul(2);
    expect(await balances(broker, 'dup')).toEqual({ BTC: '1', USDT: new D('100000').minus(spent).toFixed() });
    expect(ensureAccount).toHaveBeenCalledTimes(1);
    ensureAccount.mockRestore();
  });

  it('charges slippage and fees exactly on buys and sells', async () => {
    const broker = newBroker();
    const buy = await broker.placeOrder(request('fees', 'kl-fee-buy', { amount: '0.123456789' }));
    const buyPrice = new D(btcLast).mul(new D(1).plus(new D(5).div(10_000)));
    const buyNotional = buyPrice.mul('0.123456789');
    expect(new D(buy.averagePrice).toFixed()).toBe(buyPrice.toFixed());
    expect(new D(buy.feeQuote).toFixed()).toBe(buyNotional.mul('0.001').toFixed());

    const sell = await broker.placeOrder(request('fees', 'kl-fee-sell', { side: 'sell', amount: '0.1' }));
    const sellPrice = new D(btcLast).mul(new D(1).minus(new D(5).div(10_000)));
    const sellNotional = sellPrice.mul('0.1');
    expect(new D(sell.averagePrice).toFixed()).toBe(sellPrice.toFixed());
    expect(new D(sell.feeQuote).toFixed()).toBe(sellNotional.mul('0.001').toFixed());

    const usdt = new D('100000').minus(buyNotional.mul('1.001')).plus(sellNotional.mul('0.999'));
    expect(await balances(broker, 'fees')).toEqual({ BTC: '0.023456789', USDT: usdt.toFixed() });
  });

  it('refuses a buy the account cannot pay for, saying what was needed, and records nothing', async () => {
    const broker = newBroker();
    const error = await keelRejection(broker.placeOrder(request('poor', 'kl-poor-1', { amount: '1000' })));
    expect(error.code).toBe('InsufficientFunds');
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/^paper account poor has insufficient USDT for order kl-poor-1: needed [\d.]+, available 100000/);
    expect(error.message).toContain(`the order was buy 1000 BTC/USDT at ${new D(btcLast).mul('1.0005').toFixed()} USDT`);
    expect(error.message).toContain('lower the amount or start the account with more');
    expect(await ledger.countOrders('poor')).toBe(0);
    expect(broker.placements).toBe(0);
    expect(await balances(broker, 'poor')).toEqual({ USDT: '100000' });

    const sellError = await keelRejection(broker.placeOrder(request('poor', 'kl-poor-2', { side: 'sell', amount: '1' })));
    expect(sellError.message).toMatch(/insufficient BTC for order kl-poor-2: needed 1, available 0/);
  });

  it('refuses malformed intents with InvalidOrder before touching the market', async () => {
    const broker = newBroker();
    const tickersBefore = market.calls.tickers;
    const amount = await keelRejection(broker.placeOrder(request('invalid', 'kl-bad-1', { amount: '-0.5' })));
    expect(amount.code).toBe('InvalidOrder');
    expect(amount.message).toBe('paper order amount "-0.5" for BTC/USDT must be a positive decimal string of base units such as "0.015"');
    expect((await keelRejection(broker.placeOrder(request('invalid', 'kl-bad-2', { amount: 'lots' })))).code).toBe('InvalidOrder');
    expect((await keelRejection(broker.placeOrder(request('invalid', 'kl-bad-3', { symbol: 'NOPE/USDT' })))).code).toBe('BadSymbol');
    expect(market.calls.tickers).toBe(tickersBefore + 1); // only the unknown-symbol attempt asked the market
    expect(await ledger.countOrders('invalid')).toBe(0);
  });

  it('fills marketable limit orders at the slipped price and refuses resting ones', async () => {
    const broker = newBroker();
    const ask = new D(btcLast).mul('1.0005');
    const filled = await broker.placeOrder(request('limits', 'kl-limit-1', { type: 'limit', price: ask.plus(100).toFixed(), amount: '0.01' }));
    expect(new D(filled.averagePrice).toFixed()).toBe(ask.toFixed());
    const resting = await keelRejection(broker.placeOrder(request('limits', 'kl-limit-2', { type: 'limit', price: ask.minus(100).toFixed(), amount: '0.01' })));
    expect(resting.code).toBe('NotSupported');
    expect(resting.message).toMatch(/^paper broker fills market and marketable limit orders only: buy limit [\d.]+ for BTC\/USDT does not reach the current ask/);
  });

  it('finds and "cancels" filled orders, and null for unknown ids', async () => {
    const broker = newBroker();
    const order = await broker.placeOrder(request('cancel', 'kl-cancel-1', { amount: '0.01' }));
    expect(await broker.findOrder('cancel', 'kl-cancel-1', 'BTC/USDT')).toEqual(order);
    expect(await broker.cancelOrder('cancel', 'kl-cancel-1', 'BTC/USDT')).toEqual(order);
    expect(await broker.cancelOrder('cancel', 'kl-unknown', 'BTC/USDT')).toBeNull();
    expect(await broker.findOrder('cancel', 'kl-unknown', 'BTC/USDT')).toBeNull();
  });
});
