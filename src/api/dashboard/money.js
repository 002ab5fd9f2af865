// Money at the quote currency's precision, for the dashboard. The rules and the table repeat
// src/domain/money-format.ts (the page is plain browser JS with no build step, so it cannot import it);
// test/unit/api/dashboard-money.test.ts checks that the two agree. Unlike the CLI, the page groups thousands.

export const CURRENCY_DECIMALS = Object.freeze({
  USD: 2, EUR: 2, GBP: 2, CHF: 2, CAD: 2, AUD: 2, TRY: 2, BRL: 2, JPY: 0, KRW: 0,
  USDT: 2, USDC: 2, DAI: 2, BUSD: 2, FDUSD: 2, TUSD: 2, USDP: 2, PYUSD: 2, USDD: 2, EURC: 2, EURT: 2,
  BTC: 8, ETH: 8,
});
export const DEFAULT_MAX_DECIMALS = 8;
export const PRICE_SIGNIFICANT_DIGITS = 6;

export function currencyPrecision(currency) {
  const decimals = typeof currency === 'string' ? CURRENCY_DECIMALS[currency.toUpperCase()] : undefined;
  return decimals === undefined ? { decimals: DEFAULT_MAX_DECIMALS, fixed: false } : { decimals, fixed: true };
}

// toLocaleString rounds half away from zero, like the domain formatter; it works on the double the API's decimal
// string parses to, which is exact enough for display (the API keeps every digit).
function grouped(value, minDigits, maxDigits) {
  const text = value.toLocaleString('en-US', { minimumFractionDigits: minDigits, maximumFractionDigits: maxDigits });
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text;
}

/** An amount of `currency` (cash, equity, PnL, a position's value): "21,864.86"; '–' when missing. */
export function money(value, currency, { signed = false } = {}) {
  const n = Number(value);
  if (value === null || value === undefined || value === '' || !Number.isFinite(n)) return '–';
  const { decimals, fixed } = currencyPrecision(currency);
  const text = grouped(n, fixed ? decimals : 0, decimals);
  return signed && !text.startsWith('-') && text.replace(/[0.,]/g, '') !== '' ? `+${text}` : text;
}

/** A unit price quoted in `currency`: the currency's places, or more to keep 6 significant digits. */
export function price(value, currency) {
  const n = Number(value);
  if (value === null || value === undefined || value === '' || !Number.isFinite(n)) return '–';
  const { decimals, fixed } = currencyPrecision(currency);
  if (n === 0) return grouped(0, fixed ? decimals : 0, decimals);
  const places = Math.max(decimals, -Math.floor(Math.log10(Math.abs(n))) + PRICE_SIGNIFICANT_DIGITS - 1);
  // toLocaleString allows at most 100 fraction digits.
  return grouped(n, fixed ? decimals : 0, Math.min(places, 100));
}
