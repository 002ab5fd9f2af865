import { Dec, decimalString } from '../domain/decimal-math.js';
import type { Balance } from '../domain/market-types.js';
import type { ReconciliationFinding } from '../db/queries/reconciliation.js';

/** Relative tolerance for exchanges that report balances as floats. */
const RELATIVE_TOLERANCE = 1e-9;

/**
 * Compares what the cycle believes it holds (its positions plus the fills it is about to book) with the account:
 * - balance_short: the account has less of a coin than the cycle's position (the cycle would sell what is not there);
 * - balance_excess: the account has more than the cycle's position, for a coin the cycle holds or is booking a fill
 *   of (a fill keel missed) and, on an account that belongs to the cycle alone (paper), for any coin at all. On a live
 *   account, coins the cycle never touched may be the owner's own holdings and are left alone.
 */
export function balanceFindings(input: {
  positions: ReadonlyArray<{ symbol: string; amount: string }>;
  positionChanges: ReadonlyMap<string, Dec>;
  balances: readonly Balance[];
  quote: string;
  /** How the account is named in a finding's detail ('paper ledger', 'kraken'). */
  account: string;
  wholeAccountIsTheCycles: boolean;
}): ReconciliationFinding[] {
  const expected = new Map<string, Dec>();
  for (const position of input.positions) expected.set(position.symbol, new Dec(position.amount));
  for (const [symbol, change] of input.positionChanges) expected.set(symbol, (expected.get(symbol) ?? new Dec(0)).plus(change));
  if (input.wholeAccountIsTheCycles) {
    for (const balance of input.balances) {
      const symbol = `${balance.asset}/${input.quote}`;
      if (balance.asset !== input.quote && !expected.has(symbol)) expected.set(symbol, new Dec(0));
    }
  }
  const findings: ReconciliationFinding[] = [];
  for (const [symbol, amount] of [...expected].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const base = symbol.split('/')[0] ?? symbol;
    const balance = input.balances.find((b) => b.asset === base);
    const held = balance === undefined ? new Dec(0) : new Dec(balance.free).plus(balance.used);
    const tolerance = Dec.max(amount.abs(), held).times(RELATIVE_TOLERANCE);
    if (held.lt(amount.minus(tolerance))) {
      findings.push({ kind: 'balance_short', ref: base, symbol, detail: `the cycle holds ${decimalString(amount)} ${base} but the ${input.account} account has ${decimalString(held)}` });
    } else if (held.gt(amount.plus(tolerance))) {
      findings.push({
        kind: 'balance_excess',
        ref: base,
        symbol,
        detail: `the ${input.account} account has ${decimalString(held)} ${base} but the cycle's records explain ${decimalString(amount)}: a fill keel did not book, or coins moved in from outside`,
      });
    }
  }
  return findings;
}

/** The account's quote currency, free plus what open orders hold (decimal string). */
export function quoteBalanceOf(balances: readonly Balance[], quote: string): string {
  const balance = balances.find((b) => b.asset === quote);
  return balance === undefined ? '0' : decimalString(new Dec(balance.free).plus(balance.used));
}
