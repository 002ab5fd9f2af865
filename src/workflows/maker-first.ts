import { executeChild, log, workflowInfo } from '@temporalio/workflow';
import type { MarketCycleState, OrderExecutionResult, WorkingOrderStepResult } from '../contracts/workflow-types.js';
import type { TaskQueues } from '../contracts/task-queues.js';
import { orderWorkflowId } from '../contracts/workflow-ids.js';
import type { ExecutionConfig } from '../domain/execution-config.js';
import type { OrderIntent, OrderSide } from '../domain/market-types.js';
import type { OrderOutcome } from '../domain/tick-settlement.js';
import { hasFill } from '../domain/fill-model.js';
import { isMakerFirst, placeWorkingOrder, restingIntent, type WorkingOrder } from '../domain/working-orders.js';
import { databaseActivities, exchangeWriteActivities } from './activity-profiles.js';
import { failureInfo } from './failure-info.js';
import { workingOrderStep } from './working-order-step.js';
import { ORDER_FILL_TIMEOUT_MS, orderExecution } from './order-execution.js';
import { applySettlement } from './settle-into-state.js';

/*
 * Maker-first execution in the market cycle (execution.mode maker_first), in the backtester's order: resting orders
 * from earlier ticks are stepped before the tick decides (stepWorkingOrders), the tick's signal orders are placed
 * post-only and rest (placeMakerFirst), and an exit or a drawdown halt cancels what rests in its way (cancelInTheWay).
 * The pure rules are domain/working-orders.ts; each step and placement is a child workflow whose id is a business key.
 */

/** What a part of the tick leaves to settle: intents and, index for index, how each ended. */
export interface OrdersToSettle {
  intents: OrderIntent[];
  outcomes: OrderOutcome[];
}

interface Context {
  cycleId: string;
  state: MarketCycleState;
  tickTs: number;
  queues: TaskQueues;
}

const usable = (price: number | undefined): number | null => (price !== undefined && Number.isFinite(price) && price > 0 ? price : null);

/** The price a maker-first order of a coin and side rests at this tick (makerPrice of its ticker), or undefined without a ticker. */
export type BestPrice = (symbol: string, side: OrderSide) => number | undefined;

function accountOf(ctx: Context) {
  const { config } = ctx.state;
  return { cycleId: ctx.cycleId, exchange: config.exchange, account: ctx.cycleId, quote: config.quote };
}

/**
 * Steps every resting order, one after another in the order they were placed (fills draw on one balance, so the
 * order decides which a short balance refuses, as in the backtester). Returns what to settle and what rests on.
 */
export async function stepWorkingOrders(ctx: Context, execution: ExecutionConfig, bestPrice: BestPrice): Promise<OrdersToSettle & { working: WorkingOrder[] }> {
  const result: OrdersToSettle & { working: WorkingOrder[] } = { intents: [], outcomes: [], working: [] };
  for (const order of ctx.state.working ?? []) {
    const step: WorkingOrderStepResult = await executeChild(workingOrderStep, {
      workflowId: `${orderWorkflowId(ctx.cycleId, ctx.tickTs, order.symbol, order.side)}/step`,
      taskQueue: ctx.queues.cycle,
      args: [{ ...accountOf(ctx), tickTs: ctx.tickTs, order, execution, lastPrice: usable(bestPrice(order.symbol, order.side)), fillTimeoutMs: ORDER_FILL_TIMEOUT_MS, taskQueuePrefix: ctx.state.config.taskQueuePrefix }],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      staticSummary: `step resting ${order.side} ${order.amount} ${order.symbol} at ${order.limitPrice} (attempt ${order.attempt})`,
    }).catch((error: unknown): WorkingOrderStepResult => {
      // The step as a whole failed: whether its order still rests or filled is unknown, so its coin goes in doubt.
      const info = failureInfo(error);
      return { kind: 'ended', intent: restingIntent(order), outcome: { ok: false, clientOrderId: order.clientOrderId, symbol: order.symbol, ...info, placed: 'unknown' } };
    });
    if (step.kind === 'working') {
      result.working.push(step.order);
      continue;
    }
    result.intents.push(step.intent);
    result.outcomes.push(step.outcome);
  }
  return result;
}

/**
 * The tick's signal orders that go out maker-first: each placed post-only at the best bid or ask (the last price
 * where the market has no book) under the intent's
 * own order id, left resting. An order the exchange filled at once, or refused, is settled now; one that rests joins
 * `working`. Intents it does not take (exits, TWAP slices, a coin without a price) are returned for the usual order
 * children.
 */
