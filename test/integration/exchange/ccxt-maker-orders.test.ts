import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientOrderIdFor } from '../../../src/domain/business-key.js';
import type { OrderIntent } from '../../../src/domain/market-types.js';
import { fitClientOrderId } from '../../../src/exchange/capabilities.js';
import type { CcxtGateway } from '../../../src/exchange/ccxt-gateway.js';
import { keelRejection } from '../../helpers/keel-rejection.js';
import { closeFakeGateway, FAKE_QUOTE, openFakeGateway } from '../../helpers/fake-gateway.js';
import { FAKE_FEE_RATE, FAKE_MAKER_FEE_RATE, SHARED_DATA_MISSING, sharedDataAvailable } from '../../helpers/fake-exchange/index.js';
import type { FakeExchange } from '../../helpers/fake-exchange/index.js';

/**
 * Maker-first orders through the real ccxt classes against the loopback fake, per venue: post-only limits rest or are
 * refused the venue's way when they would take liquidity (binance and coinbase refuse, kraken accepts and cancels),
 * immediate-or-cancel limits fill at once or end canceled, and a resting order filled in part as a maker reads back,
 * and cancels, with its filled amount, its limit as average price and the maker fee. Binance's order queries carry no
 * fee, so there the gateway reads a filled order's fee from its trades: one more call, made only when the order has
 * filled and carries no fee (a new order's reply carries its fills).
 */


if (!sharedDataAvailable()) {
  describe('maker-first orders through ccxt against the fake exchange', () => {
    // Skipped on purpose: the fake's replies are built from recorded ones in ../shared/data (see ccxt-gateway.test.ts).
    it.skip(SHARED_DATA_MISSING, () => undefined);
  });
}

