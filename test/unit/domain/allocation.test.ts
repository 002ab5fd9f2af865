import { describe, expect, it } from 'vitest';
import { FEE_RESERVE_FRACTION, applyFill, countOpenPositions, planOrders, type MarketOrderRules, type PlanOrdersInput } from '../../../src/domain/allocation.js';
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

describe('planOrders: each coin once', () => {
  it('plans a coin evaluated twice once, by its first evaluation, whether the evaluations come sorted or not', () => {
    const twiceSorted = [evaluation('ADA/USDT', 0.2, 2), evaluation('BTC/USDT', 0.3, 30000), evaluation('BTC/USDT', 0.9, 30000), evaluation('ETH/USDT', 0.1, 2000)];
    const twiceUnsorted = [evaluation('ETH/USDT', 0.1, 2000), evaluation('BTC/USDT', 0.3, 30000), evaluation('ADA/USDT', 0.2, 2), evaluation('BTC/USDT', 0.9, 30000)];
    for (const evaluations of [twiceSorted, twiceUnsorted]) {
      const result = plan({ evaluations });
      expect(result.intents.map((i) => i.symbol)).toEqual(['BTC/USDT', 'ADA/USDT', 'ETH/USDT']);
      expect(result.intents[0]!.reason).toContain('score 0.30');
    }
  });

  it('gives a coin the risk layer sells no signal order, sorted evaluations or not', () => {
    const riskSell = { symbol: 'BTC/USDT', side: 'sell' as const, type: 'market' as const, amount: '0.1', price: '30000', reason: 'stop_loss: low 29000 ≤ stop 29500' };
    for (const evaluations of [[evaluation('ADA/USDT', 0.2, 2), evaluation('BTC/USDT', -0.3, 30000)], [evaluation('BTC/USDT', -0.3, 30000), evaluation('ADA/USDT', 0.2, 2)]]) {
      const result = plan({ portfolio: portfolio('10000', [position('BTC/USDT', '0.1', '31000')]), evaluations, riskSells: [riskSell] });
      expect(result.intents.map((i) => `${i.side} ${i.symbol}`)).toEqual(['sell BTC/USDT', 'buy ADA/USDT']);
      expect(result.intents[0]).toBe(riskSell);
    }
  });
});

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

