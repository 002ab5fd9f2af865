import { describe, expect, it } from 'vitest';
import { DEFAULT_AI_CONFIG } from '../../../src/domain/ai-policy.js';
import { DEFAULT_RISK_CONFIG } from '../../../src/domain/cycle-config.js';
import { emptyPortfolio } from '../../../src/domain/portfolio-types.js';
import type { PortfolioSnapshot } from '../../../src/domain/portfolio-types.js';
import { DEFAULT_SIGNAL_CONFIG } from '../../../src/domain/signal-types.js';
import type { CoinEvaluation } from '../../../src/domain/signal-types.js';
import { decideTick, tickUniverse } from '../../../src/domain/tick-decision.js';
import type { CoinOutcome, DecideTickInput, DecisionState } from '../../../src/domain/tick-decision.js';
import { planOrders } from '../../../src/domain/allocation.js';
import { DEFAULT_EXIT_CONFIG, openPositionExit } from '../../../src/domain/exits.js';
import { DEFAULT_REGIME_GATE_CONFIG } from '../../../src/domain/regime-gate.js';
import { emptyRiskState, type RiskState } from '../../../src/domain/tick-risk.js';

const evaluation = (symbol: string, action: CoinEvaluation['action'], price = 100, score = action === 'buy' ? 0.3 : action === 'sell' ? -0.3 : 0): CoinEvaluation => ({
  symbol,
  candleTs: 0,
  price,
  score,
  action,
  volatility: 0.01,
  regime: 'ranging',
  indicators: { rsi: 40, maFast: 1, maSlow: 1, macd: 0, macdSignal: 0, macdHistogram: 0 },
});
const ok = (e: CoinEvaluation): CoinOutcome => ({ ok: true, evaluation: e });
const failed = (symbol: string): CoinOutcome => ({ ok: false, symbol, errorType: 'InvalidMarketData', message: 'no candle' });
const holding = (symbol: string, quantity: string): PortfolioSnapshot => ({
  ...emptyPortfolio('USDT', '10000'),
  positions: { [symbol]: { symbol, quantity, averagePrice: '100', openedTick: 1 } },
});
const config = { signal: DEFAULT_SIGNAL_CONFIG, risk: DEFAULT_RISK_CONFIG };
const state = (over: Partial<DecisionState> = {}): DecisionState => ({ tickNo: 4, portfolio: emptyPortfolio('USDT', '10000'), coinHealth: {}, cooldowns: {}, ...over });

describe('tickUniverse', () => {
  it('keeps held coins in the universe and skips coins whose circuit is open', () => {
    const universe = tickUniverse([{ symbol: 'ETH/USDT', last: 2 }, { symbol: 'ADA/USDT', last: 0.5 }], holding('XRP/USDT', '1'), { 'ADA/USDT': { consecutiveFailures: 3, skipUntilTick: 6, lastError: 'x' } }, 4);
    expect(universe.symbols).toEqual(['ETH/USDT', 'XRP/USDT']);
    expect(universe.skipped).toEqual(['ADA/USDT']);
    expect(universe.prices).toEqual({ 'ETH/USDT': 2, 'ADA/USDT': 0.5 });
  });

  it('reuses the previous tick\'s rules record only when the scan has the very same rules, symbol for symbol', () => {
    const eth = { amountStep: '0.001' };
    const ada = { amountStep: '1', minCost: '5' };
    const scan = (last: number, adaRules: typeof ada | null = ada) => [
      { symbol: 'ETH/USDT', last, rules: eth },
      { symbol: 'ADA/USDT', last: 0.5, ...(adaRules !== null && { rules: adaRules }) },
    ];
    const none = emptyPortfolio('USDT', '10000');
    const first = tickUniverse(scan(2), none, {}, 1);
    const second = tickUniverse(scan(3), none, {}, 2, first);
    expect(second.rules).toBe(first.rules);
    expect(second.prices).toEqual({ 'ETH/USDT': 3, 'ADA/USDT': 0.5 });
    // Other rules, a coin without rules, a coin gone or added, or a record built elsewhere: built afresh, as without it.
    const changes = [
      scan(3, { amountStep: '1', minCost: '5' }),
      scan(3, null),
      scan(3).slice(0, 1),
      [...scan(3), { symbol: 'XRP/USDT', last: 1, rules: eth }],
      [...scan(3), { symbol: 'ETH/USDT', last: 3, rules: eth }],
    ];
    for (const tickers of changes) {
      const next = tickUniverse(tickers, none, {}, 2, first);
      expect(next.rules).not.toBe(first.rules);
      expect(next.rules).toEqual(tickUniverse(tickers, none, {}, 2).rules);
    }
    expect(tickUniverse(scan(3), none, {}, 2, { rules: { 'ETH/USDT': eth, 'ADA/USDT': ada } }).rules).toEqual({ 'ETH/USDT': eth, 'ADA/USDT': ada });
  });
});

