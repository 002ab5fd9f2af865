import { Dec, decimalFrom, decimalOf, decimalString, fromNumber } from './decimal-math.js';

/*
 * A market's rules for the size of one order, and the arithmetic keel does with them. Pure and sandbox-safe (the
 * workflow plans orders with it): imports only decimal-math.
 */

/**
 * What an exchange accepts as one order's base amount on one market. Decimal strings; a field that is absent means
 * the market has no such rule (ccxt left it out, or it was not a finite number).
 */
export interface MarketOrderRules {
  /** Amounts must be whole multiples of this step (base currency), e.g. '0.001'. Always > 0. */
  amountStep?: string;
  /** Smallest amount one order may have (base currency). */
  minAmount?: string;
  /** Smallest notional, amount × price, one order may have (quote currency). */
  minCost?: string;
}

type DecimalInput = Dec | string | number;

/** `amount` rounded DOWN (towards minus infinity) to a whole multiple of the step; unchanged when there is no step. */
export function roundAmountDown(amount: DecimalInput, rules: MarketOrderRules | undefined): Dec {
  const value = decimalFrom(amount);
  if (rules?.amountStep === undefined) return value;
  // A step of 1, 0.1, 0.01...: value / step only moves the point (no digit is lost within Dec's 40), so the floor of
  // the quotient times the step is the value floored to the step's decimals, without a 40-digit division.
  const places = powerOfTenPlaces(rules.amountStep);
  if (places !== null) return value.toDecimalPlaces(places, Dec.ROUND_FLOOR);
  const step = decimalOf(rules.amountStep);
  return value.div(step).floor().times(step);
}

/** k when the step is 10^-k (k >= 0: '1', '0.01', '1e-8'), else null; remembered per step text (markets repeat). */
function powerOfTenPlaces(amountStep: string): number | null {
  let places = stepPlaces.get(amountStep);
  if (places === undefined) {
    const step = decimalOf(amountStep);
    const decimals = step.decimalPlaces();
    places = step.times(new Dec(10).pow(decimals)).equals(1) ? decimals : null;
    if (stepPlaces.size >= STEPS_KEPT) stepPlaces.clear();
    stepPlaces.set(amountStep, places);
  }
  return places;
}

const stepPlaces = new Map<string, number | null>();
const STEPS_KEPT = 4096;

/** Decimal places of the step (0 for a step of 1 or 10), so an amount prints with exactly the digits the step allows. */
export function stepDecimals(amountStep: string): number {
  return decimalOf(amountStep).decimalPlaces();
}

/** An amount as the order carries it: with the step's decimal places when there is a step, else as given. */
export function formatAmount(amount: Dec, rules: MarketOrderRules | undefined): string {
  return rules?.amountStep === undefined ? decimalString(amount) : amount.toFixed(stepDecimals(rules.amountStep));
}

/**
 * Why the market would refuse an order of `amount` (already on the step) at `price`, or null when it would take it:
 * zero, below the minimum amount, or (when the price is known) a notional below the minimum cost. The reason names
 * the rule and the figures.
 */
export function orderSizeProblem(amount: Dec, price: number | null, rules: MarketOrderRules | undefined): string | null {
  const step = rules?.amountStep === undefined ? '' : ` at the market's amount step ${rules.amountStep}`;
  if (amount.lessThanOrEqualTo(0)) return `amount rounds down to 0${step}`;
  if (rules?.minAmount !== undefined && amount.lessThan(decimalOf(rules.minAmount))) {
    return `amount ${decimalString(amount)} below the market's minimum amount ${rules.minAmount}`;
  }
  if (rules?.minCost !== undefined && price !== null) {
    const cost = amount.times(fromNumber(price));
    if (cost.lessThan(decimalOf(rules.minCost))) return `cost ${cost.toFixed(2)} (${decimalString(amount)} at ${price}) below the market's minimum cost ${rules.minCost}`;
  }
  return null;
}

/**
 * Why a held `quantity` cannot be sold on this market at `price` (null when it can): the part on the step is zero,
 * below the minimum amount or, when the price is known, worth less than the minimum cost. Such a remainder is dust:
 * it stays in the account but no order can ever sell it until more of the coin is bought.
 */
export function dustReason(quantity: DecimalInput, price: number | null, rules: MarketOrderRules | undefined): string | null {
  if (rules === undefined) return null;
  if (clearlySellable(quantity, price, rules)) return null;
  return exactDustReason(quantity, price, rules);
}

/** Relative margin that dwarfs double rounding (about 1e-16 per operation): inside it, decimals decide. */
const FAST_PATH_MARGIN = 1e-9;
/** held - step keeps at least 3 of its ~16 digits' accuracy lost at most: relative error stays far below the margin. */
const CANCELLATION_GUARD = 1e-3;

/**
 * A quick answer for the common case, a position far above every minimum, in doubles: true only when even the
 * quantity minus a whole step clears the minimum amount and cost by FAST_PATH_MARGIN, which no rounding of the
 * doubles can undo. Anything closer (or unparsable) goes to the exact decimal check, so results never differ.
 * Ticks check every held coin, so this keeps planning cheap for hundreds of positions and for backtests.
 */
function clearlySellable(quantity: DecimalInput, price: number | null, rules: MarketOrderRules): boolean {
  const held = typeof quantity === 'number' ? quantity : Number(quantity.toString());
  const step = rules.amountStep === undefined ? 0 : Number(rules.amountStep);
  const minAmount = rules.minAmount === undefined ? 0 : Number(rules.minAmount);
  const sellable = held - step; // a lower bound of the part on the step
  if (!Number.isFinite(sellable) || !Number.isFinite(minAmount) || !(sellable > 0)) return false;
  // A step nearly as large as the holding loses digits in the subtraction: leave that to decimals.
  if (!(sellable > held * CANCELLATION_GUARD && sellable > minAmount * (1 + FAST_PATH_MARGIN))) return false;
  if (rules.minCost === undefined || price === null) return true;
  const minCost = Number(rules.minCost);
  return Number.isFinite(minCost) && Number.isFinite(price) && sellable * price > minCost * (1 + FAST_PATH_MARGIN);
}

/** dustReason without the quick path, in decimals throughout (exported for the test that holds the two equal). */
export function exactDustReason(quantity: DecimalInput, price: number | null, rules: MarketOrderRules | undefined): string | null {
  if (rules === undefined) return null;
  const held = decimalFrom(quantity);
  if (held.lessThanOrEqualTo(0)) return null;
  const problem = orderSizeProblem(roundAmountDown(held, rules), price, rules);
  return problem === null ? null : `${decimalString(held)} held: ${problem}`;
}

export function isDust(quantity: DecimalInput, price: number | null, rules: MarketOrderRules | undefined): boolean {
  return dustReason(quantity, price, rules) !== null;
}

/** The step of an exchange that counts amount precision in decimal places (ccxt's DECIMAL_PLACES mode): 2 -> '0.01'. */
export function stepFromDecimalPlaces(places: number): string {
  return decimalString(new Dec(10).pow(-places));
}
