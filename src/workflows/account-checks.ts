import { ApplicationFailure, log } from '@temporalio/workflow';
import type { CycleConfig } from '../domain/cycle-config.js';
import type { TaskQueues } from '../contracts/task-queues.js';
import type { MarketCycleState } from '../contracts/workflow-types.js';
import type { ResolvedOrder } from '../contracts/activity-types.js';
import { tryBookFill } from '../domain/tick-settlement.js';
import { addFees, checkLiveCash } from '../domain/live-cash.js';
import type { OrderState } from '../domain/market-types.js';
import { appliedFillOf, doubtKindOfFinding, symbolsInDoubt, unbookedFill, withDoubts } from '../domain/order-doubts.js';
import { exchangeReadActivities, reconciliationActivities } from './activity-profiles.js';
import { failureInfo } from './failure-info.js';

/** Fills older than this are not read by a reconciliation. */
const RECONCILE_WINDOW_MS = 24 * 3_600_000;

export { orderOutcomeUnknown } from '../domain/order-fate.js';

/**
 * Checks the market settings of `config` on the exchange queue (symbols listed, timeframe served, request plan within
 * the budget). Throws a non-retryable ApplicationFailure of type InvalidConfig with the activity's message when they
 * are invalid. Any other failure (the exchange unreachable through every retry) is thrown as type
 * MarketConfigUnchecked, or, with `lenient`, logged and let through: a starting cycle still runs and its scan skips
 * unknown symbols.
 */
export async function validateMarketConfig(config: CycleConfig, queues: TaskQueues, options: { lenient: boolean }): Promise<void> {
  const what = `${config.universe.symbols === null ? `top ${config.universe.maxCoins}` : `${config.universe.symbols.length} listed`} ${config.quote} coins, ${config.timeframe} candles`;
  try {
    const result = await exchangeReadActivities(queues, `check market config on ${config.exchange}: ${what}`).validateMarketConfig({
      exchange: config.exchange,
      quote: config.quote,
      symbols: config.universe.symbols,
      timeframe: config.timeframe,
      maxCoins: config.universe.maxCoins,
      ...(config.execution?.mode === 'maker_first' && { executionMode: 'maker_first' as const }),
      ...(config.exits?.onExchange === true && { stopsOnExchange: true as const }),
    });
    if (result.budget !== null) log.info('market config checked', { exchange: config.exchange, budget: result.budget });
  } catch (error) {
    const { errorType, message } = failureInfo(error);
    if (errorType === 'InvalidConfig') throw ApplicationFailure.nonRetryable(message, 'InvalidConfig');
    if (options.lenient) {
      log.warn('could not check the market config; continuing without the check', { errorType, message });
      return;
    }
    throw ApplicationFailure.nonRetryable(`could not check the market config on ${config.exchange} (${errorType}: ${message}); try again`, 'MarketConfigUnchecked');
  }
}

/**
 * Reads the account once and compares it with keel's records; the symbols it cannot explain, with those of the orders
 * still of unknown fate, replace `state.inDoubt`. Orders the exchange settled are booked (only what was not booked
 * before); in live mode the cycle's cash follows the account's quote balance. When the reconciliation itself fails,
 * the symbols already in doubt stay so and it is tried again before the next tick.
 */
export async function reconcileAccount(state: MarketCycleState, cycleId: string, queues: TaskQueues): Promise<void> {
  const { config } = state;
  const reason = state.reconcileReason ?? 'symbols in doubt';
  const doubts = state.orderDoubts ?? [];
  try {
    const result = await reconciliationActivities(queues, `reconcile ${config.exchange} account (${reason}): ${doubts.length > 0 ? `${doubts.length} orders of unknown fate, ` : ''}open orders, recent fills, balances`).reconcileAccount({
      exchange: config.exchange,
      cycleId,
      account: cycleId,
      quote: config.quote,
      sinceMs: Date.now() - RECONCILE_WINDOW_MS,
      positions: Object.values(state.portfolio?.positions ?? {}).map((p) => ({ symbol: p.symbol, amount: p.quantity })),
      ...(doubts.length > 0 && { pendingOrders: doubts }),
    });
    const settled = settleDoubts(state, result.resolvedOrders ?? [], result.acknowledged ?? []);
    if (result.mode !== undefined) state.brokerMode = result.mode;
    if (result.quoteBalance !== undefined) followQuoteBalance(state, result.quoteBalance);
    const cleared = (state.inDoubt ?? []).filter((symbol) => !result.inDoubt.includes(symbol));
    state.inDoubt = symbolsInDoubt(state.orderDoubts, result.inDoubt);
    state.reconciledAtTick = state.tickNo;
    state.feesSinceReconcile = '0';
    delete state.reconcileReason;
    if (result.findings > 0) log.warn('reconciliation found what keel does not know; those coins are not traded while in doubt', { reason, inDoubt: state.inDoubt, unknownOrders: result.unknownOrders, settled, report: result.report });
    else log.info('reconciliation: account agrees with keel', { reason, cleared, settled, report: result.report });
  } catch (error) {
    log.warn('reconciliation failed; coins in doubt stay untraded and it runs again before the next tick', { reason, inDoubt: state.inDoubt ?? [], ...failureInfo(error) });
  }
}