describe('decideTick', () => {
  it('buys on a buy signal and records failures in coin health, blocking the failed coin', () => {
    const decision = decideTick({
      state: state({ portfolio: holding('XRP/USDT', '1') }),
      config,
      universe: { prices: { 'BTC/USDT': 99 }, rules: {} },
      outcomes: [ok(evaluation('BTC/USDT', 'buy', 100)), failed('XRP/USDT')],
    });
    expect(decision.plan.intents.map((i) => `${i.side} ${i.symbol} @${i.price}`)).toEqual(['buy BTC/USDT @100']);
    expect(decision.failedCoins).toEqual(['XRP/USDT']);
    expect(decision.coinHealth['XRP/USDT']).toMatchObject({ consecutiveFailures: 1, lastError: 'InvalidMarketData: no candle' });
    expect(decision.prices['BTC/USDT']).toBe(100); // the evaluation's price wins over the scan's
  });

  it('does not sell a coin in doubt, and a success clears the coin\'s failure record', () => {
    const decision = decideTick({
      state: state({ portfolio: holding('XRP/USDT', '1'), inDoubt: ['XRP/USDT'], coinHealth: { 'XRP/USDT': { consecutiveFailures: 2, skipUntilTick: 0, lastError: 'x' } } }),
      config,
      universe: { prices: {}, rules: {} },
      outcomes: [ok(evaluation('XRP/USDT', 'sell'))],
    });
    expect(decision.plan.intents).toEqual([]);
    expect(decision.plan.skipped).toEqual([{ symbol: 'XRP/USDT', side: 'sell', reason: 'blocked this tick' }]);
    expect(decision.coinHealth).toEqual({});
  });

  it('applies a fresh AI veto and expires old verdicts without touching the state it was given', () => {
    const verdicts = {
      'BTC/USDT': { action: 'hold' as const, confidence: 0.9, riskFlags: [], askedAtTick: 5 },
      'ETH/USDT': { action: 'buy' as const, confidence: 0.9, riskFlags: [], askedAtTick: 1 },
    };
    const given = state({ aiVerdicts: verdicts, aiPending: { 'SOL/USDT': 1 } });
    const decision = decideTick({
      state: given,
      config: { ...config, ai: { ...DEFAULT_AI_CONFIG, enabled: true, mode: 'veto', verdictTtlTicks: 3 } },
      universe: { prices: {}, rules: {} },
      outcomes: [ok(evaluation('BTC/USDT', 'buy'))],
    });
    expect(decision.plan.intents).toEqual([]);
    expect(decision.aiChanged).toEqual([{ symbol: 'BTC/USDT', from: 'buy', to: 'hold' }]);
    expect(Object.keys(decision.aiVerdicts ?? {})).toEqual(['BTC/USDT']);
    expect(decision.aiPending).toEqual({});
    expect(Object.keys(given.aiVerdicts ?? {})).toEqual(['BTC/USDT', 'ETH/USDT']);
  });
});

