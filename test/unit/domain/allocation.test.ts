import { describe, expect, it } from 'vitest';
import { FEE_RESERVE_FRACTION, planOrders, type PlanOrdersInput } from '../../../src/domain/allocation.js';
import { DEFAULT_RISK_CONFIG, type RiskConfig } from '../../../src/domain/cycle-config.js';
import type { PortfolioSnapshot, Position } from '../../../src/domain/portfolio-types.js';
import type { CoinEvaluation, SignalAction } from '../../../src/domain/signal-types.js';

function evaluation(symbol: string, score: number, price: number, action?: SignalAction): CoinEvaluation {
  return {
    symbol,
    candleTs: Date.UTC(2024, 0, 1),
    price,
    score,
    action: action ?? (score >= 0.05 ? 'buy' : score <= -0.05 ? 'sell' : 'hold'),
    volatility: 0.01,
    regime: 'ranging',
    indicators: score >= 0
      ? { rsi: 28.14, maFast: 101, maSlow: 100, macd: 0.4, macdSignal: 0.3, macdHistogram: 0.1 }
      : { rsi: 75.25, maFast: 99, maSlow: 100, macd: -0.4, macdSignal: -0.3, macdHistogram: -0.1 },
  };
}

function position(symbol: string, quantity: string, averagePrice: string): Position {
  return { symbol, quantity, averagePrice, openedTick: 1 };
}

function portfolio(cash: string, positions: Position[] = []): PortfolioSnapshot {
  return { quote: 'USDT', cash, positions: Object.fromEntries(positions.map((p) => [p.symbol, p])), realizedPnl: '0' };
}

function plan(overrides: Partial<Omit<PlanOrdersInput, 'risk'>> & { risk?: Partial<RiskConfig> }) {
  return planOrders({
    portfolio: portfolio('10000'),
    evaluations: [],
    prices: {},
    cooldowns: {},
    tickNo: 10,
    blockedSymbols: [],
    signal: { buyThreshold: 0.05, sellThreshold: 0.05 },
    ...overrides,
    risk: { ...DEFAULT_RISK_CONFIG, ...overrides.risk },
  });
}

describe('planOrders: buys', () => {
  it('sizes a buy at equity x maxPositionFraction, rounded down to 8 decimals', () => {
    // 10000 x 0.02 = 200 USDT at 30000 -> 0.0066666666... -> 0.00666666.
    const result = plan({ evaluations: [evaluation('BTC/USDT', 0.31, 30000)] });
    expect(result.intents).toEqual([
      { symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: '0.00666666', price: '30000', reason: 'score 0.31 ≥ 0.05 (rsi 28.1, ma fast > slow, macd hist > 0)' },
    ]);
    expect(result.skipped).toEqual([]);
    expect(FEE_RESERVE_FRACTION).toBe(0.002);
  });

  it('values held positions at the given prices when computing equity', () => {
    // cash 1000 + 2 ETH x 2000 = 5000 equity -> 100 USDT per position -> 50 coins at 2.
    const result = plan({
      portfolio: portfolio('1000', [position('ETH/USDT', '2', '1500')]),
      evaluations: [evaluation('ADA/USDT', 0.2, 2)],
      prices: { 'ETH/USDT': 2000 },
    });
    expect(result.intents.map((o) => o.amount)).toEqual(['50.00000000']);
  });

  it('buys the strongest scores first (ties by symbol) until maxOpenPositions', () => {
    // One held position + two buys = 3 = the limit. Equity 10000 + 1 x 100 = 10100 -> 202 per buy.
    const result = plan({
      portfolio: portfolio('10000', [position('HELD/USDT', '1', '100')]),
      evaluations: [evaluation('A/USDT', 0.3, 10), evaluation('C/USDT', 0.5, 5), evaluation('B/USDT', 0.5, 20), evaluation('HELD/USDT', 0.2, 100)],
      prices: { 'HELD/USDT': 100 },
      risk: { maxOpenPositions: 3 },
    });
    expect(result.intents.map((o) => [o.symbol, o.amount])).toEqual([
      ['B/USDT', '10.10000000'],
      ['C/USDT', '40.40000000'],
    ]);
    expect(result.skipped).toEqual([
      { symbol: 'HELD/USDT', side: 'buy', reason: 'already held' },
      { symbol: 'A/USDT', side: 'buy', reason: 'max open positions (3) reached' },
    ]);
  });

  it('respects cooldowns: blocked while cooldowns[symbol] > tickNo', () => {
    const input = { evaluations: [evaluation('X/USDT', 0.4, 1)], cooldowns: { 'X/USDT': 11 } };
    expect(plan({ ...input, tickNo: 10 })).toEqual({ intents: [], skipped: [{ symbol: 'X/USDT', side: 'buy', reason: 'cooling down until tick 11' }] });
    expect(plan({ ...input, tickNo: 11 }).intents).toHaveLength(1);
  });

  it('skips blocked symbols', () => {
    const result = plan({ evaluations: [evaluation('X/USDT', 0.4, 1)], blockedSymbols: ['X/USDT'] });
    expect(result).toEqual({ intents: [], skipped: [{ symbol: 'X/USDT', side: 'buy', reason: 'blocked this tick' }] });
  });

  it('skips orders below minOrderNotional', () => {
    // 1000 x 0.005 = 5 USDT < 10.
    const result = plan({ portfolio: portfolio('1000'), evaluations: [evaluation('X/USDT', 0.4, 2.5)], risk: { maxPositionFraction: 0.005 } });
    expect(result).toEqual({ intents: [], skipped: [{ symbol: 'X/USDT', side: 'buy', reason: 'notional 5.00 below minimum 10' }] });
  });

  it('caps buys by the cash left, keeping 0.2% for fees', () => {
    // Equity 100 + 99 x 100 = 10000 -> target 200, but only 100 / 1.002 = 99.8003992... is spendable:
    // at 3 that is 33.266799733... -> 33.26679973 (cost 99.80039919, with fee reserve 99.99999998838).
    const result = plan({
      portfolio: portfolio('100', [position('BIG/USDT', '99', '100')]),
      evaluations: [evaluation('FIRST/USDT', 0.5, 3), evaluation('SECOND/USDT', 0.4, 1)],
      prices: { 'BIG/USDT': 100 },
    });
    expect(result.intents.map((o) => [o.symbol, o.amount, o.price])).toEqual([['FIRST/USDT', '33.26679973', '3']]);
    expect(result.skipped).toEqual([{ symbol: 'SECOND/USDT', side: 'buy', reason: 'notional 0.00 (capped by cash 0.00) below minimum 10' }]);
  });

  it('prefers the prices map over the evaluation price and writes prices in plain decimal notation', () => {
    const result = plan({ evaluations: [evaluation('PEPE/USDT', 0.4, 0.0000011)], prices: { 'PEPE/USDT': 0.000001 } });
    expect(result.intents[0]).toMatchObject({ amount: '200000000.00000000', price: '0.000001' });
  });

  it('leaves the threshold out of reasons when no signal config is given', () => {
    const result = planOrders({ portfolio: portfolio('10000'), evaluations: [evaluation('X/USDT', 0.4, 1)], prices: {}, risk: DEFAULT_RISK_CONFIG, cooldowns: {}, tickNo: 1, blockedSymbols: [] });
    expect(result.intents[0]?.reason).toBe('score 0.40 (rsi 28.1, ma fast > slow, macd hist > 0)');
  });
});

