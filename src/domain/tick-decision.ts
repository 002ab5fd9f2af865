import type { AiConfig, HeldVerdict } from './ai-policy.js';
import { applyVerdicts, expireAiState } from './ai-policy.js';
import { FEE_RESERVE_FRACTION, planOrders } from './allocation.js';
import type { OrderPlan } from './allocation.js';
import type { CoinHealth } from './coin-health.js';
import { isCircuitOpen, nextCoinHealth } from './coin-health.js';
import type { RiskConfig } from './cycle-config.js';
import type { MarketOrderRules } from './market-rules.js';
import type { PortfolioSnapshot } from './portfolio-types.js';
import type { CoinEvaluation, SignalAction, SignalConfig } from './signal-types.js';
import { riskLayerOf, type RiskLayerConfig } from './risk-layer-config.js';
import { buyPolicyOf, exitIntents, type RiskState } from './tick-risk.js';
import { reservedCashOf, type WorkingOrder } from './working-orders.js';
import { unmeasuredCorrelation } from './correlation-snapshot.js';
import { twapReservedCash, type TwapOrder } from './twap.js';

/*
 * What a market cycle decides in a tick, as pure functions the workflow and the backtester both call: which coins
 * the tick evaluates (scan), and, once they are evaluated, coin health, AI verdicts applied and the order plan
 * (decideTick). Fills are settled by settleOrders (tick-settlement.ts). Sandbox-safe: no I/O, no clock, no randomness.
 */

/** One coin of the scan: the bulk tickers call's answer. */
export interface ScannedTicker {
  symbol: string;
  last: number;
  rules?: MarketOrderRules;
}

export interface TickUniverse {
  /** Last prices by symbol from the scan (coin evaluations overwrite them in decideTick). */
  prices: Record<string, number>;
  /** Order-size rules by symbol, where the scan had them. Read only: a later tick's universe may share it. */
  rules: Record<string, MarketOrderRules>;
  /** Coins whose circuit is open this tick: not evaluated. */
  skipped: string[];
  /** Coins evaluated this tick, sorted: the scan's coins plus every held coin (so it can be sold). */
  symbols: string[];
}

/**
 * The tick's coins: the scan's plus every held coin, minus those whose circuit is open. Given the previous tick's
 * universe, its rules record is reused when the scan's rules are the very same (a backtest's, tick after tick).
 */
export function tickUniverse(
  tickers: readonly ScannedTicker[],
  portfolio: PortfolioSnapshot,
  coinHealth: Readonly<Record<string, CoinHealth>>,
  tickNo: number,
  previous?: Pick<TickUniverse, 'rules'>,
): TickUniverse {
  const prices: Record<string, number> = {};
  for (const t of tickers) prices[t.symbol] = t.last;
  const rules = previous !== undefined && sameRules(tickers, previous.rules) ? previous.rules : rulesOf(tickers);
  const universe = sortedUnion(tickers.map((t) => t.symbol), Object.keys(portfolio.positions), prices);
  // Most ticks no coin has a health record: nothing to look up.
  const skipped = hasAnyKey(coinHealth) ? universe.filter((s) => isCircuitOpen(coinHealth[s], tickNo)) : [];
  const symbols = skipped.length === 0 ? universe : universe.filter((s) => !skipped.includes(s));
  return { prices, rules, skipped, symbols };
}

/** How many symbols each rules record built by rulesOf holds (to tell it is the scan's whole set). */
const RULES_SIZES = new WeakMap<object, number>();

function rulesOf(tickers: readonly ScannedTicker[]): Record<string, MarketOrderRules> {
  const rules: Record<string, MarketOrderRules> = {};
  let size = 0;
  for (const t of tickers) {
    if (t.rules === undefined) continue;
    if (!Object.hasOwn(rules, t.symbol)) size++;
    rules[t.symbol] = t.rules;
  }
  RULES_SIZES.set(rules, size);
  return rules;
}

/** Whether `rules` (built by rulesOf) is exactly what rulesOf(tickers) would build: the same objects by symbol. */
function sameRules(tickers: readonly ScannedTicker[], rules: Readonly<Record<string, MarketOrderRules>>): boolean {
  const size = RULES_SIZES.get(rules);
  if (size === undefined) return false;
  let withRules = 0;
  for (const t of tickers) {
    if (t.rules === undefined) {
      if (Object.hasOwn(rules, t.symbol)) return false;
    } else {
      if (rules[t.symbol] !== t.rules) return false;
      withRules++;
    }
  }
  // Every symbol of `rules` was met (a ticker listed twice is counted twice: then build afresh).
  return withRules === size;
}

