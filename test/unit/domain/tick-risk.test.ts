import { describe, expect, it } from 'vitest';
import { DEFAULT_EXIT_CONFIG, openPositionExit, type ExitConfig } from '../../../src/domain/exits.js';
import { GUARD_SECTION_DEFAULTS, emptyGuardState, updateGuards, type GuardConfig } from '../../../src/domain/guards.js';
import type { MarketOrderRules } from '../../../src/domain/market-rules.js';
import type { OrderState } from '../../../src/domain/market-types.js';
import type { PortfolioSnapshot, Position } from '../../../src/domain/portfolio-types.js';
import { DEFAULT_REGIME_GATE_CONFIG } from '../../../src/domain/regime-gate.js';
import { DEFAULT_RISK_LAYER, type RiskLayerConfig } from '../../../src/domain/risk-layer-config.js';
import type { CandleRange, CoinEvaluation, Regime } from '../../../src/domain/signal-types.js';
import { buyPolicyOf, emptyRiskState, exitIntents, nextRiskState, type NextRiskStateInput, type RiskState } from '../../../src/domain/tick-risk.js';

const OFF_GUARDS: GuardConfig = { maxDrawdown: null, stopLossGuard: null, lowProfitPairs: null };

function layer(over: { exits?: Partial<ExitConfig>; guards?: Partial<GuardConfig>; regimeGate?: Partial<RiskLayerConfig['regimeGate']> } = {}): RiskLayerConfig {
  return {
    ...DEFAULT_RISK_LAYER,
    exits: { ...DEFAULT_EXIT_CONFIG, ...over.exits },
    guards: { ...OFF_GUARDS, ...over.guards },
    regimeGate: { ...DEFAULT_REGIME_GATE_CONFIG, ...over.regimeGate },
  };
}

function evaluation(symbol: string, price: number, extra: { candle?: CandleRange; regime?: Regime; atr?: number } = {}): CoinEvaluation {
  return {
    symbol,
    candleTs: 0,
    price,
    score: 0,
    action: 'hold',
    volatility: 0.01,
    regime: extra.regime ?? 'ranging',
    indicators: { rsi: 50, maFast: 1, maSlow: 1, macd: 0, macdSignal: 0, macdHistogram: 0 },
    ...(extra.candle !== undefined && { candle: extra.candle }),
    ...(extra.atr !== undefined && { atr: extra.atr }),
  };
}

function portfolio(positions: Array<[symbol: string, quantity: string, averagePrice: string]>, cash = '1000'): PortfolioSnapshot {
  const held: Record<string, Position> = {};
  for (const [symbol, quantity, averagePrice] of positions) held[symbol] = { symbol, quantity, averagePrice, openedTick: 0 };
  return { quote: 'USDT', cash, positions: held, realizedPnl: '0' };
}

function filled(symbol: string, side: 'buy' | 'sell', averagePrice: string, id = `${side}-${symbol}`): OrderState {
  return { clientOrderId: id, exchangeOrderId: `x-${id}`, symbol, side, type: 'market', status: 'closed', amount: '1', filled: '1', averagePrice, feeQuote: '0', createdAtMs: 0 };
}

const STEP: Record<string, MarketOrderRules> = { 'AAA/USDT': { amountStep: '0.01', minAmount: '0.01' } };
const stop5 = layer({ exits: { stopLossFraction: 0.05 } });
/** AAA bought at 100 on tick 3: the 5% stop sits at 95. */
const stopAt95 = (): RiskState => ({ ...emptyRiskState(), exits: { 'AAA/USDT': openPositionExit(100, 3, null, stop5.exits) } });
const heldAaa = portfolio([['AAA/USDT', '1.23456', '100']]);

function exitsAt(tickNo: number, e: CoinEvaluation, over: { state?: RiskState; config?: RiskLayerConfig; blocked?: string[]; rules?: Record<string, MarketOrderRules>; portfolio?: PortfolioSnapshot } = {}) {
  return exitIntents({
    portfolio: over.portfolio ?? heldAaa,
    evaluations: [e],
    rules: over.rules ?? STEP,
    state: over.state ?? stopAt95(),
    config: over.config ?? stop5,
    tickNo,
    blocked: new Set(over.blocked ?? []),
  });
}