describe.skipIf(!sharedDataAvailable()).each(['kraken', 'coinbase', 'binance'] as const)('maker-first orders through ccxt against the fake %s', (exchangeId) => {
  const quote = FAKE_QUOTE[exchangeId];
  let fake: FakeExchange;
  let gateway: CcxtGateway;

  /** A buy limit at `factor` x the last price, at 4 significant digits (within every venue's price step). */
  const buyLimit = async (base: string, factor: number, amount: string, extra: Pick<OrderIntent, 'postOnly' | 'timeInForce'>): Promise<OrderIntent> => {
    const last = await fake.universe.lastPrice(base, fake.nowMs);
    return { symbol: `${base}/${quote}`, side: 'buy', type: 'limit', amount, price: String(Number((last * factor).toPrecision(4))), reason: 'test', ...extra };
  };
  const idFor = (test: string, symbol: string): string => clientOrderIdFor({ cycleId: `${test}-${exchangeId}`, tickTs: fake.nowMs, symbol, side: 'buy' });
  const quoteBalance = (): { free: number; used: number } => ({ ...(fake.book.balances.get(quote) ?? { free: 0, used: 0 }) });

  beforeAll(async () => {
    ({ fake, gateway } = await openFakeGateway(exchangeId));
  });
  afterAll(() => closeFakeGateway({ fake, gateway }));

  it('a post-only limit below the market rests, sent as the venue spells post-only', async () => {
    const intent = await buyLimit('BTC', 0.9, '0.01', { postOnly: true });
    const clientOrderId = idFor('rest', intent.symbol);
    const order = await gateway.createOrder(clientOrderId, intent);
    expect(order).toMatchObject({ clientOrderId, status: 'open', type: 'limit', filled: '0', amount: '0.01' });
    const atFake = fake.book.byClientId(fitClientOrderId(exchangeId, clientOrderId));
    expect(atFake).toMatchObject({ status: 'open', postOnly: true, timeInForce: 'GTC', limitPrice: Number(intent.price) });
    expect(await gateway.cancelOrder(intent.symbol, clientOrderId)).toMatchObject({ status: 'canceled', filled: '0' });
  });

  it('a post-only limit that would take liquidity places nothing: refused (binance, coinbase) or canceled at once (kraken)', async () => {
    const intent = await buyLimit('ETH', 1.1, '0.1', { postOnly: true });
    const clientOrderId = idFor('taker', intent.symbol);
    const fitted = fitClientOrderId(exchangeId, clientOrderId);
    const before = quoteBalance();
    if (exchangeId === 'kraken') {
      // Kraken accepts the order and cancels it ("Post only order"): a final state, not an error.
      const order = await gateway.createOrder(clientOrderId, intent);
      expect(order).toMatchObject({ clientOrderId, status: 'canceled', filled: '0', averagePrice: '0', feeQuote: '0' });
      expect(fake.book.byClientId(fitted)).toMatchObject({ status: 'canceled', canceledBy: 'post-only', filled: 0 });
      expect(await gateway.findOrCreateOrder(clientOrderId, intent)).toMatchObject({ created: false, order: { status: 'canceled', filled: '0' } });
    } else {
      const error = await keelRejection(gateway.createOrder(clientOrderId, intent));
      expect(error.code).toBe('InvalidOrder');
      expect(error.retryable).toBe(false);
      expect(error.message).toContain(`${exchangeId} createOrder buy limit post-only 0.1 ETH/${quote} (client order id ${clientOrderId}): a post-only order at ${intent.price} that would have taken liquidity; the exchange refused it and nothing was placed`);
      expect(fake.ordersByClientId.get(fitted)).toBeUndefined();
      expect(await gateway.fetchOrderByClientId(intent.symbol, clientOrderId)).toBeNull();
    }
    expect(quoteBalance()).toEqual(before);
  });

  it('an immediate-or-cancel limit fills at once when marketable, and ends canceled with nothing filled when not', async () => {
    const before = quoteBalance();
    const away = await buyLimit('SOL', 0.9, '1', { timeInForce: 'IOC' });
    const awayId = idFor('ioc-away', away.symbol);
    expect(await gateway.createOrder(awayId, away)).toMatchObject({ clientOrderId: awayId, status: 'canceled', filled: '0', feeQuote: '0' });
    expect(fake.book.byClientId(fitClientOrderId(exchangeId, awayId))).toMatchObject({ timeInForce: 'IOC', canceledBy: 'ioc' });
    expect(quoteBalance()).toEqual(before);

    const through = await buyLimit('SOL', 1.1, '1', { timeInForce: 'IOC' });
    const throughId = idFor('ioc-through', through.symbol);
    const last = await fake.universe.lastPrice('SOL', fake.nowMs);
    const tradeReads = gateway.calls.myTrades;
    const filled = await gateway.createOrder(throughId, through);
    expect(filled).toMatchObject({ clientOrderId: throughId, status: 'closed', filled: '1', amount: '1' });
    // A taker fill at the market, not at the limit, and its taker fee from the reply (binance: its fills).
    expect(Number(filled.averagePrice)).toBeCloseTo(last, 6);
    expect(Number(filled.feeQuote)).toBeCloseTo(last * FAKE_FEE_RATE, 8);
    expect(gateway.calls.myTrades).toBe(tradeReads);
    expect(fake.book.byClientId(fitClientOrderId(exchangeId, throughId))).toMatchObject({ timeInForce: 'IOC', status: 'closed' });
  });

  it("a market order's fee comes with the order (binance: the create reply's fills) with no trades call; read back, binance's comes from its trades", async () => {
    const symbol = `ADA/${quote}`;
    const clientOrderId = idFor('market-fee', symbol);
    const last = await fake.universe.lastPrice('ADA', fake.nowMs);
    const tradeReads = gateway.calls.myTrades;
    const order = await gateway.createOrder(clientOrderId, { symbol, side: 'buy', type: 'market', amount: '20', price: String(last), reason: 'test' });
    expect(order).toMatchObject({ clientOrderId, status: 'closed', type: 'market' });
    const takerFee = Number(order.filled) * Number(order.averagePrice) * FAKE_FEE_RATE;
    expect(Number(order.feeQuote)).toBeCloseTo(takerFee, 8);
    expect(gateway.calls.myTrades).toBe(tradeReads);

    // The order query (binance: GET /api/v3/order) carries no fee on binance: one trades call finds it.
    const readBack = await gateway.fetchOrderByClientId(symbol, clientOrderId);
    expect(readBack).toMatchObject({ clientOrderId, status: 'closed', filled: order.filled });
    expect(Number(readBack?.feeQuote)).toBeCloseTo(takerFee, 8);
    expect(gateway.calls.myTrades - tradeReads).toBe(exchangeId === 'binance' ? 1 : 0);
  });

  it('a resting order filled in part as a maker reads back, and cancels, with its fill at the limit and the maker fee', async () => {
    const intent = await buyLimit('XRP', 0.9, '40', { postOnly: true });
    const clientOrderId = idFor('partial', intent.symbol);
    const fitted = fitClientOrderId(exchangeId, clientOrderId);
    const limit = Number(intent.price);
    const before = quoteBalance();
    await gateway.createOrder(clientOrderId, intent);
    expect(quoteBalance().used).toBeCloseTo(before.used + 40 * limit, 6);

    // Resting with nothing filled: no fee to look for, no trades call on any venue.
    const tradeReads = gateway.calls.myTrades;
    expect(await gateway.fetchOrderByClientId(intent.symbol, clientOrderId)).toMatchObject({ status: 'open', filled: '0', feeQuote: '0' });
    expect(gateway.calls.myTrades).toBe(tradeReads);

    const trade = fake.fillResting(fitted, 10);
    expect(trade).toMatchObject({ maker: true, price: limit, amount: 10 });
    const makerFee = 10 * limit * FAKE_MAKER_FEE_RATE;
    const partial = await gateway.fetchOrderByClientId(intent.symbol, clientOrderId);
    expect(partial).toMatchObject({ clientOrderId, status: 'open', filled: '10', amount: '40' });
    expect(Number(partial?.averagePrice)).toBeCloseTo(limit, 8);
    expect(Number(partial?.feeQuote)).toBeCloseTo(makerFee, 8);
    expect(partial?.feeBase).toBeUndefined();
    // Binance's order query carries no commission: the gateway read the order's trades (GET /api/v3/myTrades?orderId=).
    expect(gateway.calls.myTrades - tradeReads).toBe(exchangeId === 'binance' ? 1 : 0);

    const canceled = await gateway.cancelOrder(intent.symbol, clientOrderId);
    expect(canceled).toMatchObject({ clientOrderId, status: 'canceled', filled: '10', amount: '40' });
    expect(Number(canceled?.averagePrice)).toBeCloseTo(limit, 8);
    expect(Number(canceled?.feeQuote)).toBeCloseTo(makerFee, 8);
    // cancelOrder reads the order before and after cancelling it: on binance each read finds the fee in the trades.
    expect(gateway.calls.myTrades - tradeReads).toBe(exchangeId === 'binance' ? 3 : 0);
    // Only the unfilled 30 gave their reservation back; the 10 bought were paid for with the fee.
    const after = quoteBalance();
    expect(after.used).toBeCloseTo(before.used, 6);
    expect(after.free).toBeCloseTo(before.free - 10 * limit - makerFee, 6);
  });

  it.runIf(exchangeId === 'binance')('binance: a maker fill whose fee was taken in the base coin reads back with it as feeBase, valued at the fill price', async () => {
    const intent = await buyLimit('DOT', 0.9, '30', { postOnly: true });
    const clientOrderId = idFor('base-fee', intent.symbol);
    const limit = Number(intent.price);
    await gateway.createOrder(clientOrderId, intent);
    fake.book.chargeNextFeesInBase(1, 0.001);
    fake.fillResting(fitClientOrderId(exchangeId, clientOrderId), 30);
    const order = await gateway.fetchOrderByClientId(intent.symbol, clientOrderId);
    expect(order).toMatchObject({ status: 'closed', filled: '30', feeBase: '0.03' });
    expect(Number(order?.feeQuote)).toBeCloseTo(0.03 * limit, 8);
  });

  it.runIf(exchangeId === 'binance')('binance: when reading the trades fails, the read fails retryably instead of reporting the fill without its fee', async () => {
    const intent = await buyLimit('LINK', 0.9, '10', { postOnly: true });
    const clientOrderId = idFor('trades-down', intent.symbol);
    await gateway.createOrder(clientOrderId, intent);
    fake.fillResting(fitClientOrderId(exchangeId, clientOrderId), 4);
    fake.faults.set({ status5xxRate: 1, routes: ['binance.myTrades'] });
    try {
      for (const read of [() => gateway.fetchOrderByClientId(intent.symbol, clientOrderId), () => gateway.cancelOrder(intent.symbol, clientOrderId)]) {
        const error = await keelRejection(read());
        expect(error.retryable).toBe(true);
        expect(error.message).toContain(`fees of order ${fake.book.byClientId(fitClientOrderId(exchangeId, clientOrderId))?.id} (filled 4)`);
      }
    } finally {
      fake.faults.clear();
    }
    // The retry: the cancel goes through and the fill reads back with its maker fee.
    const canceled = await gateway.cancelOrder(intent.symbol, clientOrderId);
    expect(canceled).toMatchObject({ status: 'canceled', filled: '4' });
    expect(Number(canceled?.feeQuote)).toBeCloseTo(4 * Number(intent.price) * FAKE_MAKER_FEE_RATE, 8);
  });

  it('refuses post-only or immediate-or-cancel market orders before any request', async () => {
    const market: OrderIntent = { symbol: `BTC/${quote}`, side: 'buy', type: 'market', amount: '0.01', price: '1', reason: 'test' };
    const requests = fake.counters.total;
    for (const extra of [{ postOnly: true }, { timeInForce: 'IOC' as const }]) {
      const error = await keelRejection(gateway.createOrder('kl-market-maker', { ...market, ...extra }));
      expect(error.code).toBe('InvalidOrder');
      expect(error.message).toContain(`${exchangeId} order buy market BTC/${quote} (client order id kl-market-maker): post-only and immediate-or-cancel apply to limit orders only; nothing was sent`);
    }
    expect(fake.counters.total).toBe(requests);
  });
});