function hasAnyKey(record: object): boolean {
  for (const key in record) {
    if (Object.hasOwn(record, key)) return true;
  }
  return false;
}

/**
 * The symbols of both lists, each once, sorted (code-unit order, as Array.prototype.sort). Scans usually come sorted
 * and hold every held coin: then the scan's list is the answer, found without sorting (ticks repeat this); whether a
 * held coin is scanned is read from the scan's prices, keyed by exactly the scanned symbols.
 */
function sortedUnion(scanned: string[], held: string[], scannedPrices: Readonly<Record<string, number>>): string[] {
  for (let i = 1; i < scanned.length; i++) {
    if (!(scanned[i - 1]! < scanned[i]!)) return [...new Set([...scanned, ...held])].sort();
  }
  if (held.every((symbol) => Object.hasOwn(scannedPrices, symbol))) return scanned;
  return [...new Set([...scanned, ...held])].sort();
}

/** How one coin's evaluation ended (the coin child's result, or the backtester's own evaluation). */
export type CoinOutcome = { ok: true; evaluation: CoinEvaluation } | { ok: false; symbol: string; errorType: string; message: string };

/** What decideTick reads of the cycle's state; nothing here is changed in place. */
export interface DecisionState {
  /** Ticks completed before this one. */
  tickNo: number;
  portfolio: PortfolioSnapshot;
  coinHealth: Readonly<Record<string, CoinHealth>>;
  cooldowns: Readonly<Record<string, number>>;
  /** Coins in doubt (an order of unknown fate, or what reconciliation could not explain): not traded. */
  inDoubt?: readonly string[];
  aiVerdicts?: Readonly<Record<string, HeldVerdict>>;
  aiPending?: Readonly<Record<string, number>>;
  /** The risk layer's state (tick-risk.ts); absent: no exits, guards or gates act (cycles from before it existed). */
  risk?: RiskState;
  /** Maker orders resting from earlier ticks (execution.mode maker_first): their coins get no signal order. */
  working?: readonly WorkingOrder[];
  /** TWAPs with slices still to go (execution.twap): their coins get no signal order, their buys hold cash back. */
  twaps?: readonly TwapOrder[];
}

export interface DecideTickInput {
  state: DecisionState;
  config: { signal: SignalConfig; risk: RiskConfig; ai?: AiConfig } & Partial<RiskLayerConfig>;
  universe: Pick<TickUniverse, 'prices' | 'rules'>;
  /** The tick's coin outcomes, in the order the coins were evaluated. */
  outcomes: readonly CoinOutcome[];
}

export interface TickDecision {
  coinHealth: Record<string, CoinHealth>;
  /** Evaluations as the coins returned them (what is recorded and what AI analyses). */
  evaluations: CoinEvaluation[];
  failedCoins: string[];
  /** Scan prices overwritten by each evaluated coin's price (the scan's own object when none differs: read only). */
  prices: Readonly<Record<string, number>>;
  /** AI state after expiry; undefined when AI is off (the state's maps stay as they were). */
  aiVerdicts?: Record<string, HeldVerdict>;
  aiPending?: Record<string, number>;
  /** Decisions an AI verdict changed. */
  aiChanged: Array<{ symbol: string; from: SignalAction; to: SignalAction }>;
  plan: OrderPlan;
}

/** A coin's success, as nextCoinHealth takes it (one object for every coin of every tick). */
const SUCCESS = Object.freeze({ ok: true as const });

/**
 * Everything a tick decides once its coins are evaluated: each coin's health (the circuit breaker), fresh AI verdicts
 * applied to the evaluations, and the order plan (allocation and risk) with failed and doubtful coins blocked.
 */
