import { log } from '@temporalio/activity';
import type { ResolvedOrder } from '../contracts/activity-types.js';
import { Dec } from '../domain/decimal-math.js';
import type { OrderState } from '../domain/market-types.js';
import { isFinalStatus, positionChangeOf, unbookedFill } from '../domain/order-doubts.js';
import type { OrderDoubt } from '../domain/order-doubts.js';
import type { Database } from '../db/client.js';
import { upsertOrder } from '../db/queries/orders.js';
import type { ReconciliationFinding } from '../db/queries/reconciliation.js';
import type { OrderBroker } from '../exchange/port.js';

export interface DoubtResolution {
  resolved: ResolvedOrder[];
  /** Doubts the exchange could not settle yet (and fills that could not be booked): one finding each. */
  findings: ReconciliationFinding[];
  /** symbol -> base the cycle will book from `resolved` (what the balance check must expect besides the positions). */
  positionChanges: Map<string, Dec>;
}

/**
 * Looks every order of unknown fate up by its client order id. A final answer is recorded in keel's orders table (so
 * no later check calls it unknown) and returned for the cycle to book; an order still open is cancelled first (keel's
 * order child would have cancelled it at its fill deadline). No answer from a live exchange proves nothing (its lookups
 * may lag the order): the doubt stays, as a finding a person can see and acknowledge. The paper ledger IS the exchange
 * of a paper account, so its "no such order" is final: nothing was placed.
 */
export async function resolveOrderDoubts(
  deps: { broker: OrderBroker; db: Database; read: <T>(what: string, run: () => Promise<T>) => Promise<T> },
  input: { cycleId: string; account: string; exchange: string; doubts: readonly OrderDoubt[] },
): Promise<DoubtResolution> {
  const { broker, db, read } = deps;
  const result: DoubtResolution = { resolved: [], findings: [], positionChanges: new Map() };
  for (const doubt of input.doubts) {
    const where = `${doubt.intent.side} ${doubt.intent.amount} ${doubt.symbol} (client order id ${doubt.clientOrderId})`;
    if (doubt.kind === 'fill_unapplied') {
      result.findings.push({ kind: 'fill_unapplied', ref: doubt.clientOrderId, symbol: doubt.symbol, detail: `${where}: ${doubt.reason}; acknowledge it once the position is put right` });
      continue;
    }
    let order: OrderState | null = await read(`find order ${doubt.clientOrderId}`, () => broker.findOrder(input.account, doubt.clientOrderId, doubt.symbol));
    if (order !== null && !isFinalStatus(order)) {
      log.info('order of unknown fate is still open; cancelling it', { clientOrderId: doubt.clientOrderId, symbol: doubt.symbol, filled: order.filled });
      order = (await read(`cancel order ${doubt.clientOrderId}`, () => broker.cancelOrder(input.account, doubt.clientOrderId, doubt.symbol))) ?? order;
    }
    if (order === null) {
      if (broker.mode === 'paper') {
        result.resolved.push({ clientOrderId: doubt.clientOrderId, outcome: 'never_placed' });
        log.info('order of unknown fate was never placed (the paper ledger has no such order)', { clientOrderId: doubt.clientOrderId, symbol: doubt.symbol });
        continue;
      }
      result.findings.push({
        kind: 'order_fate_unknown',
        ref: doubt.clientOrderId,
        symbol: doubt.symbol,
        detail: `${where}: ${doubt.reason}; ${input.exchange} has no order with this client order id yet (its look-ups can lag); looked up again at every reconciliation`,
      });
      continue;
    }
    if (!isFinalStatus(order)) {
      result.findings.push({ kind: 'order_fate_unknown', ref: doubt.clientOrderId, symbol: doubt.symbol, detail: `${where}: still open at ${input.exchange} after a cancel (filled ${order.filled} so far)` });
      continue;
    }
    await upsertOrder(db, { cycleId: input.cycleId, tickTs: doubt.tickTs, reason: doubt.intent.reason, price: doubt.intent.price, ...order });
    result.resolved.push({ clientOrderId: doubt.clientOrderId, outcome: 'found', order });
    const unbooked = unbookedFill(order, doubt.applied);
    if (unbooked !== null) result.positionChanges.set(doubt.symbol, (result.positionChanges.get(doubt.symbol) ?? new Dec(0)).plus(positionChangeOf(unbooked)));
    log.info('order of unknown fate found; its fill is adopted', { clientOrderId: doubt.clientOrderId, symbol: doubt.symbol, status: order.status, filled: order.filled, averagePrice: order.averagePrice });
  }
  return result;
}
