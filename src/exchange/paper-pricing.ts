import { KeelError } from '../domain/errors.js';
import { Dec, decimalString, fromNumber } from '../domain/decimal-math.js';
import type { OrderIntent } from '../domain/market-types.js';
import { splitSymbol } from './market-args.js';

const POSITIVE_DECIMAL = /^\d+(\.\d+)?$/;

export interface PaperFillPricing {
  /** Price paid or received per unit of base, after slippage. */
  price: Dec;
  notional: Dec;
  fee: Dec;
  /** Free-balance changes of the fill, decimal strings: what the ledger applies. */
  balanceDeltas: Record<string, string>;
}

/** Refuses an intent the broker cannot execute, saying which field is wrong and what it must look like. */
export function checkIntent(intent: OrderIntent, quote: string): { base: string; quote: string } {
  const parts = splitSymbol(intent.symbol);
  if (parts === null) {
    throw new KeelError('InvalidOrder', `paper order symbol "${intent.symbol}" is not a spot symbol such as BTC/${quote} (uppercase BASE/QUOTE)`);
  }
  if (parts.quote !== quote) {
    throw new KeelError('InvalidOrder', `paper order symbol ${intent.symbol} is not quoted in ${quote}, the account currency of this request`);
  }
  if (intent.side !== 'buy' && intent.side !== 'sell') {
    throw new KeelError('InvalidOrder', `paper order side "${String(intent.side)}" for ${intent.symbol} must be "buy" or "sell"`);
  }
  if (intent.type !== 'market' && intent.type !== 'limit') {
    throw new KeelError('InvalidOrder', `paper order type "${String(intent.type)}" for ${intent.symbol} must be "market" or "limit"`);
  }
  if (typeof intent.amount !== 'string' || !POSITIVE_DECIMAL.test(intent.amount) || new Dec(intent.amount).isZero()) {
    throw new KeelError(
      'InvalidOrder',
      `paper order amount ${JSON.stringify(intent.amount)} for ${intent.symbol} must be a positive decimal string of base units such as "0.015"`,
    );
  }
  if (intent.type === 'limit' && (typeof intent.price !== 'string' || !POSITIVE_DECIMAL.test(intent.price) || new Dec(intent.price).isZero())) {
    throw new KeelError('InvalidOrder', `paper limit order price ${JSON.stringify(intent.price)} for ${intent.symbol} must be a positive decimal string such as "101.5"`);
  }
  return parts;
}

/**
 * Prices a fill at the last price moved against the taker by the slippage (buys pay more, sells receive less), and a
 * fee of feeRate x notional in the quote currency. All arithmetic in 40-digit decimals, so results are exact.
 */
export function priceFill(
  intent: OrderIntent,
  assets: { base: string; quote: string },
  lastPrice: number,
  feeRate: number,
  slippageBps: number,
): PaperFillPricing {
  const slip = fromNumber(slippageBps).div(10_000);
  const last = fromNumber(lastPrice);
  const price = intent.side === 'buy' ? last.mul(new Dec(1).plus(slip)) : last.mul(new Dec(1).minus(slip));
  const amount = new Dec(intent.amount);
  const notional = amount.mul(price);
  const fee = notional.mul(fromNumber(feeRate));
  const balanceDeltas =
    intent.side === 'buy'
      ? { [assets.quote]: decimalString(notional.plus(fee).neg()), [assets.base]: decimalString(amount) }
      : { [assets.base]: decimalString(amount.neg()), [assets.quote]: decimalString(notional.minus(fee)) };
  return { price, notional, fee, balanceDeltas };
}
