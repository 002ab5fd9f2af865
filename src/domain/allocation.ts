import type { RiskConfig } from './cycle-config.js';
import { isCoolingDown } from './cooldowns.js';
import { Dec, decimalString, fromNumber, isPositiveDecimal } from './decimal-math.js';
import { countOpenPositions } from './dust.js';
import { dustReason, formatAmount, orderSizeProblem, roundAmountDown } from './market-rules.js';
import type { MarketOrderRules } from './market-rules.js';
import type { OrderIntent, OrderSide } from './market-types.js';
import { portfolioEquity } from './portfolio-accounting.js';
import type { PortfolioSnapshot } from './portfolio-types.js';
import type { CoinEvaluation, SignalConfig } from './signal-types.js';
import { DEFAULT_SIZING_CONFIG, buyNotional, type SizingConfig } from './sizing.js';
import type { BuyPolicy } from './tick-risk.js';
import { CorrelationBook, type CorrelationSnapshot } from './correlation-snapshot.js';
import type { CorrelationConfig } from './correlation.js';

/*
 * Portfolio allocation for one tick. RUNS IN THE WORKFLOW SANDBOX: import only decimal.js and domain files that do
 * not pull in trading-signals (type-only imports are fine, they vanish at compile time).
 */

export { applyFill, portfolioEquity } from './portfolio-accounting.js';
export { isCoolingDown, nextCooldowns } from './cooldowns.js';
export { countOpenPositions, dustSymbols } from './dust.js';
export type { MarketOrderRules } from './market-rules.js';

/** Share of each buy's notional kept aside for the exchange fee (0.2%, above Binance's and Kraken's taker fee). */
export const FEE_RESERVE_FRACTION = 0.002;
/** Exchanges take base quantities to at most 8 decimals for the coins keel trades (used where a market has no step). */
export const QUANTITY_DECIMALS = 8;

export interface PlanOrdersInput {
  portfolio: PortfolioSnapshot;
  evaluations: readonly CoinEvaluation[];
  /** Reference prices by symbol; an evaluation's own price is used when a symbol has none. */
  prices: Readonly<Record<string, number>>;
  risk: RiskConfig;
  /** symbol -> first tick at which it may be bought again. */
  cooldowns: Readonly<Record<string, number>>;
  tickNo: number;
  /** Symbols that get no orders at all this tick (open circuit, order still in flight, delisted...). */
  blockedSymbols: readonly string[];
  /** Only quoted in order reasons ("score 0.31 ≥ 0.05"); omit and the reasons leave the threshold out. */
  signal?: Pick<SignalConfig, 'buyThreshold' | 'sellThreshold'>;
  /**
   * Each market's order-size rules (amount step, minimum amount and cost), from the scan. A symbol without rules is
   * planned as before rules existed (8-decimal buys, whole-position sells, no dust), so recorded histories replay.
   */
  rules?: Readonly<Record<string, MarketOrderRules>>;
  /** Sells the risk layer already decided this tick (exits, a drawdown halt): first in the plan; their coins get no other order. */
  riskSells?: readonly OrderIntent[];
  /** Per buy candidate, the risk layer's say (tick-risk.ts: locks, regime gates, the stop risk sizing needs); absent: all allowed. */
  buyPolicy?: (evaluation: CoinEvaluation) => BuyPolicy;
  /** How buys are sized; absent: fixed fraction (equity x risk.maxPositionFraction). */
  sizing?: SizingConfig;
  /**
   * Maker orders resting from earlier ticks (working-orders.ts): the cash their buys hold back and how many buys they
   * are (each will take a position's slot). Their coins come in blockedSymbols.
   */
  resting?: { reservedCash: Dec; buys: number };
  /**
   * The correlation gate (correlation.enabled with a measurement): at most N positions per cluster and a cap on
   * beta-weighted exposure, counting held coins, resting maker buys (symbol and notional) and this plan's buys.
   */
  correlation?: { snapshot: CorrelationSnapshot; config: CorrelationConfig; restingBuys: ReadonlyArray<{ symbol: string; notional: number }> };
}

export interface SkippedOrder {
  symbol: string;
  side: OrderSide;
  reason: string;
}

export interface OrderPlan {
  /** Sells first, then buys, strongest score first. */
  intents: OrderIntent[];
  /** Buy or sell signals that did not become orders, with why. */
  skipped: SkippedOrder[];
}

function usablePrice(value: number | undefined): value is number {
  return value !== undefined && Number.isFinite(value) && value > 0;
}

function strictlyIncreasing(evaluations: readonly CoinEvaluation[]): boolean {
  for (let i = 1; i < evaluations.length; i++) {
    if (!(evaluations[i - 1]!.symbol < evaluations[i]!.symbol)) return false;
  }
  return true;
}

function describeEvaluation(e: CoinEvaluation, comparison: string): string {
  const { rsi, maFast, maSlow, macdHistogram } = e.indicators;
  const ma = maFast > maSlow ? 'ma fast > slow' : maFast < maSlow ? 'ma fast < slow' : 'ma fast = slow';
  const macd = macdHistogram > 0 ? 'macd hist > 0' : macdHistogram < 0 ? 'macd hist < 0' : 'macd hist 0';
  return `score ${e.score.toFixed(2)}${comparison} (rsi ${rsi.toFixed(1)}, ${ma}, ${macd})`;
}

