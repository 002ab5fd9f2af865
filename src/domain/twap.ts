import { exitCategory } from './backtest-trades.js';
import { Dec, decimalString, fromNumber } from './decimal-math.js';
import { formatAmount, orderSizeProblem, roundAmountDown, type MarketOrderRules } from './market-rules.js';
import type { ExecutionConfig } from './execution-config.js';
import type { OrderIntent, OrderSide } from './market-types.js';
import type { PortfolioSnapshot } from './portfolio-types.js';
import { derivedClientOrderId } from './working-orders.js';

/*
 * TWAP execution (execution.twap): a signal order whose notional reaches `minNotional` goes out as `slices` market
 * orders, one every `intervalTicks` ticks, instead of one. The cycle's tick timer is the slices' durable timer, so each
 * slice meets a fresh market and the same risk decisions: an exit or a drawdown halt cancels the slices still to go,
 * and the backtester prices each slice at its own tick exactly as the paper broker does. Every slice's client order id
 * is derived from the parent's (`t0`, `t1`, ...), so a retried or replayed slice finds the order it placed. Pure and
 * sandbox-safe.
 */

export interface TwapConfig {
  /** Smallest notional (quote currency, amount x price) of a signal order that goes out as a TWAP. */
  minNotional: number;
  /** How many market orders it is split into (fewer when a slice would fall below the market's order-size rules). */
  slices: number;
  /** Ticks between two slices. */
  intervalTicks: number;
}

/** What `execution.twap.<key>` starts from when the TWAP is switched on with only some settings given. */
export const TWAP_DEFAULTS: Readonly<TwapConfig> = Object.freeze({ minNotional: 10_000, slices: 4, intervalTicks: 1 });
export const MAX_TWAP_SLICES = 20;
export const MAX_TWAP_INTERVAL_TICKS = 24;

/** A TWAP with slices still to go. Small and JSON: it is carried in the cycle's state between ticks. */
export interface TwapOrder {
  /** The client order id of the tick's intent (clientOrderIdFor): never sent itself, every slice's id derives from it. */
  parentId: string;
  symbol: string;
  side: OrderSide;
  reason: string;
  /** Every slice's base amount (decimal strings), the first one included. */
  amounts: string[];
  /** Index of the next slice to go out. */
  next: number;
  /** The tick number (ticks completed before it, as DecisionState.tickNo) at which the next slice goes out. */
  dueTickNo: number;
  /** The parent's reference price: what the remaining buy slices hold back from new buys. */
  price: string;
}

/** One slice going out at a tick: a market order under its derived client order id. */
export interface TwapSlice {
  parentId: string;
  clientOrderId: string;
  intent: OrderIntent;
}

/** Every problem of an execution.twap section (null switches it off), each naming its setting. */
export function validateTwapConfig(value: unknown, path: string): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value !== 'object' || Array.isArray(value)) return [`${path} must be null (off) or an object of settings (got ${JSON.stringify(value)})`];
  const twap = value as Record<string, unknown>;
  const problems: string[] = [];
  const known = Object.keys(TWAP_DEFAULTS);
  for (const key of Object.keys(twap)) if (!known.includes(key)) problems.push(`unknown setting ${path}.${key}; ${path} settings: ${known.join(', ')}`);
  const { minNotional, slices, intervalTicks } = twap;
  if (!(typeof minNotional === 'number' && Number.isFinite(minNotional) && minNotional > 0)) {
    problems.push(`${path}.minNotional must be an amount of the quote currency above 0, such as 10000 (got ${String(minNotional)})`);
  }
  if (!(typeof slices === 'number' && Number.isInteger(slices) && slices >= 2 && slices <= MAX_TWAP_SLICES)) {
    problems.push(`${path}.slices must be a whole number from 2 to ${MAX_TWAP_SLICES} (got ${String(slices)})`);
  }
  if (!(typeof intervalTicks === 'number' && Number.isInteger(intervalTicks) && intervalTicks >= 1 && intervalTicks <= MAX_TWAP_INTERVAL_TICKS)) {
    problems.push(`${path}.intervalTicks must be a whole number of ticks from 1 to ${MAX_TWAP_INTERVAL_TICKS} (got ${String(intervalTicks)})`);
  }
  return problems;
}

/**
 * The slice amounts of a signal intent that goes out as a TWAP, or null when it goes out whole (TWAP off, an exit, a
 * notional below minNotional, or no split whose every slice the market accepts). Every slice but the last is the
 * amount / n rounded down to the market's step; the last takes the rest, so the slices add up to the intent.
 */
export function twapAmounts(intent: OrderIntent, twap: TwapConfig | null | undefined, rules: MarketOrderRules | undefined): string[] | null {
  if (twap === null || twap === undefined || exitCategory(intent.reason) !== 'signal') return null;
  const amount = new Dec(intent.amount);
  const price = Number(intent.price);
  if (!(Number.isFinite(price) && price > 0) || amount.mul(intent.price).lt(fromNumber(twap.minNotional))) return null;
  for (let n = twap.slices; n >= 2; n--) {
    const slice = roundAmountDown(amount.div(n), rules);
    if (orderSizeProblem(slice, price, rules) !== null) continue;
    const last = amount.minus(slice.mul(n - 1));
    return [...Array.from({ length: n - 1 }, () => formatAmount(slice, rules)), formatAmount(last, rules)];
  }
  return null;
}

