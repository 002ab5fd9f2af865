import { describe, expect, it } from 'vitest';
import { decimalString } from '../../../src/domain/decimal-math.js';
import { fillBalanceDeltas, fillReferencePrice, filledOrderState, isMarketable, restingLimitFill, takerFill } from '../../../src/domain/fill-model.js';

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
});
