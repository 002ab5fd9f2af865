import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dec, decimalString } from '../../../src/domain/decimal-math.js';
import {
  fillBalanceDeltas,
  fillReferencePrice,
  filledOrderState,
  filledOrderStateOf,
  isMarketable,
  restingLimitFill,
  takerFill,
  takerFillFigures,
} from '../../../src/domain/fill-model.js';

const costs = { takerFeeRate: 0.001, makerFeeRate: 0.0002, slippageBps: 5 };

describe('fill model', () => {
  it('fills a taker at the reference price moved against it, with the taker fee, exactly', () => {
    const buy = takerFill('buy', '0.5', 40_000, costs);
    expect([decimalString(buy.price), decimalString(buy.notional), decimalString(buy.fee), buy.role]).toEqual(['40020', '20010', '20.01', 'taker']);
    const sell = takerFill('sell', '0.5', 40_000, costs);
    expect([decimalString(sell.price), decimalString(sell.fee)]).toEqual(['39980', '19.99']);
    expect(fillBalanceDeltas('buy', '0.5', buy, { base: 'BTC', quote: 'USDT' })).toEqual({ USDT: '-20030.01', BTC: '0.5' });
    expect(fillBalanceDeltas('sell', '0.5', sell, { base: 'BTC', quote: 'USDT' })).toEqual({ BTC: '-0.5', USDT: '19970.01' });
  });

  it('calls a limit marketable only when the taker price is at least as good as the limit', () => {
    const buy = takerFill('buy', '1', 100, costs); // 100.05
    expect(isMarketable('buy', '100.05', buy.price)).toBe(true);
    expect(isMarketable('buy', '100.04', buy.price)).toBe(false);
    const sell = takerFill('sell', '1', 100, costs); // 99.95
    expect(isMarketable('sell', '99.95', sell.price)).toBe(true);
    expect(isMarketable('sell', '99.96', sell.price)).toBe(false);
  });

  it('fills a resting limit as a maker at its own price only when a candle trades through it', () => {
    expect(restingLimitFill('buy', '2', '99', { low: 99, high: 101 }, costs)).toBeNull(); // touched, not through
    const bought = restingLimitFill('buy', '2', '99', { low: 98.5, high: 101 }, costs)!;
    expect([decimalString(bought.price), decimalString(bought.fee), bought.role]).toEqual(['99', '0.0396', 'maker']);
    expect(restingLimitFill('sell', '2', '101', { low: 99, high: 101 }, costs)).toBeNull();
    expect(decimalString(restingLimitFill('sell', '2', '101', { low: 99, high: 101.01 }, costs)!.price)).toBe('101');
  });

  it('reports the fill as the closed order both the paper broker and the backtester book', () => {
    const intent = { symbol: 'BTC/USDT', side: 'buy' as const, type: 'market' as const, amount: '0.5', price: '40000', reason: 'r' };
    expect(filledOrderState('k1', 'paper-k1', intent, takerFill('buy', '0.5', 40_000, costs), 7)).toEqual({
      clientOrderId: 'k1', exchangeOrderId: 'paper-k1', symbol: 'BTC/USDT', side: 'buy', type: 'market', status: 'closed',
      amount: '0.5', filled: '0.5', averagePrice: '40020', feeQuote: '20.01', createdAtMs: 7,
    });
  });

  it("starts an exit's fill from its trigger price (the stop, take-profit or gapped open), else from the last price", () => {
    expect(fillReferencePrice({ triggerPrice: 92 }, 95)).toBe(92);
    expect(fillReferencePrice({}, 95)).toBe(95);
    for (const unusable of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(fillReferencePrice({ triggerPrice: unusable }, 95)).toBe(95);
    // A stop sell at 92 with 5 bps slippage: 91.954, whatever the last price was.
    expect(decimalString(takerFill('sell', '1', fillReferencePrice({ triggerPrice: 92 }, 95), costs).price)).toBe('91.954');
  });

  it('takerFillFigures gives takerFill\'s digits as text, in Exact or (past 40 digits) in Dec', () => {
    // Amounts as exchanges take them and long ones that force Dec; any price; fee rates and slippage as configured.
    const amount = fc.oneof(
      fc.integer({ min: 1, max: 10 ** 12 }).map((units) => decimalString(new Dec(units).div(1e8))),
      fc.stringMatching(/^[1-9][0-9]{0,30}\.[0-9]{1,25}$/),
    );
    const rate = fc.oneof(fc.constantFrom(0, 0.001, 0.00075, 0.0002), fc.double({ min: 0, max: 0.01, noNaN: true }));
    const bps = fc.oneof(fc.constantFrom(0, 5, 10, 2.5), fc.double({ min: 0, max: 100, noNaN: true }));
    fc.assert(
      fc.property(fc.constantFrom('buy' as const, 'sell' as const), amount, fc.double({ min: 1e-9, max: 1e9, noNaN: true }), rate, bps, (side, amountText, price, takerFeeRate, slippageBps) => {
        const dec = takerFill(side, amountText, price, { takerFeeRate, slippageBps });
        expect(takerFillFigures(side, amountText, price, { takerFeeRate, slippageBps })).toEqual({
          price: decimalString(dec.price),
          notional: decimalString(dec.notional),
          fee: decimalString(dec.fee),
          role: 'taker',
        });
      }),
      { numRuns: 2000 },
    );
    // One that needs Dec: 35 digits of amount times a 17-digit price is past 40 digits.
    const long = takerFill('buy', '12345678901234567890.123456789012345', 0.1234567890123456, costs);
    expect(takerFillFigures('buy', '12345678901234567890.123456789012345', 0.1234567890123456, costs).notional).toBe(decimalString(long.notional));
    const intent = { symbol: 'BTC/USDT', side: 'buy' as const, type: 'market' as const, amount: '0.5', price: '40000', reason: 'test' };
    const fill = takerFill('buy', '0.5', 40_000, costs);
    expect(filledOrderStateOf('k1', 'paper-k1', intent, takerFillFigures('buy', '0.5', 40_000, costs), 7)).toEqual(filledOrderState('k1', 'paper-k1', intent, fill, 7));
  });
});

