import { inDecimals, withExactFirst } from './decimal-arithmetic.js';
import type { Arithmetic, Num } from './decimal-arithmetic.js';
import { KeelError } from './errors.js';
import { ExactSum, exactOf, exactOr } from './exact-decimal.js';
import type { OrderState } from './market-types.js';
import type { PortfolioSnapshot, Position } from './portfolio-types.js';
import { copyRecord } from './records.js';

/**
 * Cash, positions and realized PnL bookkeeping in exact decimals. Runs in the workflow sandbox: decimal.js and domain
 * only. Each computation runs in Exact (scaled integers) and is redone in Dec when a value would need more than Dec's
 * 40 digits (see exact-decimal.ts), so the digits are decimal.js's either way; ticks and backtests repeat these.
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
  return exactOr(
    () => exactEquity(portfolio, prices),
    () => decimalEquity(portfolio, prices),
  );
}

/** equityIn in Exact, summed in one ExactSum (the same digits and refusals; ticks and backtests repeat this). */
function exactEquity(portfolio: PortfolioSnapshot, prices: Readonly<Record<string, number>>): string {
  const sum = new ExactSum(exactOf(portfolio.cash));
  for (const symbol of Object.keys(portfolio.positions)) {
    const position = portfolio.positions[symbol]!;
    const price = prices[position.symbol];
    if (usablePrice(price)) sum.addProductWithNumber(exactOf(position.quantity), price);
    else sum.addProduct(exactOf(position.quantity), exactOf(position.averagePrice));
  }
  return sum.toString();
}

/** portfolioEquity in Dec throughout (exported for the test that holds the two paths equal). */
export function decimalEquity(portfolio: PortfolioSnapshot, prices: Readonly<Record<string, number>>): string {
  return inDecimals((arithmetic) => equityIn(arithmetic, portfolio, prices));
}

function equityIn<N extends Num<N>>(arithmetic: Arithmetic<N>, portfolio: PortfolioSnapshot, prices: Readonly<Record<string, number>>): string {
  let equity = arithmetic.of(portfolio.cash);
  // Keys, not Object.values: a record of dozens of positions is read much quicker by key (ticks repeat this).
  for (const symbol of Object.keys(portfolio.positions)) {
    const position = portfolio.positions[symbol]!;
    const price = prices[position.symbol];
    const mark = usablePrice(price) ? arithmetic.ofNumber(price) : arithmetic.of(position.averagePrice);
    equity = equity.plus(arithmetic.of(position.quantity).times(mark));
  }
  return arithmetic.text(equity);
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
  const booking = bookingOf(portfolio, order, tickNo);
  if (booking === null) return { portfolio, realizedPnlDelta: '0' };
  const positions = copyRecord(portfolio.positions);
  return { portfolio: withBooking(portfolio, booking, positions), realizedPnlDelta: booking.realizedPnlDelta };
}

/** What booking one fill changes: the portfolio's cash and realized PnL, and one position (null: closed). */
export interface FillBooking {
  symbol: string;
  position: Position | null;
  cash: string;
  realizedPnl: string;
  realizedPnlDelta: string;
}

/** applyFill's computation without building the new portfolio (null: nothing filled); throws as applyFill does. */
export function bookingOf(portfolio: PortfolioSnapshot, order: OrderState, tickNo: number): FillBooking | null {
  return withExactFirst((arithmetic) => bookingIn(arithmetic, portfolio, order, tickNo));
}

/**
 * The portfolio after `booking`, its positions written into `positions` (a copy the caller owns: a settlement books a
 * tick's fills into one copy instead of copying every position per fill).
 */
export function withBooking(portfolio: PortfolioSnapshot, booking: FillBooking, positions: Record<string, Position>): PortfolioSnapshot {
  if (booking.position === null) delete positions[booking.symbol];
  else positions[booking.symbol] = booking.position;
  return { ...portfolio, cash: booking.cash, positions, realizedPnl: booking.realizedPnl };
}

/** bookingOf in Dec throughout (exported for the test that holds the two paths equal). */
export function decimalBooking(portfolio: PortfolioSnapshot, order: OrderState, tickNo: number): FillBooking | null {
  return inDecimals((arithmetic) => bookingIn(arithmetic, portfolio, order, tickNo));
}

function bookingIn<N extends Num<N>>(arithmetic: Arithmetic<N>, portfolio: PortfolioSnapshot, order: OrderState, tickNo: number): FillBooking | null {
  const { of, text } = arithmetic;
  const filled = of(order.filled);
  if (filled.isZero()) return null;
  if (filled.isNegative()) {
    throw new KeelError('Internal', `order ${order.clientOrderId} reports a negative filled quantity ${order.filled}`);
  }
  const fillPrice = of(order.averagePrice);
  const fee = of(order.feeQuote);
  const feeBase = of(order.feeBase ?? '0');
  if (feeBase.isNegative() || (order.side === 'buy' && feeBase.greaterThanOrEqualTo(filled))) {
    throw new KeelError('Internal', `order ${order.clientOrderId} reports a base-coin fee ${order.feeBase} against a fill of ${order.filled}`);
  }
  // The part of the fee paid from quote cash; the base-coin part is taken from the coins instead.
  const cashFee = fee.minus(feeBase.times(fillPrice));
  const notional = filled.times(fillPrice);
  const held = portfolio.positions[order.symbol];
  let cash = of(portfolio.cash);
  let realizedDelta: N;
  let position: Position | null;

  if (order.side === 'buy') {
    const received = filled.minus(feeBase);
    cash = cash.minus(notional).minus(cashFee);
    realizedDelta = fee.negated();
    if (held) {
      const heldQuantity = of(held.quantity);
      const quantity = heldQuantity.plus(received);
      const average = arithmetic.quotient(heldQuantity.times(of(held.averagePrice)).plus(received.times(fillPrice)), quantity, AVERAGE_PRICE_DIGITS);
      position = { ...held, quantity: text(quantity), averagePrice: text(average) };
    } else {
      position = { symbol: order.symbol, quantity: text(received), averagePrice: text(fillPrice), openedTick: tickNo };
    }
  } else {
    const heldQuantity = of(held?.quantity ?? '0');
    const given = filled.plus(feeBase);
    if (!held || given.greaterThan(heldQuantity)) {
      throw new KeelError('Internal', `sell ${order.clientOrderId} filled ${order.filled}${feeBase.isZero() ? '' : ` + base fee ${order.feeBase}`} ${order.symbol} but the portfolio holds ${text(heldQuantity)}`);
    }
    cash = cash.plus(notional).minus(cashFee);
    // The coins given up as fee cost their entry price.
    const entryPrice = of(held.averagePrice);
    realizedDelta = fillPrice.minus(entryPrice).times(filled).minus(cashFee).minus(feeBase.times(entryPrice));
    const remaining = heldQuantity.minus(given);
    position = remaining.isZero() ? null : { ...held, quantity: text(remaining) };
  }

  return {
    symbol: order.symbol,
    position,
    cash: text(cash),
    realizedPnl: text(of(portfolio.realizedPnl).plus(realizedDelta)),
    realizedPnlDelta: text(realizedDelta),
  };
}