describe('planOrders: sells', () => {
  it('sells the whole position of a held coin whose action is sell, before any buy', () => {
    const result = plan({
      portfolio: portfolio('10000', [position('ETH/USDT', '1.23456789', '1800')]),
      evaluations: [evaluation('BUY/USDT', 0.2, 1), evaluation('ETH/USDT', -0.42, 2000), evaluation('NOTHELD/USDT', -0.9, 5)],
      prices: { 'ETH/USDT': 2001.5 },
    });
    expect(result.intents[0]).toEqual({
      symbol: 'ETH/USDT',
      side: 'sell',
      type: 'market',
      amount: '1.23456789',
      price: '2001.5',
      reason: 'score -0.42 ≤ -0.05 (rsi 75.3, ma fast < slow, macd hist < 0)',
    });
    expect(result.intents.map((o) => `${o.side} ${o.symbol}`)).toEqual(['sell ETH/USDT', 'buy BUY/USDT']);
  });

  it('sells regardless of minOrderNotional, holds on hold, and skips blocked sells', () => {
    const held = portfolio('0', [position('DUST/USDT', '0.001', '1'), position('KEEP/USDT', '5', '1'), position('STUCK/USDT', '5', '1')]);
    const result = plan({
      portfolio: held,
      evaluations: [evaluation('DUST/USDT', -0.3, 1), evaluation('KEEP/USDT', 0.01, 1), evaluation('STUCK/USDT', -0.3, 1)],
      blockedSymbols: ['STUCK/USDT'],
    });
    expect(result.intents.map((o) => [o.symbol, o.amount])).toEqual([['DUST/USDT', '0.001']]);
    expect(result.skipped).toEqual([{ symbol: 'STUCK/USDT', side: 'sell', reason: 'blocked this tick' }]);
  });

  it('does not count this tick\'s sells as freed slots or cash', () => {
    const result = plan({
      portfolio: portfolio('0', [position('OLD/USDT', '10', '100')]),
      evaluations: [evaluation('OLD/USDT', -0.5, 100), evaluation('NEW/USDT', 0.5, 1)],
      risk: { maxOpenPositions: 1 },
    });
    expect(result.intents.map((o) => o.side)).toEqual(['sell']);
    expect(result.skipped).toEqual([{ symbol: 'NEW/USDT', side: 'buy', reason: 'max open positions (1) reached' }]);
  });
});
