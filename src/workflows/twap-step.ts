import { log } from '@temporalio/workflow';
import type { CycleStatus, MarketCycleState } from '../contracts/workflow-types.js';
import type { ExecutionConfig } from '../domain/execution-config.js';
import type { MarketOrderRules } from '../domain/market-rules.js';
import type { OrderIntent } from '../domain/market-types.js';
import { dueTwapSlices, twapAmountLeft, type TwapOrder } from '../domain/twap.js';
import { cancelledByRisk } from '../domain/working-orders.js';

/*
 * TWAP slices in the market cycle (execution.twap), in the backtester's order: an exit or a drawdown halt ends its
 * coin's TWAP before anything goes out, then the slices due this tick go out ahead of the tick's new orders. The rules
 * are domain/twap.ts; the tick's timer is the slices' durable timer.
 */

/** An order the tick sends as a taker, under its client order id. */
export interface TakerOrder {
  intent: OrderIntent;
  clientOrderId: string;
}

/** The TWAPs still under way, or none: absent from the state when none is (cycles without TWAP never have it). */
export function setTwaps(state: MarketCycleState, twaps: TwapOrder[]): void {
  if (twaps.length > 0) state.twaps = twaps;
  else delete state.twaps;
}

/**
 * Ends the TWAPs the tick's exits (riskSellSymbols) or a drawdown halt sell through, and returns the slices due now
 * (state.twaps moves on to what is left after them).
 */
export function dueSlices(state: MarketCycleState, execution: ExecutionConfig, riskSellSymbols: ReadonlySet<string>, market: { prices: Readonly<Record<string, number>>; rules: Readonly<Record<string, MarketOrderRules>> }): TakerOrder[] {
  const { kept, cancelled } = cancelledByRisk(state.twaps ?? [], riskSellSymbols, state.risk?.halt != null);
  if (cancelled.length > 0) log.info('TWAPs ended by an exit or a drawdown halt: their remaining slices are not sent', { twaps: cancelled.map((t) => `${t.side} ${t.symbol} (${t.parentId}, ${t.amounts.length - t.next} slices left)`) });
  const due = dueTwapSlices({ twaps: kept, tickNo: state.tickNo, intervalTicks: execution.twap?.intervalTicks ?? 1, prices: market.prices, portfolio: state.portfolio!, rules: market.rules });
  setTwaps(state, due.twaps);
  return due.slices.map((slice) => ({ intent: slice.intent, clientOrderId: slice.clientOrderId }));
}

/** A cycle that finishes leaves no TWAP under way: its remaining slices are not sent (a backtest ends the same way). */
export function endTwaps(state: MarketCycleState): void {
  if (state.twaps === undefined) return;
  log.info('cycle finished: TWAPs under way end without their remaining slices', { twaps: state.twaps.map((t) => `${t.side} ${t.symbol} (${t.parentId})`) });
  delete state.twaps;
}

/** A TWAP as the cycle's status shows it. */
export function twapStatus(twap: TwapOrder): NonNullable<CycleStatus['twaps']>[number] {
  return { symbol: twap.symbol, side: twap.side, slicesSent: twap.next, slices: twap.amounts.length, amountLeft: twapAmountLeft(twap), nextSliceTick: twap.dueTickNo + 1, parentId: twap.parentId };
}
