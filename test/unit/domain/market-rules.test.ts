import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dec } from '../../../src/domain/decimal-math.js';
import { countOpenPositions, dustSymbols } from '../../../src/domain/dust.js';
import { dustReason, exactDustReason, formatAmount, isDust, orderSizeProblem, roundAmountDown, stepFromDecimalPlaces, type MarketOrderRules } from '../../../src/domain/market-rules.js';
import type { PortfolioSnapshot } from '../../../src/domain/portfolio-types.js';

const STEP_001: MarketOrderRules = { amountStep: '0.001', minAmount: '0.001', minCost: '5' };

/** Steps as exchanges publish them: 1, 2 or 5 times a power of ten, from 1e-8 to 100. */
const anyStep = fc.tuple(fc.constantFrom(1, 2, 5), fc.integer({ min: -8, max: 2 })).map(([digit, exponent]) => new Dec(digit).times(new Dec(10).pow(exponent)).toFixed());
/** Non-negative amounts with up to 12 decimals, as decimal strings. */
const anyAmount = fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 18n }), fc.integer({ min: 0, max: 12 })).map(([units, places]) => new Dec(units.toString()).div(new Dec(10).pow(places)).toFixed());

describe('roundAmountDown', () => {
  it('rounds down to the step and keeps amounts already on it', () => {
    expect(roundAmountDown('1.23456789', STEP_001).toFixed()).toBe('1.234');
    expect(roundAmountDown('1.234', STEP_001).toFixed()).toBe('1.234');
    expect(roundAmountDown('0.0009', STEP_001).toFixed()).toBe('0');
    expect(roundAmountDown('1237', { amountStep: '5' }).toFixed()).toBe('1235');
  });

  it('leaves the amount alone when the market has no step', () => {
    expect(roundAmountDown('1.23456789123', {}).toFixed()).toBe('1.23456789123');
    expect(roundAmountDown('1.23456789123', undefined).toFixed()).toBe('1.23456789123');
  });

  it('gives a whole multiple of the step, never above the input, less than one step below it (property)', () => {
    fc.assert(
      fc.property(anyAmount, anyStep, (amount, step) => {
        const rounded = roundAmountDown(amount, { amountStep: step });
        expect(rounded.div(step).isInteger()).toBe(true);
        expect(rounded.lessThanOrEqualTo(amount)).toBe(true);
        expect(new Dec(amount).minus(rounded).lessThan(step)).toBe(true);
        expect(rounded.isNegative()).toBe(false);
      }),
    );
  });

  it('rounds to a power-of-ten step exactly as dividing, flooring and multiplying back does (property)', () => {
    const powerOfTenStep = fc.integer({ min: 0, max: 12 }).chain((places) => fc.constantFrom(new Dec(10).pow(-places).toFixed(), `1e-${places}`));
    fc.assert(
      fc.property(fc.oneof(anyAmount, anyAmount.map((a) => `-${a}`)), powerOfTenStep, (amount, step) => {
        const divided = new Dec(amount).div(step).floor().times(step);
        const rounded = roundAmountDown(amount, { amountStep: step });
        expect(rounded.equals(divided)).toBe(true);
        expect(rounded.toFixed()).toBe(divided.toFixed());
      }),
      { numRuns: 1000 },
    );
    expect(roundAmountDown('1.23456789', { amountStep: '0.001' }).toFixed()).toBe('1.234');
    expect(roundAmountDown('7', { amountStep: '1' }).toFixed()).toBe('7');
  });

  it('is idempotent, and what it gives prints with no more decimals than the step has (property)', () => {
    fc.assert(
      fc.property(anyAmount, anyStep, (amount, step) => {
        const rules = { amountStep: step };
        const rounded = roundAmountDown(amount, rules);
        expect(roundAmountDown(rounded, rules).equals(rounded)).toBe(true);
        const printed = formatAmount(rounded, rules);
        expect(new Dec(printed).equals(rounded)).toBe(true);
        expect(new Dec(printed).decimalPlaces()).toBeLessThanOrEqual(new Dec(step).decimalPlaces());
      }),
    );
  });
});

describe('orderSizeProblem', () => {
  it('names the rule and the figures', () => {
    expect(orderSizeProblem(new Dec('0'), 100, STEP_001)).toBe("amount rounds down to 0 at the market's amount step 0.001");
    expect(orderSizeProblem(new Dec('0.5'), 100, { minAmount: '1' })).toBe("amount 0.5 below the market's minimum amount 1");
    expect(orderSizeProblem(new Dec('0.04'), 100, STEP_001)).toBe("cost 4.00 (0.04 at 100) below the market's minimum cost 5");
    expect(orderSizeProblem(new Dec('0.05'), 100, STEP_001)).toBeNull();
  });

  it('skips the cost rule when the price is unknown', () => {
    expect(orderSizeProblem(new Dec('0.001'), null, STEP_001)).toBeNull();
  });
});