describe('exitIntents', () => {
  it('sells the whole position (on the amount step) once, at the stop, when the candle low crosses it', () => {
    const intents = exitsAt(4, evaluation('AAA/USDT', 96, { candle: { open: 99, high: 100, low: 94 } }));
    expect(intents).toHaveLength(1);
    expect(intents[0]).toMatchObject({ symbol: 'AAA/USDT', side: 'sell', type: 'market', amount: '1.23', price: '95', triggerPrice: 95 });
    expect(intents[0]!.reason).toMatch(/^stop_loss: low 94 ≤ stop 95 \(entry 100, -5%\)$/);
  });

  it('a gap down through the stop triggers at the open', () => {
    const [intent] = exitsAt(4, evaluation('AAA/USDT', 91, { candle: { open: 90, high: 92, low: 88 } }));
    expect(intent).toMatchObject({ triggerPrice: 90, price: '90' });
    expect(intent!.reason).toMatch(/^stop_loss: open 90 ≤ stop 95/);
  });

  it('no exit on the entry tick, for a blocked coin, for dust, or with the candle above the stop', () => {
    const crossing = evaluation('AAA/USDT', 91, { candle: { open: 90, high: 92, low: 88 } });
    expect(exitsAt(3, crossing)).toEqual([]);
    expect(exitsAt(4, crossing, { blocked: ['AAA/USDT'] })).toEqual([]);
    // 1.23456 held where the market's minimum amount is 2: dust, nothing can sell it.
    expect(exitsAt(4, crossing, { rules: { 'AAA/USDT': { amountStep: '0.01', minAmount: '2' } } })).toEqual([]);
    expect(exitsAt(4, evaluation('AAA/USDT', 97, { candle: { open: 98, high: 99, low: 95.01 } }))).toEqual([]);
  });

  it('exits off and no halt: no intents, whatever the candle', () => {
    const crash = evaluation('AAA/USDT', 10, { candle: { open: 10, high: 11, low: 5 } });
    expect(exitsAt(4, crash, { config: layer() })).toEqual([]);
  });

  it('with a halt, every held non-dust coin is sold at its price with reason "drawdown_guard: ...", without a trigger price', () => {
    const halt = 'drawdown 31.0% ≥ hard limit 30% over 168 candles: sell everything and pause';
    const state: RiskState = { ...emptyRiskState(), halt };
    const held = portfolio([
      ['AAA/USDT', '1.23456', '100'],
      ['BBB/USDT', '3', '20'],
      ['DST/USDT', '0.5', '4'],
    ]);
    const intents = exitIntents({
      portfolio: held,
      // BBB has no candle and no exit state, DST is dust, NEW is not held: only AAA and BBB are sold.
      evaluations: [evaluation('AAA/USDT', 101, { candle: { open: 100, high: 102, low: 99 } }), evaluation('BBB/USDT', 21), evaluation('DST/USDT', 4), evaluation('NEW/USDT', 1)],
      rules: { ...STEP, 'DST/USDT': { amountStep: '1', minAmount: '1' } },
      state,
      config: layer(),
      tickNo: 9,
      blocked: new Set(),
    });
    expect(intents).toEqual([
      { symbol: 'AAA/USDT', side: 'sell', type: 'market', amount: '1.23', price: '101', reason: `drawdown_guard: ${halt}` },
      { symbol: 'BBB/USDT', side: 'sell', type: 'market', amount: '3', price: '21', reason: `drawdown_guard: ${halt}` },
    ]);
    expect(intents.some((intent) => 'triggerPrice' in intent)).toBe(false);
  });
});

