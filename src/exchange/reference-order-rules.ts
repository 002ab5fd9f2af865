import { Dec, decimalString } from '../domain/decimal-math.js';
import type { MarketOrderRules } from '../domain/market-rules.js';

/** Smallest order the simulated and replayed markets take, in quote units (Binance's NOTIONAL filter for USDT pairs). */
export const REFERENCE_MIN_COST = '5';
/** Finest amount step they use: 8 decimals, as exchanges give BTC and ETH. */
const FINEST_STEP_EXPONENT = -8;
/** One step is worth between 1e-6 and 1e-5 quote units, so an order of 100..1000 quote has ~8 significant digits. */
const STEP_VALUE_EXPONENT = -6;

/**
 * Order rules for a market that has none of its own (the sim, a replay), from a price fixed per coin (its first
 * candle): an amount step that is a power of ten worth 1e-6..1e-5 quote units at that price but no finer than 1e-8
 * (BTC at 40000 -> 0.00000001, a coin at 0.37 -> 0.00001, at 0.0005 -> 0.01), a minimum amount of one step and a
 * minimum cost of REFERENCE_MIN_COST. Fixed per coin like a real market's, so a position bought on the step stays on it.
 */
export function referenceOrderRules(referencePrice: number): MarketOrderRules {
  if (!Number.isFinite(referencePrice) || referencePrice <= 0) return { minCost: REFERENCE_MIN_COST };
  const exponent = Math.max(FINEST_STEP_EXPONENT, STEP_VALUE_EXPONENT - Math.floor(Math.log10(referencePrice)));
  const step = decimalString(new Dec(10).pow(exponent));
  return { amountStep: step, minAmount: step, minCost: REFERENCE_MIN_COST };
}
