/** A held position, quantities and prices as decimal strings. */
export interface Position {
  symbol: string;
  quantity: string;
  averagePrice: string;
  /** Tick number when the position was opened. */
  openedTick: number;
}

/** The cycle's view of its money, carried through continue-as-new; small enough for 250+ coins. */
export interface PortfolioSnapshot {
  quote: string;
  /** Free quote-currency cash, decimal string. */
  cash: string;
  positions: Record<string, Position>;
  /** Realized PnL since the cycle started, quote currency, decimal string. */
  realizedPnl: string;
}

export function emptyPortfolio(quote: string, cash: string): PortfolioSnapshot {
  return { quote, cash, positions: {}, realizedPnl: '0' };
}