describe('isDust', () => {
  it('is dust when the part on the step is zero, below the minimum amount, or worth less than the minimum cost', () => {
    expect(dustReason('0.00056789', 100, STEP_001)).toBe("0.00056789 held: amount rounds down to 0 at the market's amount step 0.001");
    expect(isDust('0.0015', 10_000, { amountStep: '0.001', minAmount: '0.002' })).toBe(true);
    expect(isDust('0.049', 100, STEP_001)).toBe(true); // 0.049 x 100 = 4.90 < 5
    expect(isDust('0.05', 100, STEP_001)).toBe(false);
  });

  it('is never dust without rules, nor for an empty position', () => {
    expect(isDust('0.00000001', 1, undefined)).toBe(false);
    expect(isDust('0', 1, STEP_001)).toBe(false);
  });

  it('checks only the amount rules when there is no price', () => {
    expect(isDust('0.01', null, STEP_001)).toBe(false);
    expect(isDust('0.0001', null, STEP_001)).toBe(true);
  });

  it('dust is exactly what the market would refuse to sell (property)', () => {
    fc.assert(
      fc.property(anyAmount, anyStep, fc.double({ min: 1e-6, max: 1e6, noNaN: true }), (quantity, step, price) => {
        const rules: MarketOrderRules = { amountStep: step, minAmount: step, minCost: '5' };
        const sellable = roundAmountDown(quantity, rules);
        const refused = sellable.lessThan(step) || sellable.times(price).lessThan(5);
        expect(isDust(quantity, price, rules)).toBe(new Dec(quantity).greaterThan(0) && refused);
      }),
    );
  });
});

describe('stepFromDecimalPlaces', () => {
  it('turns decimal places into a step', () => {
    expect(stepFromDecimalPlaces(8)).toBe('0.00000001');
    expect(stepFromDecimalPlaces(2)).toBe('0.01');
    expect(stepFromDecimalPlaces(0)).toBe('1');
  });
});

describe('countOpenPositions and dustSymbols', () => {
  const portfolio: PortfolioSnapshot = {
    quote: 'USDT',
    cash: '100',
    realizedPnl: '0',
    positions: {
      'BTC/USDT': { symbol: 'BTC/USDT', quantity: '0.5', averagePrice: '30000', openedTick: 1 },
      'ETH/USDT': { symbol: 'ETH/USDT', quantity: '0.00056789', averagePrice: '2000', openedTick: 1 },
      'SOL/USDT': { symbol: 'SOL/USDT', quantity: '0.00056789', averagePrice: '20', openedTick: 1 },
    },
  };

  it('leaves dust out of the open positions; a symbol without rules counts as before', () => {
    const rules = { 'BTC/USDT': STEP_001, 'ETH/USDT': STEP_001 };
    const prices = { 'BTC/USDT': 30_000, 'ETH/USDT': 2000, 'SOL/USDT': 20 };
    expect(dustSymbols(portfolio, rules, prices)).toEqual(['ETH/USDT']);
    expect(countOpenPositions(portfolio, rules, prices)).toBe(2);
    expect(countOpenPositions(portfolio, {}, prices)).toBe(3);
  });
});

describe('dustReason quick path', () => {
  it('answers exactly as the decimal check on random and borderline holdings', () => {
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const steps = ['1', '0.1', '0.001', '0.00001', '0.00000001', '10'];
    let checked = 0;
    let dust = 0;
    for (let i = 0; i < 20_000; i++) {
      const step = steps[Math.floor(random() * steps.length)]!;
      const rules = { amountStep: step, minAmount: step, minCost: random() < 0.5 ? '10' : '5.5' };
      const price = 10 ** (random() * 8 - 4);
      // Around the minimums: the notional near min cost, the amount near one or two steps.
      const near = random() < 0.5 ? Number(rules.minCost) / price : Number(step) * (1 + random() * 2);
      const quantity = (near * (0.98 + random() * 0.04)).toFixed(10);
      const fast = dustReason(quantity, price, rules);
      expect(fast).toBe(exactDustReason(quantity, price, rules));
      checked++;
      if (fast !== null) dust++;
    }
    // Both outcomes were exercised.
    expect(dust).toBeGreaterThan(checked / 10);
    expect(dust).toBeLessThan(checked * 0.9);
    expect(dustReason('123.456', null, { amountStep: '0.001', minAmount: '0.001', minCost: '10' })).toBeNull();
    expect(dustReason('0.0009', 5, { amountStep: '0.001' })).toBe(exactDustReason('0.0009', 5, { amountStep: '0.001' }));
  });
});
