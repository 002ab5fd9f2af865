import { Dec, decimalString } from './decimal-math.js';
import type { OrderIntent, OrderState } from './market-types.js';

/*
 * Orders whose fate keel does not know, kept by client order id until the exchange answers for them. Runs in the
 * workflow sandbox: decimal.js and domain only.
 */

/** The part of an order's fill already booked into the portfolio (decimal strings, as in OrderState). */
export interface AppliedFill {
  filled: string;
  averagePrice: string;
  feeQuote: string;
  feeBase?: string;
}

/**
 * - fate_unknown: the order may or may not exist (a lost reply, a failure after placing, still open after its
 *   cancel). Reconciliation looks it up by client order id until the exchange gives a definite answer.
 * - fill_unapplied: the exchange's answer is definite but could not be booked (the fill contradicts the portfolio);
 *   only a person can resolve it, by acknowledging the finding.
 */
export type OrderDoubtKind = 'fate_unknown' | 'fill_unapplied';

export interface OrderDoubt {
  kind: OrderDoubtKind;
  symbol: string;
  clientOrderId: string;
  /** Close time of the candle of the tick that sent the order (for the orders table when the order is adopted). */
  tickTs: number;
  intent: OrderIntent;
  /** What was booked of it already (a partly filled order still open after its cancel); absent when nothing was. */
  applied?: AppliedFill;
  /** Why it is in doubt, for status, logs and the finding's detail. */
  reason: string;
}

/** The kind of order doubt a finding of `findingKind` stands for, or undefined when it stands for none. */
export function doubtKindOfFinding(findingKind: string | undefined): OrderDoubtKind | undefined {
  if (findingKind === 'order_fate_unknown') return 'fate_unknown';
  if (findingKind === 'fill_unapplied') return 'fill_unapplied';
  return undefined;
}

/** Final statuses: nothing more will fill. */
export function isFinalStatus(order: Pick<OrderState, 'status'>): boolean {
  return order.status === 'closed' || order.status === 'canceled' || order.status === 'rejected';
}

/**
 * The part of `order`'s fill not yet booked, as an order state of its own (same ids and side), or null when nothing new
 * filled. Quantity, quote fee and base fee are differences; the price is the average of the new part, so that booking
 * `applied` and then this part books exactly `order`.
 */
export function unbookedFill(order: OrderState, applied: AppliedFill | undefined): OrderState | null {
  const filled = new Dec(order.filled);
  const bookedFilled = new Dec(applied?.filled ?? '0');
  const delta = filled.minus(bookedFilled);
  if (delta.lte(0)) return null;
  const notional = filled.times(order.averagePrice).minus(bookedFilled.times(applied?.averagePrice ?? '0'));
  const feeQuote = new Dec(order.feeQuote).minus(applied?.feeQuote ?? '0');
  const feeBase = new Dec(order.feeBase ?? '0').minus(applied?.feeBase ?? '0');
  const { feeBase: _bookedBase, ...rest } = order;
  return {
    ...rest,
    filled: decimalString(delta),
    averagePrice: decimalString(notional.div(delta).toSignificantDigits(20)),
    feeQuote: decimalString(Dec.max(feeQuote, 0)),
    ...(feeBase.gt(0) && { feeBase: decimalString(feeBase) }),
  };
}

/** What of `order` is booked, to keep with a doubt. */
export function appliedFillOf(order: OrderState): AppliedFill | undefined {
  if (new Dec(order.filled).lte(0)) return undefined;
  return { filled: order.filled, averagePrice: order.averagePrice, feeQuote: order.feeQuote, ...(order.feeBase !== undefined && { feeBase: order.feeBase }) };
}

/**
 * How a position changes when `order`'s unbooked part is booked: + received base for a buy, - base given up for a
 * sell (the base-coin fee included), as the portfolio books it.
 */
export function positionChangeOf(fill: OrderState): Dec {
  const filled = new Dec(fill.filled);
  const feeBase = new Dec(fill.feeBase ?? '0');
  return fill.side === 'buy' ? filled.minus(feeBase) : filled.plus(feeBase).negated();
}

/** Adds doubts, one per client order id (a newer doubt about the same order replaces the older one). */
export function withDoubts(existing: readonly OrderDoubt[] | undefined, added: readonly OrderDoubt[]): OrderDoubt[] {
  const byId = new Map((existing ?? []).map((d) => [d.clientOrderId, d] as const));
  for (const doubt of added) byId.set(doubt.clientOrderId, doubt);
  return [...byId.values()].sort((a, b) => (a.clientOrderId < b.clientOrderId ? -1 : a.clientOrderId > b.clientOrderId ? 1 : 0));
}

/** Symbols not traded: those of open doubts plus those reconciliation could not explain. Sorted, unique. */
export function symbolsInDoubt(doubts: readonly OrderDoubt[] | undefined, unexplained: readonly string[]): string[] {
  return [...new Set([...(doubts ?? []).map((d) => d.symbol), ...unexplained])].sort();
}
