import { KeelError } from '../domain/errors.js';
import { Dec } from '../domain/decimal-math.js';
import { fillBalanceDeltas, fillReferencePrice, takerFill } from '../domain/fill-model.js';
import type { ModelledFill } from '../domain/fill-model.js';
import type { OrderIntent } from '../domain/market-types.js';
import { splitSymbol } from './market-args.js';

const POSITIVE_DECIMAL = /^\d+(\.\d+)?$/;

export interface PaperFillPricing extends ModelledFill {
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
 * Prices a taker's fill with keel's one fill model (src/domain/fill-model.ts): the last price moved against the taker by
 * the slippage, a fee of feeRate x notional in the quote currency, exact decimals.
 */
export function priceFill(
  intent: OrderIntent,
  assets: { base: string; quote: string },
  lastPrice: number,
  feeRate: number,
  slippageBps: number,
): PaperFillPricing {
  const fill = takerFill(intent.side, intent.amount, fillReferencePrice(intent, lastPrice), { takerFeeRate: feeRate, slippageBps });
  return { ...fill, balanceDeltas: fillBalanceDeltas(intent.side, intent.amount, fill, assets) };
}