export function decideTick(input: DecideTickInput): TickDecision {
  const { state, config, universe } = input;
  const coinHealth: Record<string, CoinHealth> = { ...state.coinHealth };
  // Copied only when an evaluation's price differs from the scan's (ticks repeat this over hundreds of coins).
  let prices = universe.prices as Record<string, number>;
  const evaluations: CoinEvaluation[] = [];
  const failedCoins: string[] = [];
  // A success leaves a coin without a record (nextCoinHealth): while no coin has one, a success changes nothing, and
  // most ticks have none (ticks repeat this for hundreds of coins).
  let anyHealthRecord = hasAnyKey(coinHealth);
  for (const outcome of input.outcomes) {
    const symbol = outcome.ok ? outcome.evaluation.symbol : outcome.symbol;
    if (!outcome.ok || anyHealthRecord) {
      const health = nextCoinHealth(coinHealth[symbol], outcome.ok ? SUCCESS : { ok: false, message: `${outcome.errorType}: ${outcome.message}` }, state.tickNo);
      if (health) {
        coinHealth[symbol] = health;
        anyHealthRecord = true;
      } else if (coinHealth[symbol] !== undefined) delete coinHealth[symbol];
    }
    if (outcome.ok) {
      evaluations.push(outcome.evaluation);
      if (!Object.is(prices[symbol], outcome.evaluation.price)) {
        if (prices === universe.prices) prices = { ...universe.prices };
        prices[symbol] = outcome.evaluation.price;
      }
    } else {
      failedCoins.push(symbol);
    }
  }

  let decided = evaluations;
  let aiState: Pick<TickDecision, 'aiVerdicts' | 'aiPending'> = {};
  let aiChanged: TickDecision['aiChanged'] = [];
  if (config.ai?.enabled) {
    const tickNo = state.tickNo + 1;
    const aiVerdicts = { ...(state.aiVerdicts ?? {}) };
    const aiPending = { ...(state.aiPending ?? {}) };
    expireAiState(aiVerdicts, aiPending, config.ai, tickNo);
    const applied = applyVerdicts(evaluations, aiVerdicts, config.ai, config.signal, tickNo);
    decided = applied.evaluations;
    aiChanged = applied.changed;
    aiState = { aiVerdicts, aiPending };
  }

  const blockedSymbols = [...failedCoins, ...(state.inDoubt ?? [])];
  // The risk layer: exits and a drawdown halt sell first; locks, regime gates and risk sizing shape the buys.
  const riskState = state.risk;
  const riskLayer = riskState === undefined ? null : riskLayerOf(config);
  const working = state.working ?? [];
  const twaps = state.twaps ?? [];
  const pending = working.length + twaps.length;
  const plan = planOrders({
    portfolio: state.portfolio,
    evaluations: decided,
    prices,
    rules: universe.rules,
    risk: config.risk,
    cooldowns: state.cooldowns,
    tickNo: state.tickNo,
    // Exits still see a coin with a resting maker order or a TWAP under way (a stop wins over it); signal orders do not.
    blockedSymbols: pending === 0 ? blockedSymbols : [...blockedSymbols, ...working.map((o) => o.symbol), ...twaps.map((t) => t.symbol)],
    // A TWAP's buy holds a position from its first slice on: only its remaining slices' cash is held back.
    ...(pending > 0 && { resting: { reservedCash: reservedCashOf(working, FEE_RESERVE_FRACTION).plus(twapReservedCash(twaps, FEE_RESERVE_FRACTION)), buys: working.filter((o) => o.side === 'buy').length } }),
    ...(riskState !== undefined &&
      riskLayer !== null && {
        riskSells: exitIntents({ portfolio: state.portfolio, evaluations: decided, rules: universe.rules, state: riskState, config: riskLayer, tickNo: state.tickNo, blocked: new Set(blockedSymbols) }),
        buyPolicy: buyPolicyOf(riskState, riskLayer, state.tickNo),
        sizing: riskLayer.sizing,
      }),
    ...(riskLayer?.correlation.enabled === true && {
        correlation: {
          snapshot: riskState?.correlation ?? unmeasuredCorrelation(riskLayer.correlation),
          config: riskLayer.correlation,
          restingBuys: [
            ...working.filter((o) => o.side === 'buy').map((o) => ({ symbol: o.symbol, notional: Number(o.amount) * Number(o.limitPrice) })),
            ...twaps.filter((t) => t.side === 'buy').map((t) => ({ symbol: t.symbol, notional: t.amounts.slice(t.next).reduce((sum, a) => sum + Number(a), 0) * Number(t.price) })),
          ],
        },
      }),
  });
  return { coinHealth, evaluations, failedCoins, prices, ...aiState, aiChanged, plan };
}
