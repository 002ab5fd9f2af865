import { ApplicationFailure, log } from '@temporalio/workflow';
import type { CycleConfig } from '../domain/cycle-config.js';
import type { TaskQueues } from '../contracts/task-queues.js';
import type { MarketCycleState } from '../contracts/workflow-types.js';
import { exchangeReadActivities, reconciliationActivities } from './activity-profiles.js';
import { failureInfo } from './failure-info.js';

/**
 * patched() ids of workflow changes. Histories recorded before a change have no marker for it, so they replay down the
 * old path; new runs record the marker and take the new one.
 */
/** validateMarketConfig at the first run and before a config update that touches the universe or the timeframe. */
export const VALIDATE_MARKET_CONFIG_PATCH = 'validate-market-config';
/** reconcileAccount at cycle start, after order faults and while symbols are in doubt; in-doubt symbols not traded. */
export const RECONCILE_ACCOUNT_PATCH = 'reconcile-account';
/**
 * Stricter order fates: an order child that failed after placing, a child that already completed in an earlier run,
 * and an order still open after its cancel all leave the coin in doubt.
 */
export const ORDER_FATE_PATCH = 'order-fate-v2';

/** Fills older than this are not read by a reconciliation. */
const RECONCILE_WINDOW_MS = 24 * 3_600_000;

/**
 * Failure types of an order execution after which nothing can have been placed: the order was refused before or by
 * the exchange. Any other failure (a timeout, a lost reply, retries exhausted) leaves the order's fate unknown.
 */
const NOTHING_PLACED = new Set([
  'InvalidOrder',
  'InsufficientFunds',
  'BadSymbol',
  'BadRequest',
  'NotSupported',
  'InvalidMarketData',
  'LiveTradingDisabled',
  'AuthenticationError',
  'PermissionDenied',
]);

/**
 * Whether a failed order execution may have left an order at the exchange. `strict` (ORDER_FATE_PATCH) also counts a
 * child that already completed in an earlier run (its order was placed, its result is not here); histories recorded
 * before the patch replay with the old rule.
 */
export function orderOutcomeUnknown(errorType: string, strict = true): boolean {
  if (errorType === 'AlreadyCompleted') return strict;
  return !NOTHING_PLACED.has(errorType);
}

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
 * Reads the account once and compares it with keel's records; the symbols it cannot explain replace `state.inDoubt`.
 * When the reconciliation itself fails, the symbols already in doubt stay so and it is tried again before the next tick.
 */
export async function reconcileAccount(state: MarketCycleState, cycleId: string, queues: TaskQueues): Promise<void> {
  const { config } = state;
  const reason = state.reconcileReason ?? 'symbols in doubt';
  try {
    const result = await reconciliationActivities(queues, `reconcile ${config.exchange} account (${reason}): open orders, recent fills, balances`).reconcileAccount({
      exchange: config.exchange,
      cycleId,
      account: cycleId,
      quote: config.quote,
      sinceMs: Date.now() - RECONCILE_WINDOW_MS,
      positions: Object.values(state.portfolio?.positions ?? {}).map((p) => ({ symbol: p.symbol, amount: p.quantity })),
    });
    const cleared = (state.inDoubt ?? []).filter((symbol) => !result.inDoubt.includes(symbol));
    state.inDoubt = result.inDoubt;
    delete state.reconcileReason;
    if (result.findings > 0) log.warn('reconciliation found what keel does not know; those coins are not traded while in doubt', { reason, inDoubt: result.inDoubt, unknownOrders: result.unknownOrders, report: result.report });
    else log.info('reconciliation: account agrees with keel', { reason, cleared, report: result.report });
  } catch (error) {
    log.warn('reconciliation failed; coins in doubt stay untraded and it runs again before the next tick', { reason, inDoubt: state.inDoubt ?? [], ...failureInfo(error) });
  }
}