/**
 * Books what the exchange settled: a found order's unbooked fill goes into the portfolio (a fill that cannot be booked
 * becomes a fill_unapplied doubt for a person), a never-placed order is dropped, and so is a doubt a person
 * acknowledged. Returns the client order ids settled.
 */
function settleDoubts(state: MarketCycleState, resolved: readonly ResolvedOrder[], acknowledged: readonly string[]): string[] {
  const settled: string[] = [];
  let doubts = state.orderDoubts ?? [];
  for (const answer of resolved) {
    const doubt = doubts.find((d) => d.clientOrderId === answer.clientOrderId && d.kind === 'fate_unknown');
    if (doubt === undefined) continue;
    doubts = doubts.filter((d) => d !== doubt);
    settled.push(answer.clientOrderId);
    if (answer.outcome === 'never_placed') continue;
    const unbooked = unbookedFill(answer.order, doubt.applied);
    if (unbooked === null) continue;
    const booked = bookFill(state, unbooked, doubt.tickTs);
    if (booked !== null) doubts = withDoubts(doubts, [{ ...doubt, kind: 'fill_unapplied', applied: appliedFillOf(answer.order), reason: booked }]);
  }
  for (const key of acknowledged) {
    const [kind, ref] = key.split('|');
    const doubtKind = doubtKindOfFinding(kind);
    if (doubtKind === undefined) continue;
    const before = doubts.length;
    doubts = doubts.filter((d) => !(d.clientOrderId === ref && d.kind === doubtKind));
    if (doubts.length < before) settled.push(ref ?? '');
  }
  state.orderDoubts = doubts;
  return settled;
}

/**
 * Books one fill into the portfolio; returns null, or why it could not be booked (the portfolio is left as it was, and
 * the caller keeps the order in doubt instead of failing the workflow task over and over).
 */
function bookFill(state: MarketCycleState, fill: OrderState, tickTs: number): string | null {
  const booked = tryBookFill(state.portfolio!, fill, state.tickNo + 1);
  if ('reason' in booked) {
    log.error('a fill could not be booked; its coin is in doubt until a person acknowledges the finding', { clientOrderId: fill.clientOrderId, symbol: fill.symbol, tickTs, message: booked.reason });
    return booked.reason;
  }
  state.portfolio = booked.portfolio;
  state.feesSinceReconcile = addFees(state.feesSinceReconcile, fill.feeQuote);
  return null;
}

/**
 * Live accounts: the cycle's cash becomes the exchange's quote balance. A move larger than the fees booked since the
 * last reconciliation (plus a cent of rounding) is logged as a warning: money moved that keel's fills do not explain.
 */
function followQuoteBalance(state: MarketCycleState, quoteBalance: string): void {
  const portfolio = state.portfolio;
  if (portfolio === null) return;
  const feesSinceLastCheck = state.feesSinceReconcile ?? '0';
  const check = checkLiveCash({ keelCash: portfolio.cash, accountQuote: quoteBalance, feesSinceLastCheck, ordersInFlight: (state.orderDoubts ?? []).some((d) => d.kind === 'fate_unknown') });
  if (check.verdict === 'agrees') return;
  if (check.verdict === 'wait') {
    log.info('live cash differs from the exchange while orders of unknown fate are pending; it follows once they are settled', { keelCash: portfolio.cash, accountQuote: quoteBalance, quote: state.config.quote });
    return;
  }
  const details = { keelCash: portfolio.cash, accountQuote: quoteBalance, drift: check.drift, feesSinceLastCheck, quote: state.config.quote };
  if (check.unexplained) log.warn('live cash moved by more than fees explain; the cycle follows the exchange', details);
  else log.info('live cash follows the exchange balance', details);
  state.portfolio = { ...portfolio, cash: quoteBalance };
}
