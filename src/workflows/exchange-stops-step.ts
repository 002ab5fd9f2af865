import { executeChild, log } from '@temporalio/workflow';
import type { MarketCycleState, OrderExecutionResult } from '../contracts/workflow-types.js';
import type { TaskQueues } from '../contracts/task-queues.js';
import { orderWorkflowId } from '../contracts/workflow-ids.js';
import { clientOrderIdFor } from '../domain/business-key.js';
import { hasFill } from '../domain/fill-model.js';
import { exchangeStopIntent, planExchangeStops, type ExchangeStop } from '../domain/exchange-stops.js';
import type { MarketOrderRules } from '../domain/market-rules.js';
import type { OrderState } from '../domain/market-types.js';
import type { RiskLayerConfig } from '../domain/risk-layer-config.js';
import type { CoinEvaluation } from '../domain/signal-types.js';
import { derivedClientOrderId } from '../domain/working-orders.js';
import { databaseActivities, exchangeReadActivities, exchangeWriteActivities } from './activity-profiles.js';
import { failureInfo } from './failure-info.js';
import type { OrdersToSettle } from './maker-first.js';
import { ORDER_FILL_TIMEOUT_MS, orderExecution } from './order-execution.js';

/*
 * Stops resting on the exchange in the market cycle (exits.onExchange, live accounts): a stop the exchange triggered
 * since the last tick is booked before the tick decides (settleTriggeredStops); any sell of a coin cancels its stop
 * first, since the stop holds the coins (cancelStopsOf); after the tick every held coin's stop is placed or replaced
 * at its level in force (refreshExchangeStops). The rules are domain/exchange-stops.ts.
 */

interface Context {
  cycleId: string;
  state: MarketCycleState;
  tickTs: number;
  queues: TaskQueues;
}

const accountOf = (ctx: Context) => ({ exchange: ctx.state.config.exchange, account: ctx.cycleId, quote: ctx.state.config.quote });

function setStops(state: MarketCycleState, stops: ExchangeStop[]): void {
  if (stops.length > 0) state.exchangeStops = stops;
  else delete state.exchangeStops;
}

/** Records a stop's end under the tick that placed it, and returns what to settle when something filled. */
async function ended(ctx: Context, stop: ExchangeStop, order: OrderState, into: OrdersToSettle): Promise<void> {
  await databaseActivities(ctx.queues, `record stop order ${stop.clientOrderId}`).recordOrder({ cycleId: ctx.cycleId, tickTs: stop.placedTs, intent: exchangeStopIntent(stop), order });
  if (hasFill(order)) {
    into.intents.push(exchangeStopIntent(stop));
    into.outcomes.push({ ok: true, order });
  }
}

/**
 * Before the tick decides: each resting stop looked up; one the exchange triggered is booked as a stop-loss sell at
 * its fill (a part-filled one is cancelled for the rest), one that is gone (cancelled by hand) is dropped and placed
 * again after the tick. A look-up that fails keeps the stop: the next tick looks again.
 */
export async function settleTriggeredStops(ctx: Context): Promise<OrdersToSettle> {
  const settle: OrdersToSettle = { intents: [], outcomes: [] };
  const kept: ExchangeStop[] = [];
  const read = exchangeReadActivities(ctx.queues, 'check the stops resting on the exchange');
  for (const stop of ctx.state.exchangeStops ?? []) {
    let order: OrderState | null;
    try {
      order = await read.getOrder({ ...accountOf(ctx), clientOrderId: stop.clientOrderId, symbol: stop.symbol, asOfMs: ctx.tickTs });
    } catch (error) {
      log.warn('could not check a stop resting on the exchange; it stays, and is checked again at the next tick', { clientOrderId: stop.clientOrderId, symbol: stop.symbol, ...failureInfo(error) });
      kept.push(stop);
      continue;
    }
    if (order === null) {
      log.warn('a stop keel placed is not found at the exchange; it is placed again after this tick', { clientOrderId: stop.clientOrderId, symbol: stop.symbol });
      continue;
    }
    if (order.status === 'open' && !hasFill(order)) {
      kept.push(stop);
      continue;
    }
    if (order.status === 'open') order = (await exchangeWriteActivities(ctx.queues, `cancel the rest of a part-filled stop ${stop.clientOrderId}`).cancelOrder({ ...accountOf(ctx), clientOrderId: stop.clientOrderId, symbol: stop.symbol })) ?? order;
    if (hasFill(order)) log.info('a stop resting on the exchange fired', { symbol: stop.symbol, stopPrice: stop.stopPrice, filled: order.filled, averagePrice: order.averagePrice });
    await ended(ctx, stop, order, settle);
  }
  setStops(ctx.state, kept);
  return settle;
}

/**
 * Cancels the resting stops of coins about to be sold (the stop holds their coins). A fill found at the cancel is
 * settled; a cancel that fails leaves the coin's fate unknown (in doubt until reconciled), as for a maker order.
 */
