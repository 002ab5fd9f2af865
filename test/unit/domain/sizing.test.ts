import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planOrders } from '../../../src/domain/allocation.js';
import { DEFAULT_RISK_CONFIG } from '../../../src/domain/cycle-config.js';
import { Dec } from '../../../src/domain/decimal-math.js';
import { DEFAULT_SIZING_CONFIG, buyNotional, validateSizingConfig, type BuyNotionalInput, type SizingConfig } from '../../../src/domain/sizing.js';

const RISK_SIZING: SizingConfig = { mode: 'risk', riskPerTradeFraction: 0.01 };

function size(overrides: Partial<BuyNotionalInput>) {
  return buyNotional({
    equity: new Dec('10000'),
    price: 100,
    stopPrice: null,
    risk: { maxPositionFraction: 0.02 },
    sizing: DEFAULT_SIZING_CONFIG,
    regimeSizeFactor: 1,
    ...overrides,
  });
}

const anyEquity = fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 15n }), fc.integer({ min: 0, max: 12 })).map(([units, places]) => new Dec(units.toString()).div(new Dec(10).pow(places)).toFixed());
const anyFraction = fc.double({ min: 1e-6, max: 1, noNaN: true });

describe('buyNotional: fixed fraction (today\'s rule)', () => {
  it('is the very Dec planOrders computes: equity x maxPositionFraction', () => {
    fc.assert(
      fc.property(anyEquity, anyFraction, (equity, fraction) => {
        const { notional } = size({ equity: new Dec(equity), risk: { maxPositionFraction: fraction } });
        // planOrders: new Dec(portfolioEquity(...)).times(risk.maxPositionFraction)
        expect(notional.toFixed()).toBe(new Dec(equity).times(fraction).toFixed());
      }),
    );
  });

  it('gives the buy planOrders places today', () => {
    const { intents } = planOrders({
      portfolio: { quote: 'USDT', cash: '10000', positions: {}, realizedPnl: '0' },
      evaluations: [{ symbol: 'BTC/USDT', candleTs: 0, price: 30000, score: 0.3, action: 'buy', volatility: 0.01, regime: 'ranging', indicators: { rsi: 30, maFast: 2, maSlow: 1, macd: 0, macdSignal: 0, macdHistogram: 0 } }],
      prices: {},
      risk: DEFAULT_RISK_CONFIG,
      cooldowns: {},
      tickNo: 1,
      blockedSymbols: [],
    });
    const { notional, basis } = size({ price: 30000, risk: DEFAULT_RISK_CONFIG });
    expect(intents[0]?.amount).toBe(notional.div(30000).toDecimalPlaces(8, Dec.ROUND_DOWN).toFixed(8));
    expect(basis).toBe('2% of equity');
  });

  it('ignores the stop', () => {
    expect(size({ stopPrice: 99 }).notional.toFixed()).toBe('200');
  });
});

