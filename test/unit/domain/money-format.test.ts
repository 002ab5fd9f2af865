import { describe, expect, it } from 'vitest';
import { currencyPrecision, formatMoney, formatMoneyAmount, formatPrice, MISSING_AMOUNT } from '../../../src/domain/money-format.js';

describe('formatMoney: amounts at the quote currency precision', () => {
  it('prints stablecoins and fiat with 2 decimals, from the full-precision strings keel stores', () => {
    expect(formatMoney('21864.859688064007634096027701', 'USDT')).toBe('21864.86 USDT');
    expect(formatMoney('100000', 'USDC')).toBe('100000.00 USDC');
    expect(formatMoney(99879.96, 'USD')).toBe('99879.96 USD');
    expect(formatMoney('12.5', 'EUR')).toBe('12.50 EUR');
    expect(formatMoney('1234.5', 'JPY')).toBe('1235 JPY');
  });

  it('prints BTC and ETH with 8 decimals, trailing zeros kept', () => {
    expect(formatMoney('0.0012', 'BTC')).toBe('0.00120000 BTC');
    expect(formatMoney('1.123456789', 'ETH')).toBe('1.12345679 ETH');
  });

  it('prints an unknown currency with up to 8 decimals, trailing zeros trimmed', () => {
    expect(currencyPrecision('XYZ')).toEqual({ decimals: 8, fixed: false });
    expect(formatMoney('12.50000000000', 'XYZ')).toBe('12.5 XYZ');
    expect(formatMoney('0.123456789', 'XYZ')).toBe('0.12345679 XYZ');
    expect(formatMoney('7', 'XYZ')).toBe('7 XYZ');
  });

  it('looks the currency up case-insensitively and prints it as given', () => {
    expect(formatMoney('1.005', 'usdt')).toBe('1.01 usdt');
  });

  it('rounds half away from zero, on the decimal digits (not on a binary float)', () => {
    expect(formatMoneyAmount('0.125', 'USDT')).toBe('0.13');
    expect(formatMoneyAmount('0.135', 'USDT')).toBe('0.14');
    expect(formatMoneyAmount('-0.125', 'USDT')).toBe('-0.13');
    expect(formatMoneyAmount('2.675', 'USDT')).toBe('2.68'); // the float 2.675 is 2.67499999..., toFixed(2) gives 2.67
    expect(formatMoneyAmount('0.124999999999999999999', 'USDT')).toBe('0.12');
  });

  it('keeps the sign of losses and drops it from a value that rounds to zero', () => {
    expect(formatMoney('-1520.337', 'USDT')).toBe('-1520.34 USDT');
    expect(formatMoneyAmount('-0.004', 'USDT')).toBe('0.00');
    expect(formatMoneyAmount(-0, 'USDT')).toBe('0.00');
    expect(formatMoneyAmount('-0.000000001', 'XYZ')).toBe('0');
  });

  it('prints very large and very small amounts in plain notation, never as 1e+21', () => {
    expect(formatMoneyAmount('123456789012345678901234567.891', 'USDT')).toBe('123456789012345678901234567.89');
    expect(formatMoneyAmount(1e21, 'USDT')).toBe('1000000000000000000000.00');
    expect(formatMoneyAmount('1e-9', 'BTC')).toBe('0.00000000');
    expect(formatMoneyAmount('1.5e3', 'USDT')).toBe('1500.00');
  });

  it('prints a placeholder for a missing or unreadable amount instead of NaN or throwing', () => {
    for (const bad of [undefined, null, '', '  ', 'abc', '12,5', '0x1f', 'NaN', 'Infinity', NaN, Infinity, -Infinity]) {
      expect(formatMoney(bad as string | number | null | undefined, 'USDT'), String(bad)).toBe(MISSING_AMOUNT);
    }
  });
});

describe('formatPrice: unit prices keep their significant digits', () => {
  it('shows at least the quote precision and at least 6 significant digits', () => {
    expect(formatPrice('43251.123456', 'USDT')).toBe('43251.12');
    expect(formatPrice('1.5', 'USDT')).toBe('1.50');
    expect(formatPrice('0.51234567', 'USDT')).toBe('0.512346');
    expect(formatPrice('0.0000123456789', 'USDT')).toBe('0.0000123457');
    expect(formatPrice('0.00123456789', 'BTC')).toBe('0.00123457');
    expect(formatPrice('0', 'USDT')).toBe('0.00');
    expect(formatPrice(undefined, 'USDT')).toBe(MISSING_AMOUNT);
  });
});
