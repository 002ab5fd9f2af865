/* Whether a failed order may exist at the exchange. Pure, sandbox-safe. */

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