export async function placeMakerFirst(ctx: Context, execution: ExecutionConfig, intents: readonly OrderIntent[], clientOrderIds: readonly string[], bestPrice: BestPrice, twapSlices: ReadonlyMap<string, string>): Promise<{ taker: number[]; settle: OrdersToSettle; working: WorkingOrder[] }> {
  const taker: number[] = [];
  const makers: Array<{ order: WorkingOrder }> = [];
  intents.forEach((intent, i) => {
    // A TWAP's slice is a market order by design: never maker-first.
    const last = isMakerFirst(intent, execution) && !twapSlices.has(clientOrderIds[i]!) ? usable(bestPrice(intent.symbol, intent.side)) : null;
    if (last === null) taker.push(i);
    else makers.push({ order: placeWorkingOrder(intent, clientOrderIds[i]!, ctx.tickTs, last) });
  });
  const settle: OrdersToSettle = { intents: [], outcomes: [] };
  const working: WorkingOrder[] = [];
  const results = await Promise.all(
    makers.map(({ order }) =>
      executeChild(orderExecution, {
        workflowId: orderWorkflowId(ctx.cycleId, ctx.tickTs, order.symbol, order.side),
        taskQueue: ctx.queues.cycle,
        args: [{ ...accountOf(ctx), tickTs: ctx.tickTs, clientOrderId: order.clientOrderId, intent: restingIntent(order), fillTimeoutMs: ORDER_FILL_TIMEOUT_MS, taskQueuePrefix: ctx.state.config.taskQueuePrefix, rest: true, capKey: order.parentId }],
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        staticSummary: `maker-first ${order.side} ${order.amount} ${order.symbol} at ${order.limitPrice}: ${order.reason}`,
      }).catch((error: unknown): OrderExecutionResult => ({ ok: false, clientOrderId: order.clientOrderId, symbol: order.symbol, ...failureInfo(error) })),
    ),
  );
  results.forEach((result, i) => {
    const { order } = makers[i]!;
    if (result.ok && result.order.status === 'open') working.push(order);
    else {
      settle.intents.push(restingIntent(order));
      settle.outcomes.push(result);
    }
  });
  return { taker, settle, working };
}

/**
 * Cancels the resting orders an exit or a drawdown halt sells through (see cancelledByRisk), before the tick's own
 * orders go out: a resting sell holds the coins a stop must sell. What the cancel finds filled is settled.
 */
export async function cancelInTheWay(ctx: Context, cancelled: readonly WorkingOrder[]): Promise<OrdersToSettle> {
  const settle: OrdersToSettle = { intents: [], outcomes: [] };
  const account = accountOf(ctx);
  for (const order of cancelled) {
    const write = exchangeWriteActivities(ctx.queues, `cancel resting ${order.side} ${order.amount} ${order.symbol} (${order.clientOrderId}): an exit sells this coin`);
    try {
      const final = await write.cancelOrder({ exchange: account.exchange, account: account.account, quote: account.quote, clientOrderId: order.clientOrderId, symbol: order.symbol, asOfMs: ctx.tickTs });
      // Keel's own record follows, under the tick that placed the order (as the step records its end).
      if (final !== null) await databaseActivities(ctx.queues, `record cancelled order ${order.clientOrderId}`).recordOrder({ cycleId: ctx.cycleId, tickTs: order.placedTs, intent: restingIntent(order), order: final });
      if (final !== null && final.status !== 'open' && !hasFill(final)) continue;
      settle.intents.push(restingIntent(order));
      settle.outcomes.push(final === null ? { ok: false, clientOrderId: order.clientOrderId, symbol: order.symbol, errorType: 'OrderNotFound', message: 'resting order not found at its cancel', placed: 'unknown' } : { ok: true, order: final });
    } catch (error) {
      log.warn('could not cancel a resting order in the way of an exit', { clientOrderId: order.clientOrderId, symbol: order.symbol, ...failureInfo(error) });
      settle.intents.push(restingIntent(order));
      settle.outcomes.push({ ok: false, clientOrderId: order.clientOrderId, symbol: order.symbol, ...failureInfo(error), placed: 'unknown' });
    }
  }
  return settle;
}

/** The cycle's resting orders after a step: absent from the state when none rests (cycles without maker-first never have it). */
export function setWorking(state: MarketCycleState, working: WorkingOrder[]): void {
  if (working.length > 0) state.working = working;
  else delete state.working;
}

/**
 * A cycle that finishes (maxTicks) leaves nothing resting: its maker orders are cancelled as of its last tick, as a
 * backtest ends with them cancelled, and what a cancel finds filled is booked.
 */
export async function cancelRestingAtEnd(state: MarketCycleState, queues: TaskQueues): Promise<void> {
  const resting = state.working ?? [];
  const tickTs = state.lastTick?.tickTs;
  if (resting.length === 0 || tickTs === undefined) return;
  log.info('cycle finished: cancelling its resting maker orders', { orders: resting.map((o) => o.clientOrderId) });
  const found = await cancelInTheWay({ cycleId: workflowInfo().workflowId, state, tickTs, queues }, resting);
  delete state.working;
  if (found.intents.length > 0) applySettlement(state, tickTs, found);
}

