import { describe, expect, it } from 'vitest';
import { KeelError } from '../../../src/domain/errors.js';
import type { OrderIntent } from '../../../src/domain/market-types.js';
import { checkIntent, priceFill } from '../../../src/exchange/paper-pricing.js';

const intent = (overrides: Partial<OrderIntent>): OrderIntent => ({
  symbol: 'BTC/USDT',
  side: 'buy',
  type: 'market',
  amount: '0.5',
  price: '0',
  reason: 'test',
  ...overrides,
});

function rejection(candidate: OrderIntent): string {
  try {
    checkIntent(candidate, 'USDT');
  } catch (error) {
    expect(error).toBeInstanceOf(KeelError);
    expect((error as KeelError).code).toBe('InvalidOrder');
    return (error as KeelError).message;
  }
  throw new Error('expected InvalidOrder');
}

describe('priceFill', () => {
  it('moves the price against the taker and charges the fee on the notional, exactly', () => {
    const buy = priceFill(intent({ amount: '0.5' }), { base: 'BTC', quote: 'USDT' }, 40_000, 0.001, 5);
    expect(buy.price.toFixed()).toBe('40020');
    expect(buy.notional.toFixed()).toBe('20010');
    expect(buy.fee.toFixed()).toBe('20.01');
    expect(buy.balanceDeltas).toEqual({ USDT: '-20030.01', BTC: '0.5' });

    const sell = priceFill(intent({ side: 'sell', amount: '0.00000003' }), { base: 'BTC', quote: 'USDT' }, 0.1, 0.001, 5);
    expect(sell.price.toFixed()).toBe('0.09995');
    expect(sell.balanceDeltas).toEqual({ BTC: '-0.00000003', USDT: '0.0000000029955015' });
  });
});

describe('checkIntent', () => {
  it('accepts a well-formed intent and returns its assets', () => {
    expect(checkIntent(intent({}), 'USDT')).toEqual({ base: 'BTC', quote: 'USDT' });
  });

  it('names the field and the expected form', () => {
    expect(rejection(intent({ amount: '-1' }))).toBe('paper order amount "-1" for BTC/USDT must be a positive decimal string of base units such as "0.015"');
    expect(rejection(intent({ amount: '0' }))).toContain('must be a positive decimal string');
    expect(rejection(intent({ amount: '1e-3' }))).toContain('"1e-3"');
    expect(rejection(intent({ symbol: 'btc-usdt' }))).toBe('paper order symbol "btc-usdt" is not a spot symbol such as BTC/USDT (uppercase BASE/QUOTE)');
    expect(rejection(intent({ symbol: 'ETH/BTC' }))).toContain('is not quoted in USDT');
    expect(rejection(intent({ side: 'long' as 'buy' }))).toContain('side "long" for BTC/USDT must be "buy" or "sell"');
    expect(rejection(intent({ type: 'limit', price: 'abc' }))).toContain('limit order price "abc"');
  });
});
