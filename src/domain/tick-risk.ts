import { exitCategory } from './backtest-trades.js';
import { decimalString, fromNumber, isPositiveDecimal } from './decimal-math.js';
import { checkExit, exitOrderReason, exitsEnabled, nextPositionExit, openPositionExit, addToPositionExit, type PositionExit } from './exits.js';
import { buyLock, emptyGuardState, updateGuards, type GuardState, type Lock } from './guards.js';
import { dustReason, formatAmount, roundAmountDown, type MarketOrderRules } from './market-rules.js';
import type { OrderIntent, OrderState } from './market-types.js';
import type { PortfolioSnapshot } from './portfolio-types.js';
import { INITIAL_MARKET_REGIME, buyGate, leaderOf, nextMarketRegime, regimeStopFactor, type MarketRegimeState } from './regime-gate.js';
import type { RiskLayerConfig } from './risk-layer-config.js';
import type { CoinEvaluation } from './signal-types.js';
import type { CorrelationSnapshot } from './correlation-snapshot.js';

/*
 * The risk layer in a tick (issue 11), as pure functions the market cycle and the backtester both call: exits and
 * the drawdown halt decide sells before planning (exitIntents), guards and regime gates shape each buy (buyPolicyOf,
 * used by planOrders), and after the tick's fills the exit states, guards and market regime move on (nextRiskState).
 * Sandbox-safe: no I/O, no clock.
 */

/** What the cycle carries for the risk layer from tick to tick (JSON, bounded by the held coins and guard windows). */
export interface RiskState {
  /** Per held coin: its entry, highest price since and fixed stop (exits.ts). */
  exits: Record<string, PositionExit>;
  guards: GuardState;
  marketRegime: MarketRegimeState;
  /** Set when the drawdown guard's hard limit was reached: everything is sold and nothing bought until it is cleared. */
  halt: string | null;
  /** The correlation gate's latest measurement (correlation.enabled); the cycle measures before deciding when due. */
  correlation?: CorrelationSnapshot;
}

export function emptyRiskState(): RiskState {
  return { exits: {}, guards: emptyGuardState(), marketRegime: INITIAL_MARKET_REGIME, halt: null };
}

/** Every order reason's category word for a drawdown halt's sells ("drawdown_guard: ..."). */
export const HALT_REASON = 'drawdown_guard';

interface ExitIntentsInput {
  portfolio: PortfolioSnapshot;
  evaluations: readonly CoinEvaluation[];
  rules: Readonly<Record<string, MarketOrderRules>>;
  state: RiskState;
  config: RiskLayerConfig;
  /** Ticks completed before this one. */
  tickNo: number;
  /** Coins that get no order this tick (failed, in doubt). */
  blocked: ReadonlySet<string>;
}

/**
 * The sells the risk layer decides before planning: after a drawdown halt, every held coin at market; otherwise each
 * held coin whose exit (stop, trailing stop, take-profit, time limit) the evaluated candle triggered, with the price
 * the candle reached it at (OrderIntent.triggerPrice). The whole position, on the market's amount step; dust is left.
 */
export function exitIntents(input: ExitIntentsInput): OrderIntent[] {
  const { portfolio, state, config, tickNo } = input;
  const halted = state.halt !== null;
  if (!halted && !exitsEnabled(config.exits)) return [];
  const intents: OrderIntent[] = [];
  for (const evaluation of input.evaluations) {
    const position = portfolio.positions[evaluation.symbol];
    if (position === undefined || input.blocked.has(evaluation.symbol) || !isPositiveDecimal(position.quantity)) continue;
    const rules = input.rules[evaluation.symbol];
    if (dustReason(position.quantity, evaluation.price, rules) !== null) continue;
    let reason: string;
    let triggerPrice: number | undefined;
    if (halted) {
      reason = `${HALT_REASON}: ${state.halt}`;
    } else {
      const exit = state.exits[evaluation.symbol];
      const candle = evaluation.candle;
      if (exit === undefined || candle === undefined) continue;
      const trigger = checkExit(exit, { ...candle, close: evaluation.price }, config.exits, tickNo, regimeStopFactor(evaluation.regime, config.regimeGate));
      if (trigger === null) continue;
      reason = exitOrderReason(trigger);
      triggerPrice = trigger.price;
    }
    const amount = rules?.amountStep === undefined ? position.quantity : formatAmount(roundAmountDown(position.quantity, rules), rules);
    const price = triggerPrice ?? evaluation.price;
    intents.push({ symbol: evaluation.symbol, side: 'sell', type: 'market', amount, price: decimalString(fromNumber(price)), reason, ...(triggerPrice !== undefined && { triggerPrice }) });
  }
  return intents;
}

/** What the risk layer says about one buy candidate: refused (with why), or its size factor and would-be stop. */
export interface BuyPolicy {
  refused: string | null;
  /** Regime gate: 1, 0.5 ... (a refusal is 0). */
  sizeFactor: number;
  /** Where the new position's fixed stop would sit at this price (risk sizing divides by its distance). */
  stopPrice: number | null;
  /** Why the size is below 1, for the order's reason. */
  note: string | null;
}

/** The per-candidate policy planOrders applies: halt, guard locks, regime gates, and the stop risk sizing needs. */
export function buyPolicyOf(state: RiskState, config: RiskLayerConfig, tickNo: number): (evaluation: CoinEvaluation) => BuyPolicy {
  return (evaluation) => {
    if (state.halt !== null) return { refused: `halted: ${state.halt}`, sizeFactor: 0, stopPrice: null, note: null };
    const lock: Lock | null = buyLock(state.guards, evaluation.symbol, tickNo);
    if (lock !== null) return { refused: `locked: ${lock.reason}`, sizeFactor: 0, stopPrice: null, note: null };
    const gate = buyGate(state.marketRegime.regime, evaluation.regime, config.regimeGate);
    if (gate.sizeFactor <= 0) return { refused: gate.reason ?? 'regime gate', sizeFactor: 0, stopPrice: null, note: null };
    const stopPrice = wouldBeStop(evaluation, config, tickNo);
    return { refused: null, sizeFactor: gate.sizeFactor, stopPrice, note: gate.reason };
  };
}

