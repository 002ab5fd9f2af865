import { Dec, decimalOf, decimalString, fromNumber } from './decimal-math.js';
import { exactOfNumber, exactOfOnce, exactOr } from './exact-decimal.js';
import type { Exact } from './exact-decimal.js';

/*
 * Bookkeeping written once for two number types: Exact first (scaled integers, quick), Dec when a value needs more
 * than 40 digits (see exact-decimal.ts). Both give decimal.js's digits, so a computation run through withExactFirst
 * has one result whichever type finished it. Pure: safe in the workflow sandbox.
 */

/** What the bookkeeping needs of a number type; Dec and Exact both have it. */
export interface Num<N> {
  plus(other: N): N;
  minus(other: N): N;
  times(other: N): N;
  negated(): N;
  isZero(): boolean;
  isNegative(): boolean;
  greaterThan(other: N): boolean;
  greaterThanOrEqualTo(other: N): boolean;
}

export interface Arithmetic<N extends Num<N>> {
  of(text: string): N;
  ofNumber(value: number): N;
  /** Plain decimal text, decimalString's format. */
  text(value: N): string;
  /** dividend / divisor to `digits` significant digits, rounded as Dec rounds. */
  quotient(dividend: N, divisor: N, digits: number): N;
}

const DECIMAL: Arithmetic<Dec> = {
  of: decimalOf,
  ofNumber: fromNumber,
  text: decimalString,
  quotient: (dividend, divisor, digits) => dividend.div(divisor).toSignificantDigits(digits),
};

// Bookkeeping reads mostly text it sees once (a fill's figures, the balance it changes): parsed, not remembered.
const EXACT: Arithmetic<Exact> = {
  of: exactOfOnce,
  ofNumber: exactOfNumber,
  text: (value) => value.toString(),
  // A quotient rarely terminates: Dec divides (the operands are exact, so it gets the digits Dec alone would).
  quotient: (dividend, divisor, digits) => exactOfOnce(decimalString(new Dec(dividend.toString()).div(divisor.toString()).toSignificantDigits(digits))),
};

/** A computation written against Arithmetic: run in Exact, redone in Dec if a value needs more digits. */
export interface ExactFirst<T> {
  <N extends Num<N>>(arithmetic: Arithmetic<N>): T;
}

export function withExactFirst<T>(compute: ExactFirst<T>): T {
  return exactOr(
    () => compute(EXACT),
    () => compute(DECIMAL),
  );
}

/** The same computation in Dec only (for the tests that hold the two paths equal). */
export function inDecimals<T>(compute: ExactFirst<T>): T {
  return compute(DECIMAL);
}
