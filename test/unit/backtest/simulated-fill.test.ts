import { describe, expect, it } from 'vitest';
import { fillIntent } from '../../../src/backtest/simulated-fill.js';
import { Dec, decimalString } from '../../../src/domain/decimal-math.js';
import { takerFill } from '../../../src/domain/fill-model.js';
import type { OrderIntent } from '../../../src/domain/market-types.js';

const settings = { takerFeeRate: 0.001, makerFeeRate: 0.001, slippageBps: 5, quote: 'USDT' };
const buy: OrderIntent = { symbol: 'ETH/USDT', side: 'buy', type: 'market', amount: '0.3', price: '2000.12', reason: 'test' };

describe('fillIntent (the paper broker without its ledger)', () => {
  it('fills a buy at the fill model figures and leaves the cash Dec leaves', () => {
    const filled = fillIntent({ intent: buy, clientOrderId: 'k1', tickTs: 7, cash: '1000.50', ticker: { last: 2000.12 }, settings });
    const model = takerFill('buy', '0.3', 2000.12, settings);
    expect(filled).toEqual({
      ok: true,
      role: 'taker',
      cashAfter: decimalString(new Dec('1000.50').minus(model.notional).minus(model.fee)),
      order: expect.objectContaining({ clientOrderId: 'k1', exchangeOrderId: 'paper-k1', filled: '0.3', averagePrice: decimalString(model.price), feeQuote: decimalString(model.fee), createdAtMs: 7 }),
    });
  });

  it('a sell leaves the cash as decimalString writes it; a buy beyond the cash is refused with what it costs', () => {
    const sell = fillIntent({ intent: { ...buy, side: 'sell' }, clientOrderId: 'k2', tickTs: 7, cash: '100.50', ticker: { last: 2000.12 }, settings });
    expect(sell).toMatchObject({ ok: true, cashAfter: '100.5' });
    const poor = fillIntent({ intent: buy, clientOrderId: 'k3', tickTs: 7, cash: '100', ticker: { last: 2000.12 }, settings });
    const model = takerFill('buy', '0.3', 2000.12, settings);
    expect(poor).toEqual({
      ok: false,
      failure: { ok: false, clientOrderId: 'k3', symbol: 'ETH/USDT', errorType: 'InsufficientFunds', placed: 'no', message: `USDT balance 100 is below ${decimalString(model.notional.plus(model.fee))} for buy 0.3 ETH/USDT` },
    });
  });

  it('refuses a limit order the fill price does not reach, naming that price', () => {
    const limit = fillIntent({ intent: { ...buy, type: 'limit', price: '1990' }, clientOrderId: 'k4', tickTs: 7, cash: '10000', ticker: { last: 2000 }, settings });
    expect(limit).toMatchObject({ ok: false, failure: { errorType: 'NotSupported', message: expect.stringContaining('does not reach 2001') } });
  });
});