function wouldBeStop(evaluation: CoinEvaluation, config: RiskLayerConfig, tickNo: number): number | null {
  if (!(evaluation.price > 0 && Number.isFinite(evaluation.price))) return null;
  const stop = openPositionExit(evaluation.price, tickNo, evaluation.atr ?? null, config.exits).stopPrice;
  if (stop === null) return null;
  const factor = regimeStopFactor(evaluation.regime, config.regimeGate);
  return factor === 1 ? stop : evaluation.price - (evaluation.price - stop) * factor;
}

export interface NextRiskStateInput {
  state: RiskState;
  config: RiskLayerConfig;
  /** Ticks completed before this one. */
  tickNo: number;
  quote: string;
  portfolioBefore: PortfolioSnapshot;
  portfolioAfter: PortfolioSnapshot;
  /** The tick's booked fills and, by client order id, the reasons of their intents. */
  filled: readonly OrderState[];
  reasons: ReadonlyMap<string, string>;
  evaluations: readonly CoinEvaluation[];
  /** Mark-to-market equity after the fills. */
  equity: number;
  /** The tick's order-size rules by symbol, to tell dust from a position; absent: nothing is dust (as in planOrders). */
  rules?: Readonly<Record<string, MarketOrderRules>>;
  /** See GuardTickInput.drawdownLockOncePerBreach: true for every new cycle and backtest. */
  drawdownLockOncePerBreach?: boolean;
}

export interface RiskStep {
  state: RiskState;
  newLocks: Lock[];
  /** The drawdown guard's hard limit was reached this tick: the cycle sells everything and pauses with this reason. */
  hardStop: string | null;
}

/** The risk state after a tick: exit states opened, moved and closed with the positions; guards; market regime. */
export function nextRiskState(input: NextRiskStateInput): RiskStep {
  const { state, config, tickNo, portfolioAfter } = input;
  // Evaluations by coin only when exits or regime gates read them (guards alone need none: ticks repeat this).
  const byCandle = exitsEnabled(config.exits) || config.regimeGate.enabled ? new Map(input.evaluations.map((e) => [e.symbol, e])) : new Map<string, CoinEvaluation>();
  const bought = new Set<string>();
  const sold = new Set<string>();
  const stopExits: string[] = [];
  const closedTrades: Array<{ symbol: string; profitFraction: number }> = [];
  for (const order of input.filled) {
    if (order.side === 'buy') {
      bought.add(order.symbol);
      continue;
    }
    sold.add(order.symbol);
    const category = exitCategory(input.reasons.get(order.clientOrderId) ?? '');
    if (category === 'stop_loss' || category === 'trailing_stop') stopExits.push(order.symbol);
    const entry = Number(input.portfolioBefore.positions[order.symbol]?.averagePrice);
    const price = Number(order.averagePrice);
    if (entry > 0 && price > 0) closedTrades.push({ symbol: order.symbol, profitFraction: price / entry - 1 });
  }

  const exits: Record<string, PositionExit> = {};
  if (exitsEnabled(config.exits)) {
    for (const position of Object.values(portfolioAfter.positions)) {
      const { symbol } = position;
      // What a sell leaves is dust: not protected (a later buy opens a new exit).
      if (sold.has(symbol) && !bought.has(symbol)) continue;
      const evaluation = byCandle.get(symbol);
      const previous = state.exits[symbol];
      const entryPrice = Number(position.averagePrice);
      if (!(entryPrice > 0 && Number.isFinite(entryPrice))) continue;
      if (bought.has(symbol)) {
        const atr = evaluation?.atr ?? null;
        exits[symbol] = previous === undefined ? openPositionExit(entryPrice, tickNo, atr, config.exits) : addToPositionExit(previous, entryPrice, atr, config.exits);
      } else if (previous === undefined) {
        // Dust (what a sell left) stays unprotected: opening an exit for it here would make a later buy of the coin
        // add to this one (keeping its entry tick and the highs seen while only dust was held) instead of opening afresh.
        if (dustReason(position.quantity, evaluation?.price ?? null, input.rules?.[symbol]) !== null) continue;
        // Held from before exits were switched on: protected from now, from its average entry price.
        exits[symbol] = openPositionExit(entryPrice, tickNo, evaluation?.atr ?? null, config.exits);
      } else {
        const candle = evaluation?.candle;
        exits[symbol] = candle === undefined ? previous : nextPositionExit(previous, { ...candle, close: evaluation!.price });
      }
    }
  }

  const guardStep = updateGuards(state.guards, { tickNo, equity: input.equity, stopExits, closedTrades, drawdownLockOncePerBreach: input.drawdownLockOncePerBreach ?? false }, config.guards);

  let marketRegime = state.marketRegime;
  if (config.regimeGate.enabled) {
    const leader = leaderOf(new Set(byCandle.keys()), input.quote, config.regimeGate.leader);
    marketRegime = nextMarketRegime(marketRegime, leader === null ? null : (byCandle.get(leader)?.regime ?? null), config.regimeGate.confirmCandles);
  }
  return {
    state: { exits, guards: guardStep.state, marketRegime, halt: state.halt ?? guardStep.hardStop, ...(state.correlation !== undefined && { correlation: state.correlation }) },
    newLocks: guardStep.newLocks,
    hardStop: guardStep.hardStop,
  };
}
