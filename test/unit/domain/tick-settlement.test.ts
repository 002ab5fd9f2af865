import { describe, expect, it } from 'vitest';
import { Dec } from '../../../src/domain/decimal-math.js';
import type { OrderIntent, OrderState } from '../../../src/domain/market-types.js';
import { orderState } from '../../helpers/order-fixtures.js';
import { emptyPortfolio } from '../../../src/domain/portfolio-types.js';
import { settleOrders } from '../../../src/domain/tick-settlement.js';
import type { OrderOutcome, SettleOrdersInput } from '../../../src/domain/tick-settlement.js';

const intent = (symbol: string, side: 'buy' | 'sell', amount = '2'): OrderIntent => ({ symbol, side, type: 'market', amount, price: '100', reason: 'test' });
const filledOrder = (symbol: string, side: 'buy' | 'sell', over: Partial<OrderState> = {}): OrderState => orderState({ clientOrderId: `k-${symbol}-${side}`, exchangeOrderId: `x-${symbol}`, symbol, side, ...over });

function settle(intents: OrderIntent[], outcomes: OrderOutcome[], over: Partial<SettleOrdersInput> = {}) {
  const asked: string[] = [];
  const result = settleOrders({
    portfolio: emptyPortfolio('USDT', '10000'),
    cooldowns: {},
    tickNo: 5,
    tickTs: 1_000,
    cooldownTicks: 3,
    intents,
    outcomes,
    strictFate: () => (asked.push('strict'), true),
    ...over,
  });
  return { ...result, asked };
}

describe('settleOrders', () => {
  it('books fills, counts their fees, and starts a sold coin\'s cooldown', () => {
    const bought = settle([intent('BTC/USDT', 'buy')], [{ ok: true, order: filledOrder('BTC/USDT', 'buy') }]);
    expect(bought.portfolio.cash).toBe('9799.8');
    expect(bought.portfolio.positions['BTC/USDT']?.quantity).toBe('2');
    expect(bought.feesBooked).toBe('0.2');
    expect(bought.filled).toHaveLength(1);
    const sold = settle([intent('BTC/USDT', 'sell')], [{ ok: true, order: filledOrder('BTC/USDT', 'sell', { averagePrice: '110' }) }], { portfolio: bought.portfolio });
    expect(sold.portfolio.positions['BTC/USDT']).toBeUndefined();
    expect(sold.cooldowns).toEqual({ 'BTC/USDT': 8 });
    expect(sold.asked).toEqual([]);
  });

  it('sums the fees as Dec adds them: exactly, and rounded to 40 digits only where Dec rounds', () => {
    const buys = [intent('BTC/USDT', 'buy'), intent('ETH/USDT', 'buy')];
    const fees = (a: string, b: string) =>
      settle(buys, [
        { ok: true, order: filledOrder('BTC/USDT', 'buy', { feeQuote: a }) },
        { ok: true, order: filledOrder('ETH/USDT', 'buy', { feeQuote: b }) },
      ]).feesBooked;
    expect(fees('0.1', '0.2')).toBe('0.3');
    // 41 significant digits: Dec keeps 40 (half-even), and so does the settlement.
    expect(fees('100000000000000000000', '0.00000000000000000001')).toBe(new Dec('100000000000000000000').plus('0.00000000000000000001').toFixed());
    expect(fees('100000000000000000000', '0.00000000000000000001')).toBe('100000000000000000000');
  });

  it('drops cooldowns that end with this tick', () => {
    expect(settle([], [], { cooldowns: { 'A/USDT': 5, 'B/USDT': 6 } }).cooldowns).toEqual({ 'B/USDT': 6 });
  });

  it('turns an order of unknown fate into a doubt, and a refusal of the first attempt into nothing', () => {
    const result = settle(
      [intent('A/USDT', 'buy'), intent('B/USDT', 'buy'), intent('C/USDT', 'buy')],
      [
        { ok: false, clientOrderId: 'ka', symbol: 'A/USDT', errorType: 'RequestTimeout', message: 'no answer' },
        { ok: false, clientOrderId: 'kb', symbol: 'B/USDT', errorType: 'OrderFateUnknown', message: 'refused after a lost reply', placed: 'unknown' },
        { ok: false, clientOrderId: 'kc', symbol: 'C/USDT', errorType: 'InsufficientFunds', message: 'no money', placed: 'no' },
      ],
    );
    expect(result.unknownFate).toEqual(['A/USDT', 'B/USDT']);
    expect(result.doubts.map((d) => [d.kind, d.clientOrderId, d.tickTs])).toEqual([
      ['fate_unknown', 'ka', 1_000],
      ['fate_unknown', 'kb', 1_000],
    ]);
    expect(result.doubts[0]!.reason).toBe('RequestTimeout in tick 5: no answer');
    expect(result.warnings).toHaveLength(3);
    expect(result.asked).toEqual([]);
  });

  it('asks the strict rule only when it matters: a child completed in an earlier run, an order open after its cancel', () => {
    const result = settle(
      [intent('A/USDT', 'buy'), intent('B/USDT', 'buy')],
      [
        { ok: false, clientOrderId: 'ka', symbol: 'A/USDT', errorType: 'AlreadyCompleted', message: 'earlier run' },
        { ok: true, order: filledOrder('B/USDT', 'buy', { status: 'open', filled: '1' }) },
      ],
    );
    expect(result.asked).toEqual(['strict', 'strict']);
    expect(result.doubts.map((d) => d.clientOrderId)).toEqual(['ka', 'k-B/USDT-buy']);
    // The open order's partial fill is booked and remembered, so reconciliation books only the rest.
    expect(result.portfolio.positions['B/USDT']?.quantity).toBe('1');
    expect(result.doubts[1]!.applied).toEqual({ filled: '1', averagePrice: '100', feeQuote: '0.2' });
    const lenient = settle([intent('A/USDT', 'buy')], [{ ok: false, clientOrderId: 'ka', symbol: 'A/USDT', errorType: 'AlreadyCompleted', message: 'earlier run' }], { strictFate: () => false });
    expect(lenient.doubts).toEqual([]);
  });

  it('keeps a fill the portfolio cannot book as a fill_unapplied doubt, leaving the portfolio as it was', () => {
    const result = settle([intent('A/USDT', 'sell')], [{ ok: true, order: filledOrder('A/USDT', 'sell') }]);
    expect(result.portfolio).toEqual(emptyPortfolio('USDT', '10000'));
    expect(result.doubts).toEqual([expect.objectContaining({ kind: 'fill_unapplied', clientOrderId: 'k-A/USDT-sell' })]);
    expect(result.doubts[0]!.reason).toMatch(/^fill could not be booked: sell .* but the portfolio holds 0/);
    expect(result.errors).toHaveLength(1);
    expect(result.filled).toEqual([]);
    expect(result.cooldowns).toEqual({});
  });
});
