import { describe, expect, it } from 'vitest';
import { planOrders } from '../../../src/domain/allocation.js';
import { DEFAULT_CORRELATION_CONFIG, type CorrelationConfig } from '../../../src/domain/correlation.js';
import {
  CORRELATION_REASON,
  closesOnGrid,
  correlationDue,
  correlationGrid,
  correlationSymbols,
  measureCorrelation,
  unmeasuredCorrelation,
  type CorrelationSnapshot,
} from '../../../src/domain/correlation-snapshot.js';
import { DEFAULT_RISK_CONFIG } from '../../../src/domain/cycle-config.js';
import type { PortfolioSnapshot } from '../../../src/domain/portfolio-types.js';
import type { CoinEvaluation } from '../../../src/domain/signal-types.js';

const HOUR = 3_600_000;
const ON: CorrelationConfig = { ...DEFAULT_CORRELATION_CONFIG, enabled: true, window: 40, threshold: 0.8, maxPositionsPerCluster: 1, maxBetaWeightedExposure: 10 };

/** Closes compounding the given per-candle returns from 100. */
function walk(returns: (i: number) => number, count: number): Float64Array {
  const out = new Float64Array(count);
  let price = 100;
  for (let i = 0; i < count; i++) {
    if (i > 0) price *= Math.exp(returns(i));
    out[i] = price;
  }
  return out;
}
const wave = (i: number) => 0.01 * Math.sin(i / 3);
const other = (i: number) => 0.01 * Math.cos(i * 1.7 + 0.4);

describe('the correlation measurement', () => {
  it('places stored closes on the window grid: NaN for gaps and candles not stored yet, off-grid candles ignored', () => {
    const grid = correlationGrid(10 * HOUR, HOUR, 4);
    expect(grid).toEqual({ fromTs: 6 * HOUR, count: 5 });
    const closes = closesOnGrid(
      [
        { ts: 5 * HOUR, close: 1 }, // before the window
        { ts: 7 * HOUR, close: 2 },
        { ts: 7.5 * HOUR, close: 9 }, // not a candle open of this timeframe
        { ts: 9 * HOUR, close: 3 },
        { ts: 10 * HOUR, close: 4 },
      ],
      grid,
      HOUR,
    );
    expect([...closes]).toEqual([NaN, 2, NaN, 3, 4]);
  });

  it('clusters coins that move together, leaves others alone, and measures betas against the market', () => {
    const n = ON.window + 1;
    const snapshot = measureCorrelation(
      {
        'BTC/USDT': walk(wave, n),
        'ETH/USDT': walk((i) => 2 * wave(i), n), // the same moves, twice as large: beta 2
        'XRP/USDT': walk(other, n),
        'NEW/USDT': Float64Array.from(walk(wave, n), (c, i) => (i < 10 ? NaN : c)), // listed late: window not full
      },
      'BTC/USDT',
      ON,
      7,
    );
    expect(snapshot.clusters).toEqual({ 'BTC/USDT': 'BTC/USDT', 'ETH/USDT': 'BTC/USDT' });
    expect(snapshot.betas['BTC/USDT']).toBe(1);
    expect(snapshot.betas['ETH/USDT']).toBe(2);
    expect(Math.abs(snapshot.betas['XRP/USDT']!)).toBeLessThan(0.5);
    expect(snapshot.betas['NEW/USDT']).toBeUndefined();
    expect(snapshot).toMatchObject({ measuredAtTick: 7, window: 40, threshold: 0.8, market: 'BTC/USDT' });
    // Without the market's closes there are no betas (each counts as 1).
    expect(measureCorrelation({ 'ETH/USDT': walk(wave, n) }, 'BTC/USDT', ON, 7)).toMatchObject({ market: null, betas: {} });
  });

  it('is due when never measured, every recomputeCandles ticks, and at once after its settings change; never when off', () => {
    const snapshot = measureCorrelation({}, null, { ...ON, recomputeCandles: 5 }, 10);
    const config = { ...ON, recomputeCandles: 5 };
    expect(correlationDue(undefined, config, 0)).toBe(true);
    expect(correlationDue(snapshot, config, 14)).toBe(false);
    expect(correlationDue(snapshot, config, 15)).toBe(true);
    expect(correlationDue(snapshot, { ...config, window: 41 }, 11)).toBe(true);
    expect(correlationDue(snapshot, { ...config, threshold: 0.9 }, 11)).toBe(true);
    expect(correlationDue(undefined, { ...config, enabled: false }, 0)).toBe(false);
  });

  it('reads the market leader too when it is not one of the tick coins', () => {
    expect(correlationSymbols(['ETH/USDT'], 'BTC/USDT')).toEqual(['ETH/USDT', 'BTC/USDT']);
    expect(correlationSymbols(['BTC/USDT', 'ETH/USDT'], 'BTC/USDT')).toEqual(['BTC/USDT', 'ETH/USDT']);
    expect(correlationSymbols(['ETH/USDT'], null)).toEqual(['ETH/USDT']);
  });
});

