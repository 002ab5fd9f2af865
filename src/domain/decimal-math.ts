import { Decimal } from 'decimal.js';

/**
 * keel's decimal constructor for money and quantities. A clone, so no other code's global Decimal settings can change
 * keel's results: 40 significant digits (prices × 8-decimal quantities never come close), banker's rounding.
 * Pure JavaScript, safe in the workflow sandbox.
 */
export const Dec = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });
export type Dec = Decimal;

/** Plain decimal notation, never exponent form ('0.00000001', not '1e-8'), as exchanges and the database expect. */
export function decimalString(value: Decimal): string {
  return value.isZero() ? '0' : value.toFixed();
}

/** A JS number (from the exchange or an indicator) as a decimal, by its shortest round-trip representation. */
export function fromNumber(value: number): Decimal {
  // Prices repeat within a tick (planning, fills, equity): remembered like parsed text (see decimalOf).
  if (value === 0) return new Dec(value); // keeps -0 apart from 0, which a Map key would not
  let decimal = convertedNumbers.get(value);
  if (decimal === undefined) {
    if (convertedNumbers.size >= PARSED_DECIMALS_KEPT) convertedNumbers.clear();
    decimal = new Dec(value);
    convertedNumbers.set(value, decimal);
  }
  return decimal;
}

const convertedNumbers = new Map<number, Decimal>();

/** Decimals parsed from text, kept because the same position sizes and balances are read tick after tick. */
const parsedDecimals = new Map<string, Decimal>();
const PARSED_DECIMALS_KEPT = 8192;

/**
 * `new Dec(text)`, remembered: a decimal is immutable, so sharing one is safe, and results are the same either way
 * (this only saves parsing). Bounded; forgets everything when full.
 */
export function decimalOf(text: string): Decimal {
  let value = parsedDecimals.get(text);
  if (value === undefined) {
    if (parsedDecimals.size >= PARSED_DECIMALS_KEPT) parsedDecimals.clear();
    value = new Dec(text);
    parsedDecimals.set(text, value);
  }
  return value;
}

/**
 * decimalOf(text).greaterThan(0), answered by the number where it is plain (ticks ask this of every held position):
 * the text's number is positive or negative exactly when the decimal is; zero (an underflow?) and NaN (bad text,
 * which decimalOf refuses) go to decimals, so the answer and the errors are the same.
 */
export function isPositiveDecimal(text: string): boolean {
  const value = Number(text);
  if (value > 0) return true;
  if (value < 0) return false;
  return decimalOf(text).greaterThan(0);
}

/**
 * Any decimal input as a Dec without reparsing what is already one: text and numbers through the caches above, a Dec
 * as it is (immutable). A Decimal of another clone is copied, so keel's precision and rounding always apply.
 */
export function decimalFrom(value: Decimal | string | number): Decimal {
  if (typeof value === 'string') return decimalOf(value);
  if (typeof value === 'number') return fromNumber(value);
  return value.constructor === Dec ? value : new Dec(value);
}
