import { exitCategory } from './backtest-trades.js';
import { hash64Hex } from './business-key.js';
import { Dec, decimalString, fromNumber } from './decimal-math.js';
import type { ExecutionConfig } from './execution-config.js';
import type { OrderIntent, OrderSide } from './market-types.js';

/*
 * Maker-first orders that rest across ticks (execution.mode maker_first, execution-config.ts): placed post-only at the
 * best price after a tick, judged against the candles that follow, re-priced or sent on as takers. Pure and
 * sandbox-safe, so the backtester and (next) the market cycle step them with the same code.
 */

/** A post-only order resting on the book between ticks. Small and JSON: it is carried in the cycle's state. */
export interface WorkingOrder {
  /** The client order id of the tick's intent (clientOrderIdFor); every attempt's id is derived from it. */
  parentId: string;
  symbol: string;
  side: OrderSide;
  /** Base amount of the resting order (decimal string). */
  amount: string;
  /** The intent's reason: a maker fill keeps the signal's words. */
  reason: string;
  /** 0 for the first placement, k for its k-th re-price. */
  attempt: number;
  clientOrderId: string;
  /** The post-only limit price (decimal string). */
  limitPrice: string;
  /** Close time of the tick that placed it: it rests over the candles that open at or after this. */
  placedTs: number;
}

/** What follows a resting order its candles did not trade through. */
export type UnfilledStep =
  /** Re-priced: the old order is cancelled, this one rests instead. */
  | { kind: 'rest'; order: WorkingOrder }
  /** The re-prices are spent: this taker order (market, or an immediate-or-cancel limit) goes out now. */
  | { kind: 'fallback'; clientOrderId: string; intent: OrderIntent };

/**
 * An attempt's client order id: 20 characters of [a-z0-9] like the parent's (so every venue takes it), derived only
 * from the parent and the attempt's label, so a retried or replayed placement finds the order it placed.
 */
export function derivedClientOrderId(parentId: string, label: string): string {
  return `${parentId.slice(0, 4)}${hash64Hex(`${parentId}|${label}`)}`;
}

/** Where a maker-first order of `side` rests: at the best bid (buy) or ask (sell) where the venue gives them, else the last price. */
export function makerPrice(ticker: { last: number; bid?: number; ask?: number }, side: OrderSide): number {
  return (side === 'buy' ? ticker.bid : ticker.ask) ?? ticker.last;
}

/** Whether an intent goes out maker-first: only a signal's orders do; exits and a drawdown halt sell at market. */
export function isMakerFirst(intent: OrderIntent, execution: ExecutionConfig | undefined): boolean {
  return execution?.mode === 'maker_first' && exitCategory(intent.reason) === 'signal';
}

/** The first post-only order of an intent, at the best price after the tick (the bid of a buy, the ask of a sell). */
export function placeWorkingOrder(intent: OrderIntent, parentId: string, tickTs: number, bestPrice: number): WorkingOrder {
  return {
    parentId,
    symbol: intent.symbol,
    side: intent.side,
    amount: intent.amount,
    reason: intent.reason,
    attempt: 0,
    clientOrderId: derivedClientOrderId(parentId, 'm0'),
    limitPrice: decimalString(fromNumber(bestPrice)),
    placedTs: tickTs,
  };
}

/** The resting order as an intent (a limit at its price): what the exchange is asked to place and what a fill books. */
export function restingIntent(order: WorkingOrder): OrderIntent {
  return { symbol: order.symbol, side: order.side, type: 'limit', amount: order.amount, price: order.limitPrice, reason: order.reason, postOnly: true };
}

/**
 * After a tick whose candles did not trade through the order: re-price it at the new best price while re-prices are
 * left, else the fallback. An ioc fallback is a limit iocLimitBps beyond the price (above it for a buy): it fills at
 * once as a taker or not at all.
 */
export function nextAfterUnfilled(order: WorkingOrder, execution: ExecutionConfig, tickTs: number, bestPrice: number): UnfilledStep {
  if (order.attempt < execution.maxReprices) {
    const attempt = order.attempt + 1;
    return {
      kind: 'rest',
      order: { ...order, attempt, clientOrderId: derivedClientOrderId(order.parentId, `m${attempt}`), limitPrice: decimalString(fromNumber(bestPrice)), placedTs: tickTs },
    };
  }
  const price = fromNumber(bestPrice);
  if (execution.fallback === 'market') {
    return { kind: 'fallback', clientOrderId: derivedClientOrderId(order.parentId, 'market'), intent: { symbol: order.symbol, side: order.side, type: 'market', amount: order.amount, price: decimalString(price), reason: order.reason } };
  }
  const offset = new Dec(execution.iocLimitBps).div(10_000);
  const limit = order.side === 'buy' ? price.mul(new Dec(1).plus(offset)) : price.mul(new Dec(1).minus(offset));
  return { kind: 'fallback', clientOrderId: derivedClientOrderId(order.parentId, 'ioc'), intent: { symbol: order.symbol, side: order.side, type: 'limit', amount: order.amount, price: decimalString(limit), reason: order.reason, timeInForce: 'IOC' } };
}

/** Quote currency the resting buys hold back from new buys: amount x limit, plus the fee reserve planOrders keeps. */
export function reservedCashOf(orders: readonly WorkingOrder[], feeReserveFraction: number): Dec {
  let reserved = new Dec(0);
  for (const order of orders) {
    if (order.side === 'buy') reserved = reserved.plus(new Dec(order.amount).mul(order.limitPrice));
  }
  return reserved.mul(new Dec(1).plus(fromNumber(feeReserveFraction)));
}

/**
 * The resting orders (or TWAPs) a tick's risk decisions cancel: all of them after a drawdown halt (nothing may be
 * bought or held any more), else those of coins an exit sells at market (the stop wins over a maker sell still waiting).
 */
export function cancelledByRisk<T extends { symbol: string }>(orders: readonly T[], riskSellSymbols: ReadonlySet<string>, halted: boolean): { kept: T[]; cancelled: T[] } {
  const kept: T[] = [];
  const cancelled: T[] = [];
  for (const order of orders) (halted || riskSellSymbols.has(order.symbol) ? cancelled : kept).push(order);
  return { kept, cancelled };
}