describe('buyPolicyOf', () => {
  it('refuses a pair a guard locked ("locked: ..."), and every pair under a halt', () => {
    const guards: GuardConfig = { ...OFF_GUARDS, stopLossGuard: { ...GUARD_SECTION_DEFAULTS.stopLossGuard, stops: 1, perPair: true } };
    const locked = updateGuards(emptyGuardState(), { tickNo: 4, equity: 1000, stopExits: ['AAA/USDT'], closedTrades: [] }, guards).state;
    const policy = buyPolicyOf({ ...emptyRiskState(), guards: locked }, layer({ guards }), 5);
    expect(policy(evaluation('AAA/USDT', 100)).refused).toMatch(/^locked: 1 stop exits of AAA\/USDT ≥ 1 within 24 candles: no buys of AAA\/USDT until tick 17$/);
    expect(policy(evaluation('BBB/USDT', 100)).refused).toBeNull();
    const halted = buyPolicyOf({ ...emptyRiskState(), halt: 'drawdown 31%' }, layer(), 5)(evaluation('BBB/USDT', 100));
    expect(halted).toMatchObject({ refused: 'halted: drawdown 31%', sizeFactor: 0 });
  });

  it('regime gate: a falling coin is refused, a falling market halves the buy', () => {
    const gate = layer({ regimeGate: { enabled: true } });
    expect(buyPolicyOf(emptyRiskState(), gate, 5)(evaluation('AAA/USDT', 100, { regime: 'trending_down' })).refused).toBe('coin regime trending_down: buys blocked');
    const falling: RiskState = { ...emptyRiskState(), marketRegime: { regime: 'trending_down', candidate: null, streak: 0 } };
    expect(buyPolicyOf(falling, gate, 5)(evaluation('AAA/USDT', 100))).toEqual({ refused: null, sizeFactor: 0.5, stopPrice: null, note: 'market regime trending_down: buy size halved' });
    // The same market with the gate off: no say at all.
    expect(buyPolicyOf(falling, layer(), 5)(evaluation('AAA/USDT', 100))).toEqual({ refused: null, sizeFactor: 1, stopPrice: null, note: null });
  });

  it('stopPrice follows the exits: the fraction, an ATR stop from evaluation.atr, the regime stop factor', () => {
    const at = (config: RiskLayerConfig, e: CoinEvaluation) => buyPolicyOf(emptyRiskState(), config, 5)(e).stopPrice;
    const fraction = layer({ exits: { stopLossFraction: 0.1 } });
    expect(at(fraction, evaluation('AAA/USDT', 200))).toBe(180);
    const atr = layer({ exits: { stopLossFraction: 0.1, stopLossAtr: { multiple: 2, period: 14 } } });
    expect(at(atr, evaluation('AAA/USDT', 200, { atr: 5 }))).toBe(190);
    expect(at(atr, evaluation('AAA/USDT', 200))).toBe(180); // no ATR measured: the fraction
    // volatile coins get 1.5x the stop distance by default once the gate is on: 200 - 20 x 1.5.
    const widened = layer({ exits: { stopLossFraction: 0.1 }, regimeGate: { enabled: true } });
    expect(at(widened, evaluation('AAA/USDT', 200, { regime: 'volatile' }))).toBe(170);
    expect(at(layer(), evaluation('AAA/USDT', 200))).toBeNull();
  });
});