function evaluation(symbol: string, score: number, price: number): CoinEvaluation {
  return {
    symbol,
    candleTs: Date.UTC(2024, 0, 1),
    price,
    score,
    action: 'buy',
    volatility: 0.01,
    regime: 'ranging',
    indicators: { rsi: 28, maFast: 101, maSlow: 100, macd: 0.4, macdSignal: 0.3, macdHistogram: 0.1 },
  };
}

const snapshot: CorrelationSnapshot = {
  ...unmeasuredCorrelation(ON),
  measuredAtTick: 0,
  clusters: { 'BTC/USDT': 'BTC/USDT', 'ETH/USDT': 'BTC/USDT', 'SOL/USDT': 'BTC/USDT' },
  betas: { 'BTC/USDT': 1, 'ETH/USDT': 1.5, 'XRP/USDT': 0.5 },
};

function planWith(correlation: { config?: CorrelationConfig; restingBuys?: Array<{ symbol: string; notional: number }> }, book: PortfolioSnapshot, evaluations: CoinEvaluation[]) {
  return planOrders({
    portfolio: book,
    evaluations,
    prices: {},
    cooldowns: {},
    tickNo: 10,
    blockedSymbols: [],
    risk: { ...DEFAULT_RISK_CONFIG, maxPositionFraction: 0.1, maxOpenPositions: 10 },
    correlation: { snapshot, config: correlation.config ?? ON, restingBuys: correlation.restingBuys ?? [] },
  });
}

const cashOnly: PortfolioSnapshot = { quote: 'USDT', cash: '10000', positions: {}, realizedPnl: '0' };

describe('planOrders with the correlation gate', () => {
  it("buys one coin of a cluster per tick: the plan's own buys count, strongest score first", () => {
    const result = planWith({}, cashOnly, [evaluation('ETH/USDT', 0.6, 2000), evaluation('BTC/USDT', 0.5, 30000), evaluation('XRP/USDT', 0.4, 0.5)]);
    expect(result.intents.map((i) => i.symbol)).toEqual(['ETH/USDT', 'XRP/USDT']);
    expect(result.skipped).toEqual([{ symbol: 'BTC/USDT', side: 'buy', reason: `${CORRELATION_REASON}cluster of BTC/USDT already holds 1 of at most 1` }]);
  });

  it('counts held coins and resting maker buys against the cluster', () => {
    const holdingSol: PortfolioSnapshot = { ...cashOnly, positions: { 'SOL/USDT': { symbol: 'SOL/USDT', quantity: '10', averagePrice: '100', openedTick: 1 } } };
    const held = planWith({}, holdingSol, [evaluation('ETH/USDT', 0.6, 2000)]);
    expect(held.intents).toEqual([]);
    expect(held.skipped[0]!.reason).toMatch(/^correlation: cluster of BTC\/USDT already holds 1/);
    const resting = planWith({ restingBuys: [{ symbol: 'BTC/USDT', notional: 500 }] }, cashOnly, [evaluation('ETH/USDT', 0.6, 2000)]);
    expect(resting.intents).toEqual([]);
  });

  it('caps beta-weighted exposure: held value x |beta| plus the buy, with a missing beta counted as 1', () => {
    // Each buy is 10% of 10,000 equity. Cap 0.2: ETH (beta 1.5) takes 0.15, XRP (0.5) 0.05 more = 0.2, DOGE (1) refused.
    const capped = { ...ON, maxPositionsPerCluster: 5, maxBetaWeightedExposure: 0.2 };
    const result = planWith({ config: capped }, cashOnly, [evaluation('ETH/USDT', 0.6, 2000), evaluation('XRP/USDT', 0.5, 0.5), evaluation('DOGE/USDT', 0.4, 0.1)]);
    expect(result.intents.map((i) => i.symbol)).toEqual(['ETH/USDT', 'XRP/USDT']);
    expect(result.skipped).toHaveLength(1);
    expect(result.skipped[0]!.reason).toMatch(/^correlation: beta-weighted exposure would reach 0\.3 of equity, above the cap of 0\.2/);
  });

  it('before any measurement every coin is its own cluster and the exposure cap still binds (beta 1)', () => {
    const capped = { ...ON, maxBetaWeightedExposure: 0.15 };
    const result = planOrders({
      portfolio: cashOnly,
      evaluations: [evaluation('ETH/USDT', 0.6, 2000), evaluation('BTC/USDT', 0.5, 30000)],
      prices: {},
      cooldowns: {},
      tickNo: 10,
      blockedSymbols: [],
      risk: { ...DEFAULT_RISK_CONFIG, maxPositionFraction: 0.1, maxOpenPositions: 10 },
      correlation: { snapshot: unmeasuredCorrelation(capped), config: capped, restingBuys: [] },
    });
    expect(result.intents.map((i) => i.symbol)).toEqual(['ETH/USDT']);
    expect(result.skipped[0]!.reason).toMatch(/^correlation: beta-weighted exposure would reach 0\.2 of equity/);
  });
});
