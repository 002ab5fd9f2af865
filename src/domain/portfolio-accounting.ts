import { Dec, decimalOf, decimalString, fromNumber } from './decimal-math.js';
import { KeelError } from './errors.js';
import type { OrderState } from './market-types.js';
import type { PortfolioSnapshot, Position } from './portfolio-types.js';

/**
 * Cash, positions and realized PnL bookkeeping in decimals. Runs in the workflow sandbox: decimal.js and domain only.
 *
 * Fees are booked as realized the moment they are paid (buy and sell alike), so realized PnL always equals the
 * money that left for good: after a full round trip, realizedPnl = cash now - cash before. Average entry prices
 * are pure fill prices, comparable with the exchange's own.
 */

/** Significant digits kept for a blended average entry price (its division rarely terminates). */
const AVERAGE_PRICE_DIGITS = 20;

function usablePrice(value: number | undefined): value is number {
  return value !== undefined && Number.isFinite(value) && value > 0;
}

/**
 * Cash plus every position at `prices[symbol]`; a position without a usable price is valued at its average entry
 * price (better a stale value than pretending the coin is worth nothing).
 */
export function portfolioEquity(portfolio: PortfolioSnapshot, prices: Readonly<Record<string, number>>): string {
  let equity = decimalOf(portfolio.cash);
  for (const position of Object.values(portfolio.positions)) {
    const price = prices[position.symbol];
    const mark = usablePrice(price) ? fromNumber(price) : decimalOf(position.averagePrice);
    equity = equity.plus(decimalOf(position.quantity).times(mark));
  }
  return decimalString(equity);
}

/**
 * Books an order's fill into the portfolio (a new object; the input is not changed). Uses `filled`,
 * `averagePrice` and `feeQuote` whatever the status, so a cancelled, partly filled order counts for its part.
 *  - buy:  cash -= filled × avg + fee; the position grows at the quantity-weighted average price; realized -= fee.
 *  - sell: cash += filled × avg - fee; realized += (avg - entry) × filled - fee; the position shrinks or closes.
 * A fee taken in the base coin (`feeBase`, counted in `feeQuote` at the fill price) never reaches the account: a buy
 * adds `filled - feeBase` to the position and only the rest of the fee leaves cash; a sell gives up `filled + feeBase`.
 * Throws Internal when a sell exceeds the held quantity: the ledgers disagree and guessing would hide it.
 */
export function applyFill(portfolio: PortfolioSnapshot, order: OrderState, tickNo: number): { portfolio: PortfolioSnapshot; realizedPnlDelta: string } {
  const filled = new Dec(order.filled);
  if (filled.isZero()) return { portfolio, realizedPnlDelta: '0' };
  if (filled.isNegative()) {
    throw new KeelError('Internal', `order ${order.clientOrderId} reports a negative filled quantity ${order.filled}`);
  }
  const fillPrice = new Dec(order.averagePrice);
  const fee = new Dec(order.feeQuote);
  const feeBase = new Dec(order.feeBase ?? '0');
  if (feeBase.isNegative() || (order.side === 'buy' && feeBase.greaterThanOrEqualTo(filled))) {
    throw new KeelError('Internal', `order ${order.clientOrderId} reports a base-coin fee ${order.feeBase} against a fill of ${order.filled}`);
  }
  // The part of the fee paid from quote cash; the base-coin part is taken from the coins instead.
  const cashFee = fee.minus(feeBase.times(fillPrice));
  const notional = filled.times(fillPrice);
  const held = portfolio.positions[order.symbol];
  const positions: Record<string, Position> = { ...portfolio.positions };
  let cash = new Dec(portfolio.cash);
  let realizedDelta: Dec;

  if (order.side === 'buy') {
    const received = filled.minus(feeBase);
    cash = cash.minus(notional).minus(cashFee);
    realizedDelta = fee.negated();
    if (held) {
      const heldQuantity = new Dec(held.quantity);
      const quantity = heldQuantity.plus(received);
      const average = heldQuantity.times(held.averagePrice).plus(received.times(fillPrice)).div(quantity).toSignificantDigits(AVERAGE_PRICE_DIGITS);
      positions[order.symbol] = { ...held, quantity: decimalString(quantity), averagePrice: decimalString(average) };
    } else {
      positions[order.symbol] = { symbol: order.symbol, quantity: decimalString(received), averagePrice: decimalString(fillPrice), openedTick: tickNo };
    }
  } else {
    const heldQuantity = new Dec(held?.quantity ?? '0');
    const given = filled.plus(feeBase);
    if (!held || given.greaterThan(heldQuantity)) {
      throw new KeelError('Internal', `sell ${order.clientOrderId} filled ${order.filled}${feeBase.isZero() ? '' : ` + base fee ${order.feeBase}`} ${order.symbol} but the portfolio holds ${decimalString(heldQuantity)}`);
    }
    cash = cash.plus(notional).minus(cashFee);
    // The coins given up as fee cost their entry price.
    realizedDelta = fillPrice.minus(held.averagePrice).times(filled).minus(cashFee).minus(feeBase.times(held.averagePrice));
    const remaining = heldQuantity.minus(given);
    if (remaining.isZero()) delete positions[order.symbol];
    else positions[order.symbol] = { ...held, quantity: decimalString(remaining) };
  }

  return {
    portfolio: {
      ...portfolio,
      cash: decimalString(cash),
      positions,
      realizedPnl: decimalString(new Dec(portfolio.realizedPnl).plus(realizedDelta)),
    },
    realizedPnlDelta: decimalString(realizedDelta),
  };
}
