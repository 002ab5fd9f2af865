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

interface OpenPosition {
  amount: Dec;
  cost: Dec;
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
  const wanted = field === 'fee' ? 'a decimal ≥ 0' : 'a decimal > 0';
  throw new KeelError('InvalidInput', `backtest order ${index} (${order.symbol} ${order.side}): ${field} must be ${wanted}, got ${JSON.stringify(text)}`);
}

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
  const open = new Map<string, OpenPosition>();
  const trades: ClosedTrade[] = [];
  orders.forEach((order, index) => {
    const { amount, notional, fee } = orderMoney(order, index);
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
      throw new KeelError('InvalidInput', `backtest order ${index} sells ${order.amount} ${order.symbol} but the buys before it hold ${held ? held.amount.toFixed() : '0'}`);
    }
    // Selling everything takes the whole cost, so no division remainder stays behind on a closed position.
    const cost = amount.equals(held.amount) ? held.cost : held.cost.times(amount).div(held.amount);
    trades.push({ symbol: order.symbol, pnl: notional.minus(fee).minus(cost), cost, openedTs: held.openedTs, closedTs: order.tickTs, exit: exitCategory(order.reason) });
    held.amount = held.amount.minus(amount);
    held.cost = held.cost.minus(cost);
    if (held.amount.isZero()) open.delete(order.symbol);
  });
  return trades;
}
