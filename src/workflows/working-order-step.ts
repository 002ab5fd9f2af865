import { executeChild, log, workflowInfo } from '@temporalio/workflow';
import type { OrderExecutionResult, WorkingOrderStepInput, WorkingOrderStepResult } from '../contracts/workflow-types.js';
import { taskQueuesFor } from '../contracts/task-queues.js';
import type { OrderState } from '../domain/market-types.js';
import { hasFill } from '../domain/fill-model.js';
import { nextAfterUnfilled, restingIntent } from '../domain/working-orders.js';
import { databaseActivities, exchangeReadActivities, exchangeWriteActivities } from './activity-profiles.js';
import { failureInfo } from './failure-info.js';
import { orderExecution } from './order-execution.js';

/**
 * One maker-first order resting since an earlier tick, stepped at this tick as the backtester's stepRestingOrders
 * steps it: looked up as of the tick (the paper broker fills it as a maker when the candles since it was placed traded
 * through its price); still open, it keeps resting when the coin has no price, else it is cancelled and re-priced at
 * the last price (a new post-only order, its client order id derived from the intent's) or, its re-prices spent, sent
 * on as the fallback taker order. Every placement looks its client order id up first, so a retried or replayed step
 * never places twice. A partial fill found at the cancel is booked and the rest dropped.
 */
export async function workingOrderStep(input: WorkingOrderStepInput): Promise<WorkingOrderStepResult> {
  const { order } = input;
  const queues = taskQueuesFor(input.taskQueuePrefix, input.exchange);
  const what = `${order.side} ${order.amount} ${order.symbol} at ${order.limitPrice} (${order.clientOrderId}, attempt ${order.attempt})`;
  const account = { exchange: input.exchange, account: input.account, quote: input.quote };
  const ref = { ...account, clientOrderId: order.clientOrderId, symbol: order.symbol, asOfMs: input.tickTs };
  const intent = restingIntent(order);
  const ended = async (final: OrderState): Promise<WorkingOrderStepResult> => {
    // Recorded under the tick that placed this attempt (its row's tick), as the backtest reports a maker fill.
    await databaseActivities(queues, `record resting order ${order.clientOrderId}`).recordOrder({ cycleId: input.cycleId, tickTs: order.placedTs, intent, order: final });
    return { kind: 'ended', intent, outcome: { ok: true, order: final } };
  };
  const failed = (error: unknown, placed: 'no' | 'unknown', clientOrderId = order.clientOrderId): WorkingOrderStepResult => {
    const { errorType, message } = failureInfo(error);
    log.warn('resting order step failed', { clientOrderId, symbol: order.symbol, errorType, message });
    return { kind: 'ended', intent, outcome: { ok: false, clientOrderId, symbol: order.symbol, errorType, message, placed } };
  };

  let current: OrderState | null;
  try {
    current = await exchangeReadActivities(queues, `check resting order: ${what}`).getOrder(ref);
  } catch (error) {
    // A paper fill the account cannot pay cancels the order (the backtester drops it the same way).
    return failed(error, failureInfo(error).errorType === 'InsufficientFunds' ? 'no' : 'unknown');
  }
  if (current === null) return failed(new Error(`resting order ${order.clientOrderId} is not found at the exchange`), 'unknown');
  if (current.status !== 'open') return ended(current);
  if (input.lastPrice === null) return { kind: 'working', order };

  const write = exchangeWriteActivities(queues, `cancel to re-price: ${what}`);
  let cancelled: OrderState | null;
  try {
    cancelled = await write.cancelOrder(ref);
  } catch (error) {
    return failed(error, failureInfo(error).errorType === 'InsufficientFunds' ? 'no' : 'unknown');
  }
  if (cancelled === null || cancelled.status === 'open') return failed(new Error(`resting order ${order.clientOrderId} is still open after its cancel`), 'unknown');
  if (cancelled.status === 'closed' || hasFill(cancelled)) return ended(cancelled);
  await databaseActivities(queues, `record cancelled order ${order.clientOrderId}`).recordOrder({ cycleId: input.cycleId, tickTs: order.placedTs, intent, order: cancelled });

  const next = nextAfterUnfilled(order, input.execution, input.tickTs, input.lastPrice);
  if (next.kind === 'rest') {
    const placement = await executeChild(orderExecution, {
      workflowId: `${workflowInfo().workflowId}/m${next.order.attempt}`,
      taskQueue: workflowInfo().taskQueue,
      args: [{ cycleId: input.cycleId, ...account, tickTs: input.tickTs, clientOrderId: next.order.clientOrderId, intent: restingIntent(next.order), fillTimeoutMs: input.fillTimeoutMs, taskQueuePrefix: input.taskQueuePrefix, rest: true, capKey: order.parentId }],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      staticSummary: `re-price ${next.order.side} ${next.order.amount} ${next.order.symbol} at ${next.order.limitPrice} (attempt ${next.order.attempt})`,
    }).catch((error: unknown): OrderExecutionResult => ({ ok: false, clientOrderId: next.order.clientOrderId, symbol: order.symbol, ...failureInfo(error) }));
    if (!placement.ok) return { kind: 'ended', intent: restingIntent(next.order), outcome: placement };
    if (placement.order.status === 'open') return { kind: 'working', order: next.order };
    return { kind: 'ended', intent: restingIntent(next.order), outcome: placement };
  }
  const fallback = await executeChild(orderExecution, {
    workflowId: `${workflowInfo().workflowId}/${next.intent.type === 'market' ? 'market' : 'ioc'}`,
    taskQueue: workflowInfo().taskQueue,
    args: [{ cycleId: input.cycleId, ...account, tickTs: input.tickTs, clientOrderId: next.clientOrderId, intent: next.intent, fillTimeoutMs: input.fillTimeoutMs, taskQueuePrefix: input.taskQueuePrefix, capKey: order.parentId }],
    workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
    staticSummary: `fallback ${next.intent.type} ${next.intent.side} ${next.intent.amount} ${next.intent.symbol}: ${next.intent.reason}`,
    // A child that failed as a whole: settleOrders judges its fate by the error type, as for the tick's own orders.
  }).catch((error: unknown): OrderExecutionResult => ({ ok: false, clientOrderId: next.clientOrderId, symbol: order.symbol, ...failureInfo(error) }));
  return { kind: 'fallback', intent: next.intent, outcome: fallback };
}