/**
 * The tick's planned intents with those that go out as a TWAP replaced by their first slice (a market order under the
 * derived id `t0`), index for index with their client order ids; `sliceParents` maps each slice's id to its parent's
 * (slices never go out maker-first), `started` are the TWAPs that carry the rest.
 */
export function routeTwaps(input: { intents: readonly OrderIntent[]; clientOrderIds: readonly string[]; execution: ExecutionConfig; rules: Readonly<Record<string, MarketOrderRules>>; tickNo: number }): { intents: readonly OrderIntent[]; clientOrderIds: readonly string[]; sliceParents: Map<string, string>; started: TwapOrder[] } {
  const twap = input.execution.twap;
  const sliceParents = new Map<string, string>();
  const started: TwapOrder[] = [];
  if (twap === null || twap === undefined) return { intents: input.intents, clientOrderIds: input.clientOrderIds, sliceParents, started };
  const intents = [...input.intents];
  const clientOrderIds = [...input.clientOrderIds];
  input.intents.forEach((intent, i) => {
    const amounts = twapAmounts(intent, twap, input.rules[intent.symbol]);
    if (amounts === null) return;
    const { slice, order } = startTwap(intent, input.clientOrderIds[i]!, input.tickNo, amounts, twap);
    intents[i] = slice.intent;
    clientOrderIds[i] = slice.clientOrderId;
    sliceParents.set(slice.clientOrderId, slice.parentId);
    started.push(order);
  });
  return { intents, clientOrderIds, sliceParents, started };
}

/** A TWAP's first slice, to go out with the tick's orders, and the TWAP that carries the rest. */
export function startTwap(intent: OrderIntent, parentId: string, tickNo: number, amounts: readonly string[], twap: TwapConfig): { slice: TwapSlice; order: TwapOrder } {
  const order: TwapOrder = { parentId, symbol: intent.symbol, side: intent.side, reason: intent.reason, amounts: [...amounts], next: 1, dueTickNo: tickNo + twap.intervalTicks, price: intent.price };
  return { slice: { parentId, clientOrderId: derivedClientOrderId(parentId, 't0'), intent: { ...intent, type: 'market', amount: amounts[0]! } }, order };
}

/**
 * The slices due at `tickNo`, as market orders at the tick's price, and the TWAPs after them (a TWAP whose last slice
 * goes out now is done). A coin without a price this tick waits for the next. A sell slice never sells more than is
 * held; a sell with nothing left to sell is done.
 */
export function dueTwapSlices(input: { twaps: readonly TwapOrder[]; tickNo: number; intervalTicks: number; prices: Readonly<Record<string, number>>; portfolio: PortfolioSnapshot; rules: Readonly<Record<string, MarketOrderRules>> }): { slices: TwapSlice[]; twaps: TwapOrder[] } {
  const slices: TwapSlice[] = [];
  const twaps: TwapOrder[] = [];
  for (const twap of input.twaps) {
    const price = input.prices[twap.symbol];
    if (twap.dueTickNo > input.tickNo || price === undefined || !(Number.isFinite(price) && price > 0)) {
      twaps.push(twap);
      continue;
    }
    let amount = new Dec(twap.amounts[twap.next]!);
    if (twap.side === 'sell') {
      const held = roundAmountDown(input.portfolio.positions[twap.symbol]?.quantity ?? '0', input.rules[twap.symbol]);
      if (held.lt(amount)) amount = held;
      if (orderSizeProblem(amount, price, input.rules[twap.symbol]) !== null) continue;
    }
    const label = `t${twap.next}`;
    slices.push({
      parentId: twap.parentId,
      clientOrderId: derivedClientOrderId(twap.parentId, label),
      intent: { symbol: twap.symbol, side: twap.side, type: 'market', amount: formatAmount(amount, input.rules[twap.symbol]), price: decimalString(fromNumber(price)), reason: twap.reason },
    });
    if (twap.next + 1 < twap.amounts.length) twaps.push({ ...twap, next: twap.next + 1, dueTickNo: input.tickNo + input.intervalTicks });
  }
  return { slices, twaps };
}

/**
 * The TWAPs left once the tick's orders are settled (`filled[i]`: whether order `clientOrderIds[i]` filled): one whose
 * slice did not fill (refused, in doubt) goes no further.
 */
export function twapsAfterSlices(twaps: readonly TwapOrder[], sliceParents: ReadonlyMap<string, string>, clientOrderIds: readonly string[], filled: readonly boolean[]): TwapOrder[] {
  const ended = new Set<string>();
  clientOrderIds.forEach((id, i) => {
    const parent = sliceParents.get(id);
    if (parent !== undefined && !filled[i]) ended.add(parent);
  });
  return ended.size === 0 ? [...twaps] : twaps.filter((t) => !ended.has(t.parentId));
}

/** Base amount of the slices still to go (decimal string): what a TWAP's status shows as left. */
export function twapAmountLeft(twap: TwapOrder): string {
  return decimalString(twap.amounts.slice(twap.next).reduce((sum, amount) => sum.plus(amount), new Dec(0)));
}

/** Quote currency the remaining buy slices hold back from new buys (at the parent's price, with the fee reserve). */
export function twapReservedCash(twaps: readonly TwapOrder[], feeReserveFraction: number): Dec {
  let reserved = new Dec(0);
  for (const twap of twaps) {
    if (twap.side !== 'buy') continue;
    for (let i = twap.next; i < twap.amounts.length; i++) reserved = reserved.plus(new Dec(twap.amounts[i]!).mul(twap.price));
  }
  return reserved.mul(new Dec(1).plus(fromNumber(feeReserveFraction)));
}
