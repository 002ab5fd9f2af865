import { describe, expect, it } from 'vitest';
import { DEFAULT_AI_CONFIG } from '../../../src/domain/ai-policy.js';
import { DEFAULT_RISK_CONFIG } from '../../../src/domain/cycle-config.js';
import { emptyPortfolio } from '../../../src/domain/portfolio-types.js';
import type { PortfolioSnapshot } from '../../../src/domain/portfolio-types.js';
import { DEFAULT_SIGNAL_CONFIG } from '../../../src/domain/signal-types.js';
import type { CoinEvaluation } from '../../../src/domain/signal-types.js';
import { decideTick, tickUniverse } from '../../../src/domain/tick-decision.js';
import type { CoinOutcome, DecisionState } from '../../../src/domain/tick-decision.js';

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
