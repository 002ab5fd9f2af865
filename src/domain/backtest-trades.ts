import { inDecimals, withExactFirst } from './decimal-arithmetic.js';
import type { Arithmetic, Num } from './decimal-arithmetic.js';
import { Dec } from './decimal-math.js';
import { KeelError } from './errors.js';
import type { BacktestOrder } from './backtest-types.js';

/*
 * A backtest's filled orders turned into closed trades. Each pair's buys build one position at its average cost (buy
 * fees included); each sell closes a trade for the amount it sold, at that average cost. A partial sell is a trade of
 * its own and leaves the rest of the position, at the same average cost, for later sells.
 */

export interface ClosedTrade {
  symbol: string;
  /** Sell proceeds - sell fee - cost of the amount sold. */
  pnl: Dec;
  /** Cost (buy notional + buy fees) of the amount sold. */
  cost: Dec;
  openedTs: number;
  closedTs: number;
  /** The sell's exit category (exitCategory of its reason). */
  exit: string;
}

interface OpenPosition<N> {
  amount: N;
  cost: N;
  openedTs: number;
}

/** Bookkeeping categories like "stop-loss: price 91.2 ≤ 92" start with a lowercase word and a colon. */
const CATEGORY_PREFIX = /^([a-z][a-z0-9_-]*):/;

/** A sell's exit category: the reason's leading lowercase "word:" (e.g. "stop-loss"), else "signal". */
export function exitCategory(reason: string): string {
  return CATEGORY_PREFIX.exec(reason)?.[1] ?? 'signal';
}

function decimalField(order: BacktestOrder, index: number, field: 'amount' | 'price' | 'fee'): Dec {
  const text = order[field];
  const value = parseDecimal(text);
  if (value && value.isFinite() && (field === 'fee' ? !value.isNegative() : value.greaterThan(0))) return value;
  throw fieldError(order, index, field);
}

function fieldError(order: BacktestOrder, index: number, field: 'amount' | 'price' | 'fee'): KeelError {
  const wanted = field === 'fee' ? 'a decimal ≥ 0' : 'a decimal > 0';
  return new KeelError('InvalidInput', `backtest order ${index} (${order.symbol} ${order.side}): ${field} must be ${wanted}, got ${JSON.stringify(order[field])}`);
}

/** decimalField in either number type (text Exact cannot read goes to Dec, which refuses what decimalField refuses). */
function checkedField<N extends Num<N>>(arithmetic: Arithmetic<N>, zero: N, order: BacktestOrder, index: number, field: 'amount' | 'price' | 'fee'): N {
  const text = order[field];
  // Anything but plain decimal text is read by decimalField first, which refuses what is not a finite decimal.
  if (typeof text !== 'string' || !PLAIN_DECIMAL.test(text)) decimalField(order, index, field);
  const value = arithmetic.of(text);
  if (field === 'fee' ? !value.isNegative() : value.greaterThan(zero)) return value;
  throw fieldError(order, index, field);
}

/** Decimal text every number type reads as a finite number (an exponent of 4 digits at most: Dec overflows past 9e15). */
const PLAIN_DECIMAL = /^-?\d+(?:\.\d+)?(?:e[+-]?\d{1,4})?$/i;

function parseDecimal(text: unknown): Dec | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    return new Dec(text);
  } catch {
    return undefined;
  }
}

/** Notional (amount × price) and fee of an order, checked. */
export function orderMoney(order: BacktestOrder, index: number): { amount: Dec; notional: Dec; fee: Dec } {
  const amount = decimalField(order, index, 'amount');
  return { amount, notional: amount.times(decimalField(order, index, 'price')), fee: decimalField(order, index, 'fee') };
}

/**
 * The closed trades of `orders` (in fill order), in the order they closed. Throws InvalidInput when a sell exceeds
 * what the buys before it left: the engine's books would be wrong and any figure from them meaningless.
 */
export function closedTrades(orders: readonly BacktestOrder[]): ClosedTrade[] {
  return withExactFirst((arithmetic) => tradesIn(arithmetic, orders));
}

/** closedTrades in Dec throughout (exported for the test that holds the two paths equal). */
export function decimalTrades(orders: readonly BacktestOrder[]): ClosedTrade[] {
  return inDecimals((arithmetic) => tradesIn(arithmetic, orders));
}

/** Dec's division precision: a share of a cost basis is divided as Dec divides it. */
const DIVISION_DIGITS = 40;

function tradesIn<N extends Num<N>>(arithmetic: Arithmetic<N>, orders: readonly BacktestOrder[]): ClosedTrade[] {
  const zero = arithmetic.of('0');
  const open = new Map<string, OpenPosition<N>>();
  const trades: Array<Omit<ClosedTrade, 'pnl' | 'cost'> & { pnl: N; cost: N }> = [];
  orders.forEach((order, index) => {
    const amount = checkedField(arithmetic, zero, order, index, 'amount');
    const notional = amount.times(checkedField(arithmetic, zero, order, index, 'price'));
    const fee = checkedField(arithmetic, zero, order, index, 'fee');
    const held = open.get(order.symbol);
    if (order.side === 'buy') {
      if (held) {
        held.amount = held.amount.plus(amount);
        held.cost = held.cost.plus(notional).plus(fee);
      } else {
        open.set(order.symbol, { amount, cost: notional.plus(fee), openedTs: order.tickTs });
      }
      return;
    }
    if (!held || amount.greaterThan(held.amount)) {
      throw new KeelError('InvalidInput', `backtest order ${index} sells ${order.amount} ${order.symbol} but the buys before it hold ${held ? arithmetic.text(held.amount) : '0'}`);
    }
    // Selling everything takes the whole cost, so no division remainder stays behind on a closed position.
    const cost = held.amount.minus(amount).isZero() ? held.cost : arithmetic.quotient(held.cost.times(amount), held.amount, DIVISION_DIGITS);
    trades.push({ symbol: order.symbol, pnl: notional.minus(fee).minus(cost), cost, openedTs: held.openedTs, closedTs: order.tickTs, exit: exitCategory(order.reason) });
    held.amount = held.amount.minus(amount);
    held.cost = held.cost.minus(cost);
    if (held.amount.isZero()) open.delete(order.symbol);
  });
  // Read back as Dec, digit for digit: the metrics compute in Dec from here.
  return trades.map((trade) => ({ ...trade, pnl: new Dec(arithmetic.text(trade.pnl)), cost: new Dec(arithmetic.text(trade.cost)) }));
}
