import { log, sleep } from '@temporalio/workflow';
import type { OrderExecutionInput, OrderExecutionResult } from '../contracts/workflow-types.js';
import { taskQueuesFor } from '../contracts/task-queues.js';
import type { OrderState } from '../domain/market-types.js';
import { orderOutcomeUnknown } from './account-checks.js';
import { databaseActivities, exchangeReadActivities, exchangeWriteActivities } from './activity-profiles.js';
import { failureInfo } from './failure-info.js';

const FILL_POLL_INTERVAL_MS = 2_000;
/** How long a tick's order waits for its fill before cancelling (a market order fills at once). */
export const ORDER_FILL_TIMEOUT_MS = 60_000;

/**
 * Place one order and see it to a final state. The client order id is derived from business keys by the parent, and
 * `placeOrder` looks it up before every attempt, so retries, worker crashes and replays can never place it twice.
 */
export async function orderExecution(input: OrderExecutionInput): Promise<OrderExecutionResult> {
  const queues = taskQueuesFor(input.taskQueuePrefix, input.exchange);
  const what = `${input.intent.side} ${input.intent.amount} ${input.intent.symbol} (${input.clientOrderId})`;
  const write = exchangeWriteActivities(queues, `look up, then place: ${what}`);
  const read = exchangeReadActivities(queues, `check fill: ${what}`);
  const db = databaseActivities(queues, `record order ${input.clientOrderId}`);
  const account = { exchange: input.exchange, account: input.account, quote: input.quote };
  // Until placeOrder returns, a refusal means nothing was placed (placeOrder itself reports a refusal after a lost
  // reply as OrderFateUnknown); once it has returned, any failure leaves an order behind whose fate keel cannot know.
  let placing = true;
  try {
    let order: OrderState = await write.placeOrder({ ...account, clientOrderId: input.clientOrderId, intent: input.intent, asOfMs: input.tickTs, ...(input.capKey !== undefined && { capKey: input.capKey }) });
    placing = false;
    // A maker-first order rests between ticks: the cycle steps it at the next tick (workingOrderStep).
    const deadlineMs = input.rest === true ? Date.now() : Date.now() + input.fillTimeoutMs;
    // Limit orders may rest on the book: poll with durable timers until filled or the deadline, then cancel.
    while (order.status === 'open' && Date.now() < deadlineMs) {
      await sleep(FILL_POLL_INTERVAL_MS, { summary: `wait for fill of ${input.clientOrderId}` });
      order = (await read.getOrder({ ...account, clientOrderId: input.clientOrderId, symbol: input.intent.symbol })) ?? order;
    }
    if (order.status === 'open' && input.rest !== true) {
      order = (await write.cancelOrder({ ...account, clientOrderId: input.clientOrderId, symbol: input.intent.symbol })) ?? order;
    }
    await db.recordOrder({ cycleId: input.cycleId, tickTs: input.tickTs, intent: input.intent, order });
    return { ok: true, order };
  } catch (error) {
    const { errorType, message } = failureInfo(error);
    log.warn(placing ? 'order failed' : 'order failed after it was placed', { clientOrderId: input.clientOrderId, symbol: input.intent.symbol, errorType, message });
    const placed = placing && !orderOutcomeUnknown(errorType) ? 'no' : 'unknown';
    return { ok: false, clientOrderId: input.clientOrderId, symbol: input.intent.symbol, errorType, message, placed };
  }
}