describe('planOrders: market rules and dust', () => {
  const STEP_001: MarketOrderRules = { amountStep: '0.001', minAmount: '0.001', minCost: '5' };

  it('plans exactly as before when no symbol has rules', () => {
    const input = {
      portfolio: portfolio('5000', [position('ETH/USDT', '1.23456789', '1800'), position('TINY/USDT', '0.00000001', '1')]),
      evaluations: [evaluation('ETH/USDT', -0.4, 2000), evaluation('TINY/USDT', 0.3, 1), evaluation('ADA/USDT', 0.3, 0.37)],
      risk: { maxOpenPositions: 3 },
    };
    const before = plan(input);
    expect(plan({ ...input, rules: {} })).toEqual(before);
    expect(plan({ ...input, rules: { 'OTHER/USDT': STEP_001 } })).toEqual(before);
    expect(before.intents.map((o) => [o.side, o.symbol, o.amount])).toEqual([['sell', 'ETH/USDT', '1.23456789'], ['buy', 'ADA/USDT', '403.73706918']]);
    expect(before.skipped).toEqual([{ symbol: 'TINY/USDT', side: 'buy', reason: 'already held' }]);
  });

  it('rounds a buy down to the amount step and prints it with the step\'s decimals', () => {
    // 10000 x 0.02 = 200 USDT at 30000 -> 0.0066666... -> 0.0066 on a 0.0001 step.
    const result = plan({ evaluations: [evaluation('BTC/USDT', 0.31, 30000)], rules: { 'BTC/USDT': { amountStep: '0.0001' } } });
    expect(result.intents.map((o) => o.amount)).toEqual(['0.0066']);
    // A step of 10: 200 / 0.37 = 540.5... -> 540.
    expect(plan({ evaluations: [evaluation('ADA/USDT', 0.3, 0.37)], rules: { 'ADA/USDT': { amountStep: '10' } } }).intents.map((o) => o.amount)).toEqual(['540']);
  });

  it('skips a buy below the market\'s minimum amount or cost, naming the rule and the figures', () => {
    const result = plan({
      evaluations: [evaluation('A/USDT', 0.4, 2), evaluation('B/USDT', 0.3, 3)],
      rules: { 'A/USDT': { amountStep: '1', minAmount: '1000' }, 'B/USDT': { amountStep: '0.01', minCost: '250' } },
    });
    expect(result.intents).toEqual([]);
    expect(result.skipped).toEqual([
      { symbol: 'A/USDT', side: 'buy', reason: "amount 100 below the market's minimum amount 1000" },
      { symbol: 'B/USDT', side: 'buy', reason: "cost 199.98 (66.66 at 3) below the market's minimum cost 250" },
    ]);
  });

  it('sells a position rounded down to the step; dust at the current price is not sold', () => {
    const result = plan({
      portfolio: portfolio('0', [position('ETH/USDT', '1.23456789', '1800'), position('CHEAP/USDT', '0.0499', '150')]),
      evaluations: [evaluation('ETH/USDT', -0.4, 2000), evaluation('CHEAP/USDT', -0.4, 100)],
      rules: { 'ETH/USDT': STEP_001, 'CHEAP/USDT': STEP_001 },
    });
    expect(result.intents.map((o) => [o.symbol, o.amount])).toEqual([['ETH/USDT', '1.234']]);
    // 0.0499 -> 0.049 on the step, worth 4.90 at 100: below the 5 minimum cost.
    expect(result.skipped).toEqual([{ symbol: 'CHEAP/USDT', side: 'sell', reason: "dust: 0.0499 held: cost 4.90 (0.049 at 100) below the market's minimum cost 5" }]);
  });

  it('selling a whole position leaves no remainder that blocks the coin', () => {
    const rules = { 'ETH/USDT': STEP_001 };
    const held = portfolio('0', [position('ETH/USDT', '1.23456789', '1800')]);
    const sell = plan({ portfolio: held, evaluations: [evaluation('ETH/USDT', -0.4, 2000)], rules, risk: { maxOpenPositions: 1 } });
    expect(sell.intents.map((o) => [o.side, o.amount])).toEqual([['sell', '1.234']]);

    const filled = { clientOrderId: 'c1', exchangeOrderId: 'e1', symbol: 'ETH/USDT', side: 'sell' as const, type: 'market' as const, status: 'closed' as const, amount: '1.234', filled: '1.234', averagePrice: '2000', feeQuote: '0', createdAtMs: 0 };
    const after = applyFill(held, filled, 10).portfolio;
    expect(after.positions['ETH/USDT']?.quantity).toBe('0.00056789');
    expect(countOpenPositions(after, rules, { 'ETH/USDT': 2000 })).toBe(0);

    // Next tick: the remainder is dust. It is not sold, not "already held", and takes no slot (max 1 open position).
    const nextSell = plan({ portfolio: after, evaluations: [evaluation('ETH/USDT', -0.4, 2000)], rules, tickNo: 11, risk: { maxOpenPositions: 1 } });
    expect(nextSell.intents).toEqual([]);
    expect(nextSell.skipped).toEqual([{ symbol: 'ETH/USDT', side: 'sell', reason: "dust: 0.00056789 held: amount rounds down to 0 at the market's amount step 0.001" }]);
    const rebuy = plan({ portfolio: after, evaluations: [evaluation('ETH/USDT', 0.4, 2000)], rules, tickNo: 11, risk: { maxOpenPositions: 1 } });
    // Equity 2468 + 1.1357... -> 2% = 49.38... -> 0.024 ETH.
    expect(rebuy.intents.map((o) => [o.side, o.symbol, o.amount])).toEqual([['buy', 'ETH/USDT', '0.024']]);
    expect(rebuy.skipped).toEqual([]);

    // The buy's fill adds to the remainder, and the whole of it is sold on the step next time.
    const bought = applyFill(after, { ...filled, clientOrderId: 'c2', side: 'buy', amount: '0.024', filled: '0.024' }, 11).portfolio;
    expect(bought.positions['ETH/USDT']?.quantity).toBe('0.02456789');
    expect(plan({ portfolio: bought, evaluations: [evaluation('ETH/USDT', -0.4, 2000)], rules, tickNo: 12 }).intents.map((o) => o.amount)).toEqual(['0.024']);
  });

  it('does not count dust toward maxOpenPositions', () => {
    const result = plan({
      portfolio: portfolio('10000', [position('DUST/USDT', '0.0004', '100')]),
      evaluations: [evaluation('NEW/USDT', 0.5, 1)],
      prices: { 'DUST/USDT': 100 },
      rules: { 'DUST/USDT': STEP_001 },
      risk: { maxOpenPositions: 1 },
    });
    expect(result.intents.map((o) => o.symbol)).toEqual(['NEW/USDT']);
  });
});
