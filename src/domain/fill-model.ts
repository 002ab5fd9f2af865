import { Dec, decimalString, fromNumber } from './decimal-math.js';
import { exactOf, exactOfNumber, exactOfOnce, exactOr } from './exact-decimal.js';
import type { OrderIntent, OrderSide, OrderState } from './market-types.js';

/*
 * The one fill model of keel: how the paper broker fills an order, and how the backtester fills the same order. Pure
 * and exact (40-digit decimals), so a paper cycle and a backtest over the same prices book the same fills.
 */

/** What a simulated fill costs: fees as fractions of notional, slippage in basis points of the reference price. */
export interface FillCosts {
  /** Fee of an order that takes liquidity (market orders, marketable limits), e.g. 0.001 for 0.1 %. */
  takerFeeRate: number;
  /** Fee of a resting limit order that a later candle trades through. */
  makerFeeRate: number;
  /** Price moved against a taker, in basis points of the reference price. */
  slippageBps: number;
}

/** What a paper account charges on the sim and replay markets (a real venue's fees come from its capability map). */
export const DEFAULT_FILL_COSTS: Readonly<FillCosts> = Object.freeze({ takerFeeRate: 0.001, makerFeeRate: 0.001, slippageBps: 5 });

export interface ModelledFill {
  /** Price paid or received per unit of base. */
  price: Dec;
  notional: Dec;
  /** In the quote currency. */
  fee: Dec;
  role: 'maker' | 'taker';
}

/** The price a simulated taker fill starts from: an exit's trigger price when it has a usable one, else the last price. */
export function fillReferencePrice(intent: Pick<OrderIntent, 'triggerPrice'>, lastPrice: number): number {
  const trigger = intent.triggerPrice;
  return trigger !== undefined && Number.isFinite(trigger) && trigger > 0 ? trigger : lastPrice;
}

/** A taker's fill: the reference price moved against the taker by the slippage (buys pay more, sells get less). */
export function takerFill(side: OrderSide, amount: string, referencePrice: number, costs: Pick<FillCosts, 'takerFeeRate' | 'slippageBps'>): ModelledFill {
  const factors = slippageFactors(costs.slippageBps);
  const reference = fromNumber(referencePrice);
  const price = reference.mul(side === 'buy' ? factors.buy : factors.sell);
  const notional = new Dec(amount).mul(price);
  return { price, notional, fee: notional.mul(fromNumber(costs.takerFeeRate)), role: 'taker' };
}

/** A fill's figures as decimal text (decimalString's format), for callers that keep text (the backtester). */
export interface FillFigures {
  price: string;
  notional: string;
  fee: string;
  role: 'maker' | 'taker';
}

/**
 * takerFill's figures as text, the same digits: computed in Exact, which gives Dec's digits whenever no value needs
 * more than 40 (Dec then rounds nothing), and by takerFill itself when one does. A backtest fills ~14,000 orders a
 * year of 126 pairs, and decimal.js costs 3-5x what BigInt does here.
 */
export function takerFillFigures(side: OrderSide, amount: string, referencePrice: number, costs: Pick<FillCosts, 'takerFeeRate' | 'slippageBps'>): FillFigures {
  return exactOr(
    () => {
      const factors = slippageFactors(costs.slippageBps);
      const price = exactOfNumber(referencePrice).times(exactOf(side === 'buy' ? factors.buyText : factors.sellText));
      const notional = exactOfOnce(amount).times(price);
      const fee = notional.times(exactOfNumber(costs.takerFeeRate));
      return { price: price.toString(), notional: notional.toString(), fee: fee.toString(), role: 'taker' };
    },
    () => {
      const fill = takerFill(side, amount, referencePrice, costs);
      return { price: decimalString(fill.price), notional: decimalString(fill.notional), fee: decimalString(fill.fee), role: fill.role };
    },
  );
}

/** 1 + slip and 1 - slip (slip = bps / 10,000) by slippage setting: one division per setting, not per fill. */
const slippageFactorsByBps = new Map<number, { buy: Dec; sell: Dec; buyText: string; sellText: string }>();
const SLIPPAGE_SETTINGS_KEPT = 64;

function slippageFactors(slippageBps: number): { buy: Dec; sell: Dec; buyText: string; sellText: string } {
  let factors = slippageFactorsByBps.get(slippageBps);
  if (factors === undefined) {
    const slip = fromNumber(slippageBps).div(10_000);
    const buy = new Dec(1).plus(slip);
    const sell = new Dec(1).minus(slip);
    factors = { buy, sell, buyText: decimalString(buy), sellText: decimalString(sell) };
    if (slippageFactorsByBps.size >= SLIPPAGE_SETTINGS_KEPT) slippageFactorsByBps.clear();
    slippageFactorsByBps.set(slippageBps, factors);
  }
  return factors;
}

/** Whether a limit order fills at once: the taker's price is at least as good as its limit. */
export function isMarketable(side: OrderSide, limitPrice: string, takerPrice: Dec): boolean {
  return side === 'buy' ? takerPrice.lte(limitPrice) : takerPrice.gte(limitPrice);
}

/**
 * A resting limit order against a later candle: it fills at its own price, as a maker, only when the candle trades
 * through it (a buy when the low is below the limit, a sell when the high is above it); touching the price is not
 * enough, because the queue ahead of the order may take all of that volume. Null when it does not fill.
 */
export function restingLimitFill(side: OrderSide, amount: string, limitPrice: string, candle: { low: number; high: number }, costs: Pick<FillCosts, 'makerFeeRate'>): ModelledFill | null {
  const limit = new Dec(limitPrice);
  const through = side === 'buy' ? limit.gt(fromNumber(candle.low)) : limit.lt(fromNumber(candle.high));
  if (!through) return null;
  const notional = new Dec(amount).mul(limit);
  return { price: limit, notional, fee: notional.mul(fromNumber(costs.makerFeeRate)), role: 'maker' };
}

/** The free-balance changes of a fill, decimal strings by asset (what the paper ledger applies). */
export function fillBalanceDeltas(side: OrderSide, amount: string, fill: ModelledFill, assets: { base: string; quote: string }): Record<string, string> {
  const base = new Dec(amount);
  return side === 'buy'
    ? { [assets.quote]: decimalString(fill.notional.plus(fill.fee).neg()), [assets.base]: decimalString(base) }
    : { [assets.base]: decimalString(base.neg()), [assets.quote]: decimalString(fill.notional.minus(fill.fee)) };
}

/** The order as the exchange would report it once fully filled by `fill`. */
export function filledOrderState(clientOrderId: string, exchangeOrderId: string, intent: OrderIntent, fill: ModelledFill, createdAtMs: number): OrderState {
  return filledOrderStateOf(clientOrderId, exchangeOrderId, intent, { price: decimalString(fill.price), fee: decimalString(fill.fee) }, createdAtMs);
}

/** filledOrderState from a fill's figures as text. */
export function filledOrderStateOf(clientOrderId: string, exchangeOrderId: string, intent: OrderIntent, fill: Pick<FillFigures, 'price' | 'fee'>, createdAtMs: number): OrderState {
  return {
    clientOrderId,
    exchangeOrderId,
    symbol: intent.symbol,
    side: intent.side,
    type: intent.type,
    status: 'closed',
    amount: intent.amount,
    filled: intent.amount,
    averagePrice: fill.price,
    feeQuote: fill.fee,
    createdAtMs,
  };
}

/** Whether an order as the exchange reports it filled anything (exact: a fill of 1e-12 counts). */
export function hasFill(order: Pick<OrderState, 'filled'>): boolean {
  return new Dec(order.filled).gt(0);
}
