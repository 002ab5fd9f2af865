import { Dec } from './decimal-math.js';

/**
 * Decimal places a person reads an amount of a currency at. Display only: storage and JSON API answers keep every
 * digit. Fiat and stablecoins show cents (yen and won have none); BTC and ETH show 8 places, as exchanges print them.
 * A currency not listed here shows up to DEFAULT_MAX_DECIMALS places with trailing zeros trimmed, because keel does
 * not know its precision. The dashboard (src/api/dashboard/money.js) repeats this table; a unit test keeps the two equal.
 */
export const CURRENCY_DECIMALS: Readonly<Record<string, number>> = Object.freeze({
  USD: 2, EUR: 2, GBP: 2, CHF: 2, CAD: 2, AUD: 2, TRY: 2, BRL: 2, JPY: 0, KRW: 0,
  USDT: 2, USDC: 2, DAI: 2, BUSD: 2, FDUSD: 2, TUSD: 2, USDP: 2, PYUSD: 2, USDD: 2, EURC: 2, EURT: 2,
  BTC: 8, ETH: 8,
});

/** Places shown for a currency keel has no entry for, trailing zeros trimmed. */
export const DEFAULT_MAX_DECIMALS = 8;

/** Unit prices keep at least this many significant digits, so a coin worth 0.00001234 USDT does not print as 0.00. */
export const PRICE_SIGNIFICANT_DIGITS = 6;

/** What a missing or unreadable amount prints as (never "NaN" or a thrown error in the middle of a status line). */
export const MISSING_AMOUNT = 'n/a';

/** How `currency` amounts are shown: a fixed number of places, or up to `decimals` with trailing zeros trimmed. */
export function currencyPrecision(currency: string): { decimals: number; fixed: boolean } {
  const decimals = CURRENCY_DECIMALS[currency.toUpperCase()];
  return decimals === undefined ? { decimals: DEFAULT_MAX_DECIMALS, fixed: false } : { decimals, fixed: true };
}

/** The amount as a finite decimal, or undefined for null, undefined, '', NaN, Infinity and anything unparsable. */
function toDecimal(amount: string | number | null | undefined): Dec | undefined {
  if (amount === null || amount === undefined) return undefined;
  if (typeof amount === 'number' && !Number.isFinite(amount)) return undefined;
  if (typeof amount === 'string' && !/^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i.test(amount)) return undefined;
  const value = new Dec(typeof amount === 'string' ? amount.trim() : amount);
  return value.isFinite() ? value : undefined;
}

/**
 * Rounds half away from zero (ROUND_HALF_UP in decimal.js): 0.125 USDT shows as 0.13, as a reader checking by hand
 * expects. keel's arithmetic rounds half-even (decimal-math.ts); this rounding touches only the printed text.
 * A value that rounds to zero prints without a minus sign.
 */
function render(value: Dec, decimals: number, fixed: boolean): string {
  const rounded = value.toDecimalPlaces(decimals, Dec.ROUND_HALF_UP);
  if (rounded.isZero()) return fixed ? (0).toFixed(decimals) : '0';
  // toFixed() without places prints exactly the digits left, so the trimmed form has no trailing zeros.
  return fixed ? rounded.toFixed(decimals) : rounded.toFixed();
}

/** An amount of `currency` at that currency's precision, without the code: "21864.86". No thousands separators. */
export function formatMoneyAmount(amount: string | number | null | undefined, currency: string): string {
  const value = toDecimal(amount);
  if (value === undefined) return MISSING_AMOUNT;
  const { decimals, fixed } = currencyPrecision(currency);
  return render(value, decimals, fixed);
}

/** An amount with its currency code, e.g. cash "21864.86 USDT" or "0.00120000 BTC"; a missing amount prints "n/a". */
export function formatMoney(amount: string | number | null | undefined, currency: string): string {
  const text = formatMoneyAmount(amount, currency);
  return text === MISSING_AMOUNT ? text : `${text} ${currency}`;
}

/**
 * A unit price quoted in `currency`, without the code: the currency's places, or more when needed to keep
 * PRICE_SIGNIFICANT_DIGITS significant digits ("43251.12", "0.0000123456"), trailing zeros past the currency's
 * places trimmed.
 */
export function formatPrice(price: string | number | null | undefined, currency: string): string {
  const value = toDecimal(price);
  if (value === undefined) return MISSING_AMOUNT;
  const { decimals, fixed } = currencyPrecision(currency);
  if (value.isZero()) return render(value, decimals, fixed);
  // Places after the point that PRICE_SIGNIFICANT_DIGITS significant digits need: 0.0000123456 has its first digit at
  // place 5 (decimal.js exponent -5), so 6 digits end at place 10.
  const places = Math.max(decimals, -value.e + PRICE_SIGNIFICANT_DIGITS - 1);
  if (places === decimals) return render(value, decimals, fixed);
  const text = value.toDecimalPlaces(places, Dec.ROUND_HALF_UP).toFixed(places);
  // Keep the currency's own places (fixed currencies), trim the extra ones' trailing zeros.
  const keep = fixed ? decimals : 0;
  const [whole, fraction = ''] = text.split('.');
  const trimmed = fraction.replace(/0+$/, '').padEnd(keep, '0');
  return trimmed === '' ? whole! : `${whole}.${trimmed}`;
}
