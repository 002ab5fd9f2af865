import { Dec, decimalString } from './decimal-math.js';

/*
 * Live cash against the exchange's quote balance. Pure, sandbox-safe: the market cycle decides with it after each
 * reconciliation of a live account.
 */

/** Quote units of drift that rounding alone can explain. */
const CASH_ROUNDING_TOLERANCE = '0.01';

export type CashCheck =
  /** The books agree with the account. */
  | { verdict: 'agrees' }
  /** An order of unknown fate may hold the difference: following now would book its cost twice once it is found. */
  | { verdict: 'wait'; drift: string }
  /** Follow the account; `unexplained` when the move is larger than the fees booked since the last check (plus a cent). */
  | { verdict: 'follow'; drift: string; unexplained: boolean };

export function checkLiveCash(input: { keelCash: string; accountQuote: string; feesSinceLastCheck: string; ordersInFlight: boolean }): CashCheck {
  const drift = new Dec(input.accountQuote).minus(input.keelCash);
  if (drift.isZero()) return { verdict: 'agrees' };
  if (input.ordersInFlight) return { verdict: 'wait', drift: decimalString(drift) };
  const explained = new Dec(input.feesSinceLastCheck).plus(CASH_ROUNDING_TOLERANCE);
  return { verdict: 'follow', drift: decimalString(drift), unexplained: drift.abs().gt(explained) };
}

/** Quote fees booked since the last check, plus `fees` (decimal strings). */
export function addFees(sinceLastCheck: string | undefined, fees: string): string {
  return decimalString(new Dec(sinceLastCheck ?? '0').plus(fees));
}
