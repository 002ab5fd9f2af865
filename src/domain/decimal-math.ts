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
  return new Dec(value);
}
