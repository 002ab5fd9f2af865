/*
 * Steps in recorded prices too large to be trading: a redenomination or token swap (COCOS/USDT in January 2021 went
 * about 1000x between two candles), a wrong file. A backtest books such a step as a real profit or loss, so it says so.
 */

/** A close that moved by at least this factor from the previous candle's close (either way) is reported. */
export const SUSPICIOUS_PRICE_FACTOR = 10;

export interface PriceJump {
  /** Open times of the two candles. */
  fromTs: number;
  toTs: number;
  fromClose: number;
  toClose: number;
}

/** The jumps of at least `factor` between consecutive closes (oldest first), in order. */
export function priceJumps(ts: ArrayLike<number>, closes: ArrayLike<number>, factor = SUSPICIOUS_PRICE_FACTOR): PriceJump[] {
  const jumps: PriceJump[] = [];
  for (let i = 1; i < closes.length; i++) {
    const ratio = closes[i]! / closes[i - 1]!;
    if (ratio >= factor || ratio <= 1 / factor) jumps.push({ fromTs: ts[i - 1]!, toTs: ts[i]!, fromClose: closes[i - 1]!, toClose: closes[i]! });
  }
  return jumps;
}
