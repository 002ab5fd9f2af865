import { log, patched } from '@temporalio/workflow';
import type { MarketCycleState } from '../contracts/workflow-types.js';
import { addFees } from '../domain/live-cash.js';
import type { OrderState } from '../domain/market-types.js';
import { withDoubts } from '../domain/order-doubts.js';
import { settleOrders } from '../domain/tick-settlement.js';
import type { OrdersToSettle } from './maker-first.js';
import { ORDER_DOUBTS_PATCH, ORDER_FATE_PATCH, RECONCILE_ACCOUNT_PATCH } from './patches.js';

/**
 * Settles orders into the state: fills booked, cooldowns, fees since the last reconciliation, and doubts for orders of
 * unknown fate. Returns the booked fills.
 */
export function applySettlement(state: MarketCycleState, tickTs: number, orders: OrdersToSettle): OrderState[] {
  const { config } = state;
  const settlement = settleOrders({
    portfolio: state.portfolio!,
    cooldowns: state.cooldowns,
    tickNo: state.tickNo + 1,
    tickTs,
    cooldownTicks: config.risk.cooldownTicks,
    intents: orders.intents,
    outcomes: orders.outcomes,
    // Asked only when a result is one the stricter rule judges differently, so ticks without such orders record no marker.
    strictFate: () => patched(ORDER_FATE_PATCH),
  });
  for (const { message, fields } of settlement.warnings) log.warn(message, fields);
  for (const { message, fields } of settlement.errors) log.error(message, fields);
  const { filled, unknownFate, doubts } = settlement;
  state.portfolio = settlement.portfolio;
  state.cooldowns = settlement.cooldowns;
  if (filled.length > 0) state.feesSinceReconcile = addFees(state.feesSinceReconcile, settlement.feesBooked);
  // An order that may or may not exist at the exchange: its coin is in doubt until the account is reconciled, which
  // happens before the next tick; reconciliation looks each such order up by its client order id.
  if (unknownFate.length > 0 && patched(RECONCILE_ACCOUNT_PATCH)) {
    if (patched(ORDER_DOUBTS_PATCH)) state.orderDoubts = withDoubts(state.orderDoubts, doubts);
    state.inDoubt = [...new Set([...(state.inDoubt ?? []), ...unknownFate])].sort();
    state.reconcileReason = `order fault in tick ${state.tickNo + 1}: ${unknownFate.join(', ')}`;
    log.warn('orders of unknown fate; their coins are in doubt until reconciled', { symbols: unknownFate, clientOrderIds: doubts.map((d) => d.clientOrderId) });
  }
  return filled;
}