/**
 * Turns evaluations into order intents:
 *  - sell every held coin whose action is 'sell': the position rounded down to its market's amount step (the whole
 *    position when the market has no step). A position that is dust at the current price (its sellable part is zero,
 *    below the market's minimum amount or worth less than its minimum cost) is not sold: skipped with reason "dust";
 *  - buy coins whose action is 'buy' that are not held, not cooling down and not blocked, strongest score first
 *    (ties by symbol, so replays give the same plan), while open positions < risk.maxOpenPositions. Dust is neither
 *    "held" nor an open position: it takes no slot, and buying the coin again adds to it;
 *  - each buy gets equity × maxPositionFraction, capped by the cash left after earlier buys and a 0.2% fee reserve,
 *    rounded down to the market's amount step (8 decimals without one), and is skipped below risk.minOrderNotional
 *    or below the market's minimum amount or cost (the reason names the rule and the figures).
 * Limits use the portfolio as it is now: this tick's sells free their slot and cash once their fills are booked.
 * Sells ignore minOrderNotional (keel's own minimum is for opening positions); a market without rules that refuses a
 * small sell reports it as the exchange's refusal.
 */
export function planOrders(input: PlanOrdersInput): OrderPlan {
  const { portfolio, risk, tickNo } = input;
  const rules = input.rules ?? {};
  const blocked = new Set(input.blockedSymbols);
  const priceOf = (e: CoinEvaluation): number | null => {
    const quoted = input.prices[e.symbol];
    if (usablePrice(quoted)) return quoted;
    return usablePrice(e.price) ? e.price : null;
  };
  // The scan's prices, plus an evaluation's own where the scan had none usable (copied only then: ticks repeat this).
  let marks = input.prices as Record<string, number>;
  for (const e of input.evaluations) {
    if (usablePrice(input.prices[e.symbol]) || !usablePrice(e.price)) continue;
    if (marks === input.prices) marks = { ...input.prices };
    marks[e.symbol] = e.price;
  }
  const markOf = (symbol: string): number | null => {
    const mark = marks[symbol];
    return usablePrice(mark) ? mark : null;
  };
  const intents: OrderIntent[] = [...(input.riskSells ?? [])];
  const skipped: SkippedOrder[] = [];
  // Coins the risk layer sells get no signal order; a coin evaluated twice is planned once. A tick's evaluations come
  // sorted, one per coin: then nothing repeats and no set of every symbol is needed (ticks repeat this).
  const riskSold = input.riskSells !== undefined && input.riskSells.length > 0 ? new Set(input.riskSells.map((intent) => intent.symbol)) : null;
  const seen = strictlyIncreasing(input.evaluations) ? null : new Set<string>();
  const buyCandidates: CoinEvaluation[] = [];
  const sellThreshold = input.signal ? ` ≤ -${input.signal.sellThreshold}` : '';
  const buyThreshold = input.signal ? ` ≥ ${input.signal.buyThreshold}` : '';

  for (const e of input.evaluations) {
    if (riskSold !== null && riskSold.has(e.symbol)) continue;
    if (seen !== null) {
      if (seen.has(e.symbol)) continue;
      seen.add(e.symbol);
    }
    if (e.action === 'hold') continue;
    const position = portfolio.positions[e.symbol];
    const held = position !== undefined && isPositiveDecimal(position.quantity);
    const dust = held ? dustReason(position.quantity, markOf(e.symbol), rules[e.symbol]) : null;
    if (e.action === 'sell' && held) {
      const price = priceOf(e);
      if (blocked.has(e.symbol)) skipped.push({ symbol: e.symbol, side: 'sell', reason: 'blocked this tick' });
      else if (price === null) skipped.push({ symbol: e.symbol, side: 'sell', reason: 'no usable price' });
      else if (dust !== null) skipped.push({ symbol: e.symbol, side: 'sell', reason: `dust: ${dust}` });
      else {
        const symbolRules = rules[e.symbol];
        const amount = symbolRules?.amountStep === undefined ? position.quantity : formatAmount(roundAmountDown(position.quantity, symbolRules), symbolRules);
        intents.push({ symbol: e.symbol, side: 'sell', type: 'market', amount, price: decimalString(fromNumber(price)), reason: describeEvaluation(e, sellThreshold) });
      }
    } else if (e.action === 'buy') {
      if (held && dust === null) skipped.push({ symbol: e.symbol, side: 'buy', reason: 'already held' });
      else if (blocked.has(e.symbol)) skipped.push({ symbol: e.symbol, side: 'buy', reason: 'blocked this tick' });
      else if (isCoolingDown(input.cooldowns, e.symbol, tickNo)) {
        skipped.push({ symbol: e.symbol, side: 'buy', reason: `cooling down until tick ${input.cooldowns[e.symbol]}` });
      } else buyCandidates.push(e);
    }
  }

  // Nothing to buy: no need to value the portfolio (what most ticks of a long backtest save).
  if (buyCandidates.length === 0) return { intents, skipped };
  buyCandidates.sort((a, b) => b.score - a.score || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  // Valued only once a buy gets a slot and a price (a full book skips every candidate without it).
  let equityAtMarks: Dec | null = null;
  const equityValue = (): Dec => (equityAtMarks ??= new Dec(portfolioEquity(portfolio, marks)));
  let targetNotionalValue: Dec | null = null;
  const targetNotional = (): Dec => (targetNotionalValue ??= equityValue().times(risk.maxPositionFraction));
  const feeFactor = new Dec(1).plus(FEE_RESERVE_FRACTION);
  const minNotional = fromNumber(risk.minOrderNotional);
  let cashLeft = Dec.max(new Dec(portfolio.cash).minus(input.resting?.reservedCash ?? 0), 0);
  let openPositions = countOpenPositions(portfolio, rules, marks) + (input.resting?.buys ?? 0);
  let book: CorrelationBook | null = null;
  const correlationBook = (correlation: NonNullable<PlanOrdersInput['correlation']>): CorrelationBook => {
    const equity = Number(equityValue());
    const share = (value: number) => (equity > 0 ? value / equity : Number.POSITIVE_INFINITY);
    const held = Object.values(portfolio.positions)
      .filter((p) => isPositiveDecimal(p.quantity) && dustReason(p.quantity, markOf(p.symbol), rules[p.symbol]) === null)
      .map((p) => ({ symbol: p.symbol, exposure: share(Number(p.quantity) * (markOf(p.symbol) ?? Number(p.averagePrice))) }));
    for (const r of correlation.restingBuys) held.push({ symbol: r.symbol, exposure: share(r.notional) });
    return new CorrelationBook(correlation.snapshot, correlation.config, held);
  };

  const fullBookReason = `max open positions (${risk.maxOpenPositions}) reached`;
  for (const e of buyCandidates) {
    if (openPositions >= risk.maxOpenPositions) {
      skipped.push({ symbol: e.symbol, side: 'buy', reason: fullBookReason });
      continue;
    }
    const price = priceOf(e);
    if (price === null) {
      skipped.push({ symbol: e.symbol, side: 'buy', reason: 'no usable price' });
      continue;
    }
    const policy = input.buyPolicy?.(e);
    if (policy?.refused) {
      skipped.push({ symbol: e.symbol, side: 'buy', reason: policy.refused });
      continue;
    }
    const symbolRules = rules[e.symbol];
    const affordable = cashLeft.div(feeFactor);
    const sized =
      policy === undefined
        ? null
        : buyNotional({ equity: equityValue(), price, stopPrice: policy.stopPrice, risk, sizing: input.sizing ?? DEFAULT_SIZING_CONFIG, regimeSizeFactor: policy.sizeFactor });
    const target = sized?.notional ?? targetNotional();
    const notional = Dec.min(target, affordable);
    const quantity = symbolRules?.amountStep === undefined ? notional.div(price).toDecimalPlaces(QUANTITY_DECIMALS, Dec.ROUND_DOWN) : roundAmountDown(notional.div(price), symbolRules);
    const cost = quantity.times(price);
    const capped = affordable.lessThan(target) ? ` (capped by cash ${cashLeft.toFixed(2)})` : '';
    if (quantity.isZero() || cost.lessThan(minNotional)) {
      skipped.push({ symbol: e.symbol, side: 'buy', reason: `notional ${cost.toFixed(2)}${capped} below minimum ${risk.minOrderNotional}` });
      continue;
    }
    const marketProblem = orderSizeProblem(quantity, price, symbolRules);
    if (marketProblem !== null) {
      skipped.push({ symbol: e.symbol, side: 'buy', reason: `${marketProblem}${capped}` });
      continue;
    }
    if (input.correlation !== undefined) {
      book ??= correlationBook(input.correlation);
      const equity = Number(equityValue());
      const exposure = equity > 0 ? Number(cost) / equity : Number.POSITIVE_INFINITY;
      const refused = book.refusal(e.symbol, exposure);
      if (refused !== null) {
        skipped.push({ symbol: e.symbol, side: 'buy', reason: refused });
        continue;
      }
      book.add(e.symbol, exposure);
    }
    cashLeft = cashLeft.minus(cost.times(feeFactor));
    openPositions++;
    intents.push({
      symbol: e.symbol,
      side: 'buy',
      type: 'market',
      amount: symbolRules?.amountStep === undefined ? quantity.toFixed(QUANTITY_DECIMALS) : formatAmount(quantity, symbolRules),
      price: decimalString(fromNumber(price)),
      // Today's rule at full size keeps today's reason; risk sizing or a regime factor says how the size came about.
      reason: sized !== null && (input.sizing?.mode === 'risk' || policy!.sizeFactor !== 1) ? `${describeEvaluation(e, buyThreshold)}; size ${sized.basis}` : describeEvaluation(e, buyThreshold),
    });
  }
  return { intents, skipped };
}