describe('nextRiskState', () => {
  const input = (over: Partial<NextRiskStateInput>): NextRiskStateInput => ({
    state: emptyRiskState(),
    config: stop5,
    tickNo: 7,
    quote: 'USDT',
    portfolioBefore: portfolio([]),
    portfolioAfter: portfolio([]),
    filled: [],
    reasons: new Map(),
    evaluations: [],
    equity: 1000,
    ...over,
  });

  it('a buy opens an exit state at the tick, from the position\'s average price; a sell that closes the coin drops it', () => {
    const bought = nextRiskState(input({ portfolioAfter: portfolio([['AAA/USDT', '2', '101']]), filled: [filled('AAA/USDT', 'buy', '101')], evaluations: [evaluation('AAA/USDT', 101)] }));
    expect(bought.state.exits).toEqual({ 'AAA/USDT': { entryPrice: 101, entryTick: 7, highest: 101, stopPrice: 101 * (1 - 0.05) } });
    const closed = nextRiskState(input({
      state: bought.state,
      tickNo: 8,
      portfolioBefore: portfolio([['AAA/USDT', '2', '101']]),
      portfolioAfter: portfolio([]),
      filled: [filled('AAA/USDT', 'sell', '99')],
      reasons: new Map([['sell-AAA/USDT', 'score -0.30 (rsi 70.0, ma fast < slow, macd hist < 0)']]),
    }));
    expect(closed.state.exits).toEqual({});
  });

  it('dust a sell leaves gets no exit state on later ticks, so buying the coin again opens a fresh one', () => {
    const trailing = layer({ exits: { trailingStop: { fraction: 0.05, activationFraction: 0.02 } } });
    const dust = portfolio([['AAA/USDT', '0.004', '100']]);
    const rules = STEP;
    // Tick 7 sold AAA down to 0.004, below the 0.01 step: dust.
    const afterSell = nextRiskState(input({ config: trailing, state: stopAt95(), portfolioBefore: heldAaa, portfolioAfter: dust, filled: [filled('AAA/USDT', 'sell', '99')], rules }));
    expect(afterSell.state.exits).toEqual({});
    // Ticks 8 and 9 are quiet while the price runs to 150: the dust is not protected, and no high is remembered for it.
    let state = afterSell.state;
    for (const tickNo of [8, 9]) {
      state = nextRiskState(input({ config: trailing, state, tickNo, portfolioBefore: dust, portfolioAfter: dust, evaluations: [evaluation('AAA/USDT', 140, { candle: { open: 120, high: 150, low: 119 } })], rules })).state;
    }
    expect(state.exits).toEqual({});
    // Tick 20 buys AAA again at 100: a new position, entered now, not one trailing a high of 150 since tick 8.
    const rebought = portfolio([['AAA/USDT', '2.004', '100']]);
    const step = nextRiskState(input({ config: trailing, state, tickNo: 20, portfolioBefore: dust, portfolioAfter: rebought, filled: [filled('AAA/USDT', 'buy', '100')], evaluations: [evaluation('AAA/USDT', 100)], rules }));
    expect(step.state.exits).toEqual({ 'AAA/USDT': { entryPrice: 100, entryTick: 20, highest: 100, stopPrice: null } });
  });

  it('a kept position\'s highest takes the candle\'s high (never lower)', () => {
    const state: RiskState = { ...emptyRiskState(), exits: { 'AAA/USDT': { entryPrice: 100, entryTick: 3, highest: 105, stopPrice: 95 } } };
    const held = portfolio([['AAA/USDT', '1', '100']]);
    const up = nextRiskState(input({ state, portfolioBefore: held, portfolioAfter: held, evaluations: [evaluation('AAA/USDT', 108, { candle: { open: 104, high: 110, low: 103 } })] }));
    expect(up.state.exits['AAA/USDT']).toEqual({ entryPrice: 100, entryTick: 3, highest: 110, stopPrice: 95 });
    const down = nextRiskState(input({ state, portfolioBefore: held, portfolioAfter: held, evaluations: [evaluation('AAA/USDT', 101, { candle: { open: 103, high: 104, low: 100 } })] }));
    expect(down.state.exits['AAA/USDT']).toEqual(state.exits['AAA/USDT']);
  });

  it('a filled stop_loss or trailing_stop sell counts as a stop exit: stopLossGuard with stops 1 locks buys from the next tick', () => {
    const guards: GuardConfig = { ...OFF_GUARDS, stopLossGuard: { stops: 1, windowCandles: 10, lockCandles: 3, perPair: false } };
    const config = layer({ exits: { stopLossFraction: 0.05 }, guards });
    const sold = (reason: string) =>
      nextRiskState(input({
        config,
        state: stopAt95(),
        portfolioBefore: heldAaa,
        portfolioAfter: portfolio([]),
        filled: [filled('AAA/USDT', 'sell', '94.95')],
        reasons: new Map([['sell-AAA/USDT', reason]]),
      }));
    for (const reason of ['stop_loss: low 94 ≤ stop 95 (entry 100, -5%)', 'trailing_stop: low 94 ≤ trailing stop 95 (high 110, entry 100, -5%)']) {
      const step = sold(reason);
      expect(step.newLocks).toEqual([{ guard: 'stoploss_guard', symbol: null, reason: '1 stop exits ≥ 1 within 10 candles: no new buys until tick 11', fromTick: 7, untilTick: 11 }]);
      expect(buyPolicyOf(step.state, config, 8)(evaluation('BBB/USDT', 5)).refused).toBe('locked: 1 stop exits ≥ 1 within 10 candles: no new buys until tick 11');
      expect(buyPolicyOf(step.state, config, 11)(evaluation('BBB/USDT', 5)).refused).toBeNull();
    }
    // A signal's sell, a take-profit or a halt's sell is no stop.
    for (const reason of ['score -0.30 (rsi 70.0, ma fast < slow, macd hist < 0)', 'take_profit: high 121 ≥ take-profit 120 (entry 100, +20%)', 'drawdown_guard: drawdown 30%']) {
      expect(sold(reason).newLocks).toEqual([]);
    }
  });

  it('a drawdown past guards.maxDrawdown.hardLimitFraction sets the halt (and places the drawdown lock)', () => {
    const guards: GuardConfig = { ...OFF_GUARDS, maxDrawdown: { fraction: 0.1, windowCandles: 10, blockCandles: 2, hardLimitFraction: 0.2 } };
    const config = layer({ guards });
    const first = nextRiskState(input({ config, tickNo: 0, equity: 1000 }));
    expect(first.state.halt).toBeNull();
    const soft = nextRiskState(input({ config, state: first.state, tickNo: 1, equity: 850 }));
    expect(soft).toMatchObject({ hardStop: null, state: { halt: null }, newLocks: [{ guard: 'max_drawdown', symbol: null, untilTick: 4 }] });
    const hard = nextRiskState(input({ config, state: first.state, tickNo: 1, equity: 790 }));
    expect(hard.hardStop).toBe('drawdown 21.0% ≥ hard limit 20% over 10 candles: sell everything and pause');
    expect(hard.state.halt).toBe(hard.hardStop);
    expect(hard.newLocks.map((l) => l.guard)).toEqual(['max_drawdown']);
    // The halt stays once set, even when equity recovers.
    expect(nextRiskState(input({ config, state: hard.state, tickNo: 2, equity: 1000 })).state.halt).toBe(hard.hardStop);
  });
});
