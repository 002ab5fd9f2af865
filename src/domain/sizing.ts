import { Dec, fromNumber } from './decimal-math.js';

/*
 * How much quote currency one buy may spend, before cash and the market's order-size rules cap it (planOrders does
 * that). RUNS IN THE WORKFLOW SANDBOX: imports only decimal-math.ts.
 */

export type SizingMode = 'fixed_fraction' | 'risk';
export const SIZING_MODES: readonly SizingMode[] = ['fixed_fraction', 'risk'];

export interface SizingConfig {
  /**
   * fixed_fraction: every buy gets equity x risk.maxPositionFraction (keel's original rule).
   * risk: the buy is sized so that a fill at its stop loses riskPerTradeFraction of equity, capped by
   * risk.maxPositionFraction: a wide (volatile) stop buys less, a tight one more.
   */
  mode: SizingMode;
  /** risk mode: share of equity lost if the position is sold at its stop. */
  riskPerTradeFraction: number;
}

export const DEFAULT_SIZING_CONFIG: SizingConfig = { mode: 'fixed_fraction', riskPerTradeFraction: 0.01 };

export interface BuyNotionalInput {
  /** Mark-to-market equity in the quote currency. */
  equity: Dec;
  /** Reference price of the buy. */
  price: number;
  /** Where the new position's stop would sit (src/domain/exits.ts); null without a stop. */
  stopPrice: number | null;
  risk: { maxPositionFraction: number };
  sizing: SizingConfig;
  /** From the regime gate: 1 (allow), 0.5 (halve), 0 (block)... Anything not finite and positive counts as 0. */
  regimeSizeFactor: number;
}

export interface BuyNotional {
  /** Quote currency to spend, exact; zero when the regime blocks the buy. */
  notional: Dec;
  /** How the figure came about, for the order's reason and the skip messages. */
  basis: string;
}

/** A fraction as a short percentage: 0.02 -> "2%", 0.0812345 -> "8.123%". */
function percent(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(4))}%`;
}

/** A price with at most 8 significant digits, as order reasons print them. */
function priceText(price: number): string {
  return String(Number(price.toPrecision(8)));
}

/**
 * The notional of one buy. fixed_fraction is exactly planOrders' `equity x maxPositionFraction` (the same Dec when the
 * regime factor is 1). risk: equity x riskPerTradeFraction / stop distance, where the distance is
 * (price - stopPrice) / price, capped at equity x maxPositionFraction; without a stop below the price it falls back
 * to the fixed fraction and says so. The regime factor multiplies the result last.
 */
export function buyNotional(input: BuyNotionalInput): BuyNotional {
  const { equity, price, stopPrice, sizing } = input;
  const maxFraction = input.risk.maxPositionFraction;
  const cap = equity.times(maxFraction);
  let notional: Dec;
  let basis: string;
  if (sizing.mode === 'risk') {
    const usableStop = stopPrice !== null && Number.isFinite(stopPrice) && Number.isFinite(price) && price > 0 && stopPrice < price;
    if (usableStop) {
      const riskFraction = sizing.riskPerTradeFraction;
      // equity x risk / ((price - stop) / price), rearranged so only one division rounds.
      const distance = fromNumber(price).minus(fromNumber(stopPrice));
      const sized = equity.times(riskFraction).times(price).div(distance);
      const stopText = `risk ${percent(riskFraction)} of equity over a ${percent((price - stopPrice) / price)} stop (${priceText(stopPrice)})`;
      if (sized.greaterThan(cap)) {
        notional = cap;
        basis = `${stopText}, capped at ${percent(maxFraction)} of equity`;
      } else {
        notional = sized;
        basis = stopText;
      }
    } else {
      notional = cap;
      const why = stopPrice === null ? 'no stop' : `stop ${priceText(stopPrice)} not below price ${priceText(price)}`;
      basis = `${percent(maxFraction)} of equity (risk sizing needs a stop below the price: ${why})`;
    }
  } else {
    notional = cap;
    basis = `${percent(maxFraction)} of equity`;
  }
  const factor = input.regimeSizeFactor;
  if (factor === 1) return { notional, basis };
  if (!(Number.isFinite(factor) && factor > 0)) return { notional: new Dec(0), basis: `${basis} x ${factor} (regime): no buy` };
  return { notional: notional.times(factor), basis: `${basis} x ${factor} (regime)` };
}

/** Problems with a sizing config, each naming its dotted key; empty when it is usable. */
export function validateSizingConfig(value: unknown, path = 'sizing'): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [`${path} must be an object of settings (got ${JSON.stringify(value)})`];
  const sizing = value as Record<string, unknown>;
  const problems: string[] = [];
  const known = Object.keys(DEFAULT_SIZING_CONFIG);
  for (const key of Object.keys(sizing)) {
    if (!known.includes(key)) problems.push(`unknown setting ${path}.${key}; ${path} settings: ${known.join(', ')}`);
  }
  if (!SIZING_MODES.includes(sizing.mode as SizingMode)) {
    problems.push(`${path}.mode must be ${SIZING_MODES.map((m) => `"${m}"`).join(' or ')} (got ${JSON.stringify(sizing.mode)})`);
  }
  const risk = sizing.riskPerTradeFraction;
  if (!(typeof risk === 'number' && Number.isFinite(risk) && risk > 0 && risk < 1)) {
    problems.push(`${path}.riskPerTradeFraction must be in (0, 1) (got ${String(risk)})`);
  }
  return problems;
}