describe('buyNotional: risk per trade', () => {
  it('spends equity x risk / stop distance, exactly', () => {
    // 10000 x 1% / 5% = 2000, below the 25% cap.
    const result = size({ sizing: RISK_SIZING, stopPrice: 95, risk: { maxPositionFraction: 0.25 } });
    expect(result.notional.toFixed()).toBe('2000');
    expect(result.basis).toBe('risk 1% of equity over a 5% stop (95)');
    // A distance floats cannot hold: (3 - 2.9) / 3 is 1/30, so 10000 x 1% x 30 = 3000, not 2999.99...
    expect(size({ sizing: RISK_SIZING, price: 3, stopPrice: 2.9, risk: { maxPositionFraction: 0.5 } }).notional.toFixed()).toBe('3000');
  });

  it('a wider stop buys less', () => {
    const tight = size({ sizing: RISK_SIZING, stopPrice: 98, risk: { maxPositionFraction: 1 } }).notional;
    const wide = size({ sizing: RISK_SIZING, stopPrice: 90, risk: { maxPositionFraction: 1 } }).notional;
    expect(tight.toFixed()).toBe('5000');
    expect(wide.toFixed()).toBe('1000');
  });

  it('is capped at equity x maxPositionFraction and says so', () => {
    const result = size({ sizing: RISK_SIZING, stopPrice: 99, risk: { maxPositionFraction: 0.1 } });
    expect(result.notional.toFixed()).toBe('1000');
    expect(result.basis).toBe('risk 1% of equity over a 1% stop (99), capped at 10% of equity');
  });

  it('falls back to the fixed fraction without a stop below the price, and says why', () => {
    expect(size({ sizing: RISK_SIZING, stopPrice: null })).toEqual({
      notional: new Dec(200),
      basis: '2% of equity (risk sizing needs a stop below the price: no stop)',
    });
    const atPrice = size({ sizing: RISK_SIZING, stopPrice: 100 });
    expect(atPrice.notional.toFixed()).toBe('200');
    expect(atPrice.basis).toBe('2% of equity (risk sizing needs a stop below the price: stop 100 not below price 100)');
    expect(size({ sizing: RISK_SIZING, stopPrice: Number.NaN }).notional.toFixed()).toBe('200');
  });

  it('never risks more than its budget at the stop, nor spends more than the cap', () => {
    fc.assert(
      fc.property(
        anyEquity,
        fc.double({ min: 1e-4, max: 0.2, noNaN: true }),
        anyFraction,
        fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
        fc.double({ min: 1e-6, max: 0.999, noNaN: true }),
        (equity, riskFraction, maxFraction, price, distance) => {
          const stopPrice = price * (1 - distance);
          fc.pre(stopPrice < price);
          const { notional } = size({ equity: new Dec(equity), price, stopPrice, sizing: { mode: 'risk', riskPerTradeFraction: riskFraction }, risk: { maxPositionFraction: maxFraction } });
          const lossAtStop = notional.times(new Dec(price).minus(stopPrice)).div(price);
          const budget = new Dec(equity).times(riskFraction);
          expect(lossAtStop.minus(budget).lessThanOrEqualTo(budget.times('1e-30'))).toBe(true);
          expect(notional.lessThanOrEqualTo(new Dec(equity).times(maxFraction))).toBe(true);
        },
      ),
    );
  });
});

describe('buyNotional: regime factor', () => {
  it('multiplies the size last', () => {
    const halved = size({ sizing: RISK_SIZING, stopPrice: 95, risk: { maxPositionFraction: 0.25 }, regimeSizeFactor: 0.5 });
    expect(halved.notional.toFixed()).toBe('1000');
    expect(halved.basis).toBe('risk 1% of equity over a 5% stop (95) x 0.5 (regime)');
    expect(size({ regimeSizeFactor: 0.25 }).notional.toFixed()).toBe('50');
  });

  it('0, or anything not a positive number, means no buy', () => {
    expect(size({ regimeSizeFactor: 0 })).toEqual({ notional: new Dec(0), basis: '2% of equity x 0 (regime): no buy' });
    expect(size({ regimeSizeFactor: Number.NaN }).notional.isZero()).toBe(true);
    expect(size({ regimeSizeFactor: -1 }).notional.isZero()).toBe(true);
  });
});

describe('validateSizingConfig', () => {
  it('accepts the defaults and risk mode', () => {
    expect(validateSizingConfig(DEFAULT_SIZING_CONFIG)).toEqual([]);
    expect(validateSizingConfig(RISK_SIZING)).toEqual([]);
  });

  it('names each bad key and value', () => {
    expect(validateSizingConfig({ mode: 'kelly', riskPerTradeFraction: 2 })).toEqual([
      'sizing.mode must be "fixed_fraction" or "risk" (got "kelly")',
      'sizing.riskPerTradeFraction must be in (0, 1) (got 2)',
    ]);
    expect(validateSizingConfig({ ...DEFAULT_SIZING_CONFIG, riskPerTradeFraction: 0 })).toEqual(['sizing.riskPerTradeFraction must be in (0, 1) (got 0)']);
    expect(validateSizingConfig({ ...DEFAULT_SIZING_CONFIG, riskPerTrade: 0.01 })).toEqual(['unknown setting sizing.riskPerTrade; sizing settings: mode, riskPerTradeFraction']);
    expect(validateSizingConfig('risk')).toEqual(['sizing must be an object of settings (got "risk")']);
  });
});
