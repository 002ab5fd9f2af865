import { functions } from 'ccxt';
import type { Market } from 'ccxt';
import { decimalString, fromNumber } from '../domain/decimal-math.js';
import type { MarketOrderRules } from '../domain/market-rules.js';
import { stepFromDecimalPlaces } from '../domain/market-rules.js';

/** A market's order rules as read from ccxt, or what was wrong with them (raised only when that market's rules are asked for). */
export type ParsedOrderRules = { ok: true; rules: MarketOrderRules } | { ok: false; problem: string };

/**
 * The order-size rules of one ccxt market: `precision.amount` (a step in TICK_SIZE mode, which kraken, coinbase and
 * binance use in ccxt 4; a number of decimal places in DECIMAL_PLACES mode; no step in SIGNIFICANT_DIGITS mode, which
 * has none), `limits.amount.min` and `limits.cost.min`. A value that is absent, not finite or zero means "no rule"
 * (exchanges publish 0 for "none"); a negative, fractional-places or non-numeric one is a problem naming the field.
 * Never throws: one odd market among thousands must not stop the gateway, only orders on that market.
 */
export function parseCcxtOrderRules(market: Market, precisionMode: number | undefined): ParsedOrderRules {
  const rules: MarketOrderRules = {};
  const problems: string[] = [];
  const read = (field: string, value: unknown): number | undefined => {
    if (value === undefined || value === null) return undefined;
    const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
    if (typeof value !== 'number' && Number.isNaN(number)) {
      problems.push(`${field} is ${JSON.stringify(value)}; expected a number`);
      return undefined;
    }
    if (!Number.isFinite(number) || number === 0) return undefined;
    if (number < 0) {
      problems.push(`${field} is ${number}; expected a number >= 0`);
      return undefined;
    }
    return number;
  };

  const precision = read('precision.amount', market?.precision?.amount);
  if (precision !== undefined) {
    if (precisionMode === functions.TICK_SIZE) rules.amountStep = decimalString(fromNumber(precision));
    else if (precisionMode === functions.DECIMAL_PLACES) {
      if (Number.isInteger(precision)) rules.amountStep = stepFromDecimalPlaces(precision);
      else problems.push(`precision.amount is ${precision}; expected a whole number of decimal places`);
    }
  } else if (precisionMode === functions.DECIMAL_PLACES && market?.precision?.amount === 0) {
    rules.amountStep = '1'; // zero decimal places: whole units
  }
  const minAmount = read('limits.amount.min', market?.limits?.amount?.min);
  if (minAmount !== undefined) rules.minAmount = decimalString(fromNumber(minAmount));
  const minCost = read('limits.cost.min', market?.limits?.cost?.min);
  if (minCost !== undefined) rules.minCost = decimalString(fromNumber(minCost));
  return problems.length > 0 ? { ok: false, problem: problems.join('; ') } : { ok: true, rules };
}
