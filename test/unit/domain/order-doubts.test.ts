import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { applyFill } from '../../../src/domain/portfolio-accounting.js';
import { emptyPortfolio } from '../../../src/domain/portfolio-types.js';
import { orderState } from '../../helpers/order-fixtures.js';
import { appliedFillOf, positionChangeOf, symbolsInDoubt, unbookedFill, withDoubts } from '../../../src/domain/order-doubts.js';
import type { OrderDoubt } from '../../../src/domain/order-doubts.js';

const order = orderState;

const doubt = (clientOrderId: string, symbol: string): OrderDoubt => ({
  kind: 'fate_unknown',
  symbol,
  clientOrderId,
  tickTs: 0,
  intent: { symbol, side: 'buy', type: 'market', amount: '1', price: '1', reason: 'test' },
  reason: 'lost reply',
});

describe('unbookedFill', () => {
  it('is the whole order when nothing was booked', () => {
    expect(unbookedFill(order(), undefined)).toEqual(order());
  });

  it('is nothing when the booked part is the whole fill', () => {
    expect(unbookedFill(order(), appliedFillOf(order()))).toBeNull();
  });

  it('books exactly the order when added to what was booked before (quantity, cash, fees)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 10_000 }), (q1, p1, q2, p2) => {
        const partial = order({ status: 'open', filled: String(q1), averagePrice: String(p1), feeQuote: String(q1 / 1000) });
        const filled = q1 + q2;
        const average = (q1 * p1 + q2 * p2) / filled;
        const whole = order({ filled: String(filled), amount: String(filled), averagePrice: String(average), feeQuote: String(filled / 1000) });
        const start = emptyPortfolio('USDT', '1000000000');
        const oneGo = applyFill(start, whole, 1).portfolio;
        const first = applyFill(start, partial, 1).portfolio;
        const rest = unbookedFill(whole, appliedFillOf(partial));
        expect(rest).not.toBeNull();
        const twoGoes = applyFill(first, rest!, 2).portfolio;
        expect(Number(twoGoes.positions['BTC/USDT']!.quantity)).toBeCloseTo(Number(oneGo.positions['BTC/USDT']!.quantity), 9);
        expect(Number(twoGoes.cash)).toBeCloseTo(Number(oneGo.cash), 6);
        expect(Number(twoGoes.realizedPnl)).toBeCloseTo(Number(oneGo.realizedPnl), 6);
      }),
      { numRuns: 200 },
    );
  });
});

describe('positionChangeOf', () => {
  it('adds what a buy received (less a base-coin fee) and takes what a sell gave up', () => {
    expect(positionChangeOf(order({ feeBase: '0.002' })).toString()).toBe('1.998');
    expect(positionChangeOf(order({ side: 'sell' })).toString()).toBe('-2');
  });
});

describe('doubts', () => {
  it('keeps one doubt per client order id, the newest, sorted', () => {
    const merged = withDoubts([doubt('b', 'ETH/USDT'), doubt('a', 'BTC/USDT')], [{ ...doubt('b', 'ETH/USDT'), reason: 'newer' }]);
    expect(merged.map((d) => [d.clientOrderId, d.reason])).toEqual([
      ['a', 'lost reply'],
      ['b', 'newer'],
    ]);
  });

  it('holds the symbols of open doubts and of unexplained findings', () => {
    expect(symbolsInDoubt([doubt('a', 'SOL/USDT')], ['BTC/USDT', 'SOL/USDT'])).toEqual(['BTC/USDT', 'SOL/USDT']);
    expect(symbolsInDoubt(undefined, [])).toEqual([]);
  });
});
