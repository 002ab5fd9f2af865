import { KeelError } from './errors.js';
import type { Candle } from './market-types.js';

const PRICE_FIELDS = ['open', 'high', 'low', 'close'] as const;

function describeTs(ts: number): string {
  return `${ts} (${new Date(ts).toISOString()})`;
}

/**
 * Refuses candles the indicators would turn into garbage: too few, out of order, or with a price that is not a
 * finite positive number. Throws InvalidMarketData (not retryable: the same candles would fail again) naming the
 * symbol, the candle and the field, so the bad row can be found in the database.
 */
export function assertUsableCandles(symbol: string, candles: readonly Candle[], minimumCandles: number): void {
  if (candles.length < minimumCandles) {
    throw new KeelError('InvalidMarketData', `${symbol}: need at least ${minimumCandles} closed candles, got ${candles.length}`);
  }
  let previousTs = -Infinity;
  candles.forEach((candle, index) => {
    if (!Number.isSafeInteger(candle.ts) || candle.ts < 0) {
      throw new KeelError('InvalidMarketData', `${symbol}: candle #${index} has ts ${String(candle.ts)}; ts must be a non-negative epoch-millisecond integer`);
    }
    if (candle.ts <= previousTs) {
      throw new KeelError('InvalidMarketData', `${symbol}: candles must be in strictly ascending ts order; ts=${describeTs(candle.ts)} follows ts=${describeTs(previousTs)}`);
    }
    previousTs = candle.ts;
    for (const field of PRICE_FIELDS) {
      const value = candle[field];
      if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
        throw new KeelError('InvalidMarketData', `${symbol}: candle ts=${describeTs(candle.ts)} has ${field} ${String(value)}; prices must be finite and positive`);
      }
    }
  });
}