export async function cancelStopsOf(ctx: Context, symbols: ReadonlySet<string>, why: string): Promise<OrdersToSettle> {
  const settle: OrdersToSettle = { intents: [], outcomes: [] };
  const stops = ctx.state.exchangeStops ?? [];
  const cancelled = stops.filter((s) => symbols.has(s.symbol));
  if (cancelled.length === 0) return settle;
  setStops(ctx.state, stops.filter((s) => !symbols.has(s.symbol)));
  for (const stop of cancelled) {
    try {
      const final = await exchangeWriteActivities(ctx.queues, `cancel stop ${stop.clientOrderId} of ${stop.symbol}: ${why}`).cancelOrder({ ...accountOf(ctx), clientOrderId: stop.clientOrderId, symbol: stop.symbol });
      if (final !== null) await ended(ctx, stop, final, settle);
    } catch (error) {
      log.warn('could not cancel a stop resting on the exchange', { clientOrderId: stop.clientOrderId, symbol: stop.symbol, ...failureInfo(error) });
      settle.intents.push(exchangeStopIntent(stop));
      settle.outcomes.push({ ok: false, clientOrderId: stop.clientOrderId, symbol: stop.symbol, ...failureInfo(error), placed: 'unknown' });
    }
  }
  return settle;
}

/**
 * After the tick: the exchange holds, for each held coin with a stop level in force, one stop-market sell of the
 * position at that level (planExchangeStops); moved or resized stops are replaced, stops of coins no longer held are
 * cancelled. Coins with a sell still under way (`busy`: a resting maker sell, a TWAP selling) get none: it would hold
 * the coins that sell needs. Each placement is an order child under a derived id, so a redone tick finds it.
 */
export async function refreshExchangeStops(
  ctx: Context,
  input: { riskLayer: RiskLayerConfig; evaluations: readonly CoinEvaluation[]; prices: Readonly<Record<string, number>>; rules: Readonly<Record<string, MarketOrderRules>>; busy: ReadonlySet<string> },
): Promise<OrdersToSettle> {
  const { state } = ctx;
  const plan = planExchangeStops({ resting: state.exchangeStops ?? [], portfolio: state.portfolio!, risk: state.risk!, config: input.riskLayer, evaluations: input.evaluations, prices: input.prices, rules: input.rules, tickNo: state.tickNo });
  for (const skip of plan.skipped) log.info('stop not placed on the exchange', skip);
  const settle = await cancelStopsOf(ctx, new Set(plan.cancel.map((s) => s.symbol)), 'its level or amount changed, or the coin is sold');
  const placed: ExchangeStop[] = [];
  const wanted = plan.place.filter((p) => !input.busy.has(p.symbol));
  const results = await Promise.all(
    wanted.map((want) => {
      const clientOrderId = derivedClientOrderId(clientOrderIdFor({ cycleId: ctx.cycleId, tickTs: ctx.tickTs, symbol: want.symbol, side: 'sell' }), 'stop');
      return executeChild(orderExecution, {
        workflowId: `${orderWorkflowId(ctx.cycleId, ctx.tickTs, want.symbol, 'sell')}/stop`,
        taskQueue: ctx.queues.cycle,
        args: [{ ...accountOf(ctx), cycleId: ctx.cycleId, tickTs: ctx.tickTs, clientOrderId, intent: exchangeStopIntent(want), fillTimeoutMs: ORDER_FILL_TIMEOUT_MS, taskQueuePrefix: state.config.taskQueuePrefix, rest: true }],
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        staticSummary: `stop ${want.amount} ${want.symbol} at ${want.stopPrice} on the exchange`,
      }).catch((error: unknown): OrderExecutionResult => ({ ok: false, clientOrderId, symbol: want.symbol, ...failureInfo(error) }));
    }),
  );
  results.forEach((result, i) => {
    const want = wanted[i]!;
    if (result.ok && result.order.status === 'open') {
      placed.push({ ...want, clientOrderId: result.order.clientOrderId, placedTs: ctx.tickTs });
      return;
    }
    if (!result.ok) log.warn('could not place a stop on the exchange; keel still checks the stop at each candle', { symbol: want.symbol, stopPrice: want.stopPrice, errorType: result.errorType, message: result.message });
    // Triggered at once, or of unknown fate: settled like any order (an unknown one puts the coin in doubt).
    settle.intents.push(exchangeStopIntent(want));
    settle.outcomes.push(result);
  });
  setStops(state, [...plan.keep, ...placed].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0)));
  return settle;
}

/** Coins whose coins a sell already under way holds (a resting maker sell, a TWAP selling): they get no stop. */
export function coinsBeingSold(state: MarketCycleState): Set<string> {
  return new Set([...(state.working ?? []).filter((o) => o.side === 'sell').map((o) => o.symbol), ...(state.twaps ?? []).filter((t) => t.side === 'sell').map((t) => t.symbol)]);
}

/**
 * The stops after the tick: refreshed while exits.onExchange is on; all cancelled once it is switched off (keel then
 * checks the stops at each candle only). Returns what a cancel found filled, to settle.
 */
export async function stopsAfterTick(ctx: Context, input: Omit<Parameters<typeof refreshExchangeStops>[1], 'busy'>): Promise<OrdersToSettle> {
  const { state } = ctx;
  if (state.config.exits?.onExchange === true && state.risk !== undefined) return refreshExchangeStops(ctx, { ...input, busy: coinsBeingSold(state) });
  if ((state.exchangeStops?.length ?? 0) === 0) return { intents: [], outcomes: [] };
  return cancelStopsOf(ctx, new Set(state.exchangeStops!.map((s) => s.symbol)), 'exits.onExchange was switched off');
}
