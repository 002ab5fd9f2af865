import { isPositiveDecimal } from './decimal-math.js';
import { dustReason } from './market-rules.js';
import type { MarketOrderRules } from './market-rules.js';
import type { PortfolioSnapshot } from './portfolio-types.js';

/*
 * Which held positions are dust (a remainder no order can sell on its market) and so are not open positions: they
 * take no slot and do not block buying the coin again. Pure, sandbox-safe.
 */

function usablePrice(value: number | undefined): number | null {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : null;
}

/**
 * Symbols whose position is dust at `prices` under their market's `rules`. A symbol without rules is never dust (keel
 * cannot tell); without a usable price only the amount rules apply.
 */
export function dustSymbols(portfolio: PortfolioSnapshot, rules: Readonly<Record<string, MarketOrderRules>>, prices: Readonly<Record<string, number>>): string[] {
  return Object.values(portfolio.positions)
    .filter((position) => dustReason(position.quantity, usablePrice(prices[position.symbol]), rules[position.symbol]) !== null)
    .map((position) => position.symbol)
    .sort();
}

/** Positions with a quantity above zero that are not dust: what counts against risk.maxOpenPositions. */
export function countOpenPositions(portfolio: PortfolioSnapshot, rules: Readonly<Record<string, MarketOrderRules>>, prices: Readonly<Record<string, number>>): number {
  let open = 0;
  for (const symbol of Object.keys(portfolio.positions)) {
    const position = portfolio.positions[symbol]!;
    if (isPositiveDecimal(position.quantity) && dustReason(position.quantity, usablePrice(prices[position.symbol]), rules[position.symbol]) === null) open++;
  }
  return open;
}
