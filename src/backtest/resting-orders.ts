import { Dec, decimalString } from '../domain/decimal-math.js';
import type { ExecutionConfig } from '../domain/execution-config.js';
import { filledOrderState, isMarketable, restingLimitFill, takerFill } from '../domain/fill-model.js';
import type { OrderIntent } from '../domain/market-types.js';
import type { OrderOutcome } from '../domain/tick-settlement.js';
import { nextAfterUnfilled, restingIntent, type WorkingOrder } from '../domain/working-orders.js';
import { fillIntent, type FillSettings } from './simulated-fill.js';

/*
 * The backtester's side of maker-first execution: each resting order judged against the candles since it was placed,
 * with the shared fill model (a maker fill only when a candle traded through its price), then re-priced or sent on
 * by the pure rules of working-orders.ts.
 */

/** What the market tells a resting order at a tick: the range of the candles since it was placed, and the last price. */
export interface RestingMarket {
  rangeSince(symbol: string, sinceMs: number): { high: number; low: number } | null;
  lastPrice(symbol: string): number | null;
}

export interface RestingStep {
  /** The orders that ended or went out this tick, index for index with `outcomes`: what settleOrders books. */
  intents: OrderIntent[];
  outcomes: OrderOutcome[];
  /** Whether each outcome's fill was a maker's (index for index). */
  makers: boolean[];
  /**
   * The tick each outcome is reported under (index for index): a maker fill under the tick that placed the resting
   * order (the market cycle records the order's row then), a fallback under this tick.
   */
  recordTs: number[];
  /** Orders still resting after the tick (re-priced ones at their new price). */
  working: WorkingOrder[];
  /** The quote balance after this step's buys. */
  cash: string;
}

/**
 * Steps every resting order at `tickTs`, in the order they were placed: filled as a maker when its candles traded
 * through it; otherwise re-priced at the last price, or, once its re-prices are spent, sent as the fallback taker order
 * (an ioc that would not fill at once expires with nothing filled). A pair without a price this tick keeps resting.
 */
export function stepRestingOrders(input: { working: readonly WorkingOrder[]; tickTs: number; execution: ExecutionConfig; market: RestingMarket; cash: string; settings: FillSettings }): RestingStep {
  const { tickTs, settings } = input;
  const step: RestingStep = { intents: [], outcomes: [], makers: [], recordTs: [], working: [], cash: input.cash };
  for (const order of input.working) {
    const range = input.market.rangeSince(order.symbol, order.placedTs);
    const fill = range === null ? null : restingLimitFill(order.side, order.amount, order.limitPrice, range, settings);
    if (fill !== null) {
      const intent = restingIntent(order);
      const cashAfter = order.side === 'buy' ? new Dec(step.cash).minus(fill.notional).minus(fill.fee) : new Dec(step.cash);
      step.intents.push(intent);
      step.makers.push(true);
      step.recordTs.push(order.placedTs);
      if (cashAfter.isNegative()) {
        step.outcomes.push({ ok: false, clientOrderId: order.clientOrderId, symbol: order.symbol, errorType: 'InsufficientFunds', message: `${settings.quote} balance ${step.cash} is below the maker fill of ${order.side} ${order.amount} ${order.symbol} at ${order.limitPrice}`, placed: 'no' });
        continue;
      }
      step.cash = decimalString(cashAfter);
      step.outcomes.push({ ok: true, order: filledOrderState(order.clientOrderId, `paper-${order.clientOrderId}`, intent, fill, tickTs) });
      continue;
    }
    const last = input.market.lastPrice(order.symbol);
    if (last === null) {
      step.working.push(order);
      continue;
    }
    const next = nextAfterUnfilled(order, input.execution, tickTs, last);
    if (next.kind === 'rest') {
      step.working.push(next.order);
      continue;
    }
    step.intents.push(next.intent);
    step.makers.push(false);
    step.recordTs.push(tickTs);
    if (next.intent.type === 'limit' && !isMarketable(next.intent.side, next.intent.price, takerFill(next.intent.side, next.intent.amount, last, settings).price)) {
      step.outcomes.push({ ok: false, clientOrderId: next.clientOrderId, symbol: order.symbol, errorType: 'Expired', message: `immediate-or-cancel ${order.side} limit ${next.intent.price} for ${order.symbol} did not fill at once; the signal's order is dropped`, placed: 'no' });
      continue;
    }
    const taker = fillIntent({ intent: next.intent, clientOrderId: next.clientOrderId, tickTs, cash: step.cash, ticker: { last }, settings });
    if (taker.ok) step.cash = taker.cashAfter;
    step.outcomes.push(taker.ok ? { ok: true, order: taker.order } : taker.failure);
  }
  return step;
}