describe('decideTick with the risk layer', () => {
  const twoHeld = (): PortfolioSnapshot => ({
    ...emptyPortfolio('USDT', '10000'),
    positions: {
      'AAA/USDT': { symbol: 'AAA/USDT', quantity: '2', averagePrice: '100', openedTick: 1 },
      'BBB/USDT': { symbol: 'BBB/USDT', quantity: '3', averagePrice: '100', openedTick: 1 },
    },
  });
  const withCandle = (e: CoinEvaluation, candle: NonNullable<CoinEvaluation['candle']>): CoinEvaluation => ({ ...e, candle });

  it('exit sells come first, and their coin gets no signal order of its own', () => {
    const exits = { ...DEFAULT_EXIT_CONFIG, stopLossFraction: 0.05 };
    const risk: RiskState = { ...emptyRiskState(), exits: { 'AAA/USDT': openPositionExit(100, 1, null, exits) } };
    const decision = decideTick({
      state: state({ portfolio: twoHeld(), risk }),
      config: { ...config, exits },
      universe: { prices: {}, rules: {} },
      // CCC buys, BBB's signal sells, AAA's signal also says sell but its stop (95) was crossed: one sell, the stop's.
      outcomes: [ok(evaluation('CCC/USDT', 'buy', 50)), ok(evaluation('BBB/USDT', 'sell', 101)), ok(withCandle(evaluation('AAA/USDT', 'sell', 96), { open: 99, high: 99, low: 94 }))],
    });
    expect(decision.plan.intents.map((i) => `${i.side} ${i.symbol} ${i.reason.split(':')[0]}`)).toEqual(['sell AAA/USDT stop_loss', 'sell BBB/USDT score -0.30 (rsi 40.0, ma fast = slow, macd hist 0)', 'buy CCC/USDT score 0.30 (rsi 40.0, ma fast = slow, macd hist 0)']);
    expect(decision.plan.intents[0]).toMatchObject({ amount: '2', triggerPrice: 95 });
    expect(decision.plan.skipped).toEqual([]);

    // planOrders itself: a coin the risk layer sells is neither sold again nor bought on its signal.
    const plan = planOrders({
      portfolio: emptyPortfolio('USDT', '10000'),
      evaluations: [evaluation('DDD/USDT', 'buy', 10), evaluation('CCC/USDT', 'buy', 50)],
      prices: {},
      risk: DEFAULT_RISK_CONFIG,
      cooldowns: {},
      tickNo: 4,
      blockedSymbols: [],
      riskSells: [{ symbol: 'DDD/USDT', side: 'sell', type: 'market', amount: '1', price: '10', reason: 'time_limit: held 48 candles' }],
    });
    expect(plan.intents.map((i) => `${i.side} ${i.symbol}`)).toEqual(['sell DDD/USDT', 'buy CCC/USDT']);
  });

  it('a halt sells every held coin first and refuses every buy', () => {
    const decision = decideTick({
      state: state({ portfolio: twoHeld(), risk: { ...emptyRiskState(), halt: 'drawdown 25.0% ≥ hard limit 25%' } }),
      config: { ...config, guards: { maxDrawdown: { fraction: 0.1, windowCandles: 24, blockCandles: 4, hardLimitFraction: 0.25 }, stopLossGuard: null, lowProfitPairs: null } },
      universe: { prices: {}, rules: {} },
      outcomes: [ok(evaluation('AAA/USDT', 'hold', 90)), ok(evaluation('BBB/USDT', 'buy', 80)), ok(evaluation('CCC/USDT', 'buy', 50))],
    });
    expect(decision.plan.intents.map((i) => `${i.side} ${i.symbol} @${i.price}: ${i.reason}`)).toEqual([
      'sell AAA/USDT @90: drawdown_guard: drawdown 25.0% ≥ hard limit 25%',
      'sell BBB/USDT @80: drawdown_guard: drawdown 25.0% ≥ hard limit 25%',
    ]);
    expect(decision.plan.skipped).toEqual([{ symbol: 'CCC/USDT', side: 'buy', reason: 'halted: drawdown 25.0% ≥ hard limit 25%' }]);
  });

  it('sizing.mode "risk" buys less over a wide stop than the fixed fraction, and says how it sized the buy', () => {
    // Equity 10000; the fixed fraction would spend 50% (5000, 50 coins at 100). Risking 1% (100) over a 20% stop: 500.
    const wide = { ...config, risk: { ...DEFAULT_RISK_CONFIG, maxPositionFraction: 0.5 }, exits: { ...DEFAULT_EXIT_CONFIG, stopLossFraction: 0.2 } };
    const buyOf = (over: Partial<DecideTickInput['config']>, withRiskState = true) =>
      decideTick({ state: state(withRiskState ? { risk: emptyRiskState() } : {}), config: { ...wide, ...over }, universe: { prices: {}, rules: {} }, outcomes: [ok(evaluation('BTC/USDT', 'buy', 100))] }).plan.intents[0]!;
    const riskSized = buyOf({ sizing: { mode: 'risk', riskPerTradeFraction: 0.01 } });
    expect(riskSized.amount).toBe('5.00000000');
    expect(riskSized.reason).toBe('score 0.30 (rsi 40.0, ma fast = slow, macd hist 0); size risk 1% of equity over a 20% stop (80)');
    const fixed = buyOf({});
    expect(fixed).toMatchObject({ amount: '50.00000000', reason: 'score 0.30 (rsi 40.0, ma fast = slow, macd hist 0)' });
    // A 1% stop would risk-size 10000: the cap (50%) binds.
    expect(buyOf({ sizing: { mode: 'risk', riskPerTradeFraction: 0.01 }, exits: { ...DEFAULT_EXIT_CONFIG, stopLossFraction: 0.01 } }).amount).toBe('50.00000000');
    // Without the risk state the sections are not read at all.
    expect(buyOf({ sizing: { mode: 'risk', riskPerTradeFraction: 0.01 } }, false)).toEqual(fixed);
  });

  it('without state.risk the plan is exactly planOrders\' without the risk inputs, whatever the sections say', () => {
    const portfolio: PortfolioSnapshot = {
      ...emptyPortfolio('USDT', '5000'),
      positions: {
        'AAA/USDT': { symbol: 'AAA/USDT', quantity: '2.345', averagePrice: '100', openedTick: 1 },
        'BBB/USDT': { symbol: 'BBB/USDT', quantity: '3', averagePrice: '100', openedTick: 1 },
        'DST/USDT': { symbol: 'DST/USDT', quantity: '0.4', averagePrice: '7', openedTick: 1 },
        'XRP/USDT': { symbol: 'XRP/USDT', quantity: '10', averagePrice: '1', openedTick: 1 },
      },
    };
    const rules = { 'AAA/USDT': { amountStep: '0.01', minAmount: '0.01' }, 'DST/USDT': { amountStep: '1', minAmount: '1' }, 'ETH/USDT': { amountStep: '0.001', minCost: '10' } };
    const evaluations = [
      withCandle(evaluation('AAA/USDT', 'sell', 60), { open: 70, high: 71, low: 55 }),
      withCandle(evaluation('BBB/USDT', 'hold', 50), { open: 60, high: 61, low: 40 }),
      evaluation('CCC/USDT', 'buy', 20, 0.5),
      evaluation('DST/USDT', 'buy', 8, 0.2),
      { ...evaluation('ETH/USDT', 'buy', 2000, 0.4), regime: 'trending_down' as const },
      evaluation('SOL/USDT', 'buy', 30, 0.35),
    ];
    const layer = {
      exits: { ...DEFAULT_EXIT_CONFIG, stopLossFraction: 0.1, trailingStop: { fraction: 0.05, activationFraction: 0 } },
      guards: { maxDrawdown: { fraction: 0.01, windowCandles: 5, blockCandles: 5, hardLimitFraction: 0.02 }, stopLossGuard: null, lowProfitPairs: null },
      sizing: { mode: 'risk' as const, riskPerTradeFraction: 0.001 },
      regimeGate: { ...DEFAULT_REGIME_GATE_CONFIG, enabled: true },
    };
    const given = state({ tickNo: 9, portfolio, cooldowns: { 'SOL/USDT': 11 }, inDoubt: ['BBB/USDT'] });
    const decision = decideTick({ state: given, config: { ...config, ...layer }, universe: { prices: { 'XRP/USDT': 1.5 }, rules }, outcomes: [...evaluations.map(ok), failed('XRP/USDT')] });
    const plain = planOrders({ portfolio, evaluations, prices: { 'XRP/USDT': 1.5, ...Object.fromEntries(evaluations.map((e) => [e.symbol, e.price])) }, rules, risk: DEFAULT_RISK_CONFIG, cooldowns: given.cooldowns, tickNo: 9, blockedSymbols: ['XRP/USDT', 'BBB/USDT'] });
    expect(decision.plan).toEqual(plain);
    expect(plain.intents.map((i) => `${i.side} ${i.symbol}`)).toEqual(['sell AAA/USDT', 'buy CCC/USDT', 'buy ETH/USDT', 'buy DST/USDT']);
    expect(decideTick({ state: given, config, universe: { prices: { 'XRP/USDT': 1.5 }, rules }, outcomes: [...evaluations.map(ok), failed('XRP/USDT')] }).plan).toEqual(plain);
    // The same sections with a risk state do change the plan (the comparison above can fail).
    expect(decideTick({ state: { ...given, risk: emptyRiskState() }, config: { ...config, ...layer }, universe: { prices: { 'XRP/USDT': 1.5 }, rules }, outcomes: [...evaluations.map(ok), failed('XRP/USDT')] }).plan).not.toEqual(plain);
    // With an empty risk state and every section at its default (all off) the new path plans the same orders too.
    expect(decideTick({ state: { ...given, risk: emptyRiskState() }, config, universe: { prices: { 'XRP/USDT': 1.5 }, rules }, outcomes: [...evaluations.map(ok), failed('XRP/USDT')] }).plan).toEqual(plain);
  });
});
