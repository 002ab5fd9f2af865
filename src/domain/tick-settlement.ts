import { Dec, decimalString } from './decimal-math.js';
import { Exact, ExactSum, exactOfOnce, exactOr } from './exact-decimal.js';
import type { OrderIntent, OrderState } from './market-types.js';
import { appliedFillOf } from './order-doubts.js';
import type { OrderDoubt } from './order-doubts.js';
import { orderOutcomeUnknown } from './order-fate.js';
import { bookingOf, withBooking } from './portfolio-accounting.js';
import type { FillBooking } from './portfolio-accounting.js';
import type { PortfolioSnapshot, Position } from './portfolio-types.js';
import { copyRecord } from './records.js';

/*
 * What a tick decides once its orders have come back: fills booked, cooldowns set and expired, orders of unknown fate
 * and unbookable fills turned into doubts. Pure and sandbox-safe: the market cycle's workflow calls it with its order
 * children's results, and a backtester calls it with the fill model's, so both book the same way.
 */

/** How one order intent ended (the order child's result, or a simulated one). */
export type OrderOutcome =
  | { ok: true; order: OrderState }
  | { ok: false; clientOrderId: string; symbol: string; errorType: string; message: string; placed?: 'no' | 'unknown' };

export interface SettleOrdersInput {
  portfolio: PortfolioSnapshot;
  /** symbol -> first tick at which it may be bought again. */
  cooldowns: Readonly<Record<string, number>>;
  /** The number of the tick being settled (ticks completed before it + 1). */
  tickNo: number;
  tickTs: number;
  cooldownTicks: number;
  /** The tick's intents and, index for index, how each ended. */
  intents: readonly OrderIntent[];
  outcomes: readonly OrderOutcome[];
  /**
   * Whether the stricter order-fate rule applies (a child completed in an earlier run, an order open after its cancel).
   * Asked only for an outcome it would judge differently, so the workflow can answer with patched() and record no
   * marker on ordinary ticks; a backtest answers true.
   */
  strictFate: () => boolean;
}

/** Something the caller should log, in order. */
export interface SettlementEvent {
  message: string;
  fields: Record<string, unknown>;
}

export interface TickSettlement {
  portfolio: PortfolioSnapshot;
  cooldowns: Record<string, number>;
  /** Orders whose fill was booked. */
  filled: OrderState[];
  /** Symbols whose state keel cannot prove after this tick, and the doubts that say why. */
  unknownFate: string[];
  doubts: OrderDoubt[];
  /** Quote fees booked by this settlement (decimal string). */
  feesBooked: string;
  warnings: SettlementEvent[];
  errors: SettlementEvent[];
}

/** Books one fill; returns the new portfolio, or why it cannot be booked (then nothing changes). */
export function tryBookFill(portfolio: PortfolioSnapshot, fill: OrderState, tickNo: number): { portfolio: PortfolioSnapshot } | { reason: string } {
  const booking = tryBooking(portfolio, fill, tickNo);
  if ('reason' in booking) return booking;
  return { portfolio: booking.booking === null ? portfolio : withBooking(portfolio, booking.booking, copyRecord(portfolio.positions)) };
}

function tryBooking(portfolio: PortfolioSnapshot, fill: OrderState, tickNo: number): { booking: FillBooking | null } | { reason: string } {
  try {
    return { booking: bookingOf(portfolio, fill, tickNo) };
  } catch (error) {
    return { reason: `fill could not be booked: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/**
 * Settles a tick's orders against the portfolio:
 *  - a failed order whose fate is unknown (see orderOutcomeUnknown) becomes a fate_unknown doubt;
 *  - an order still open after its cancel (strict rule) becomes a fate_unknown doubt carrying what was booked of it;
 *  - a fill is booked; one the portfolio cannot take (it contradicts what keel holds) becomes a fill_unapplied doubt
 *    instead of an error that would stall the cycle;
 *  - a sell's fill starts the coin's cooldown, and cooldowns that end with this tick are dropped.
 */
export function settleOrders(input: SettleOrdersInput): TickSettlement {
  const { tickNo, tickTs } = input;
  let portfolio = input.portfolio;
  // Copied key by key: V8 spreads a record of many keys on a slow path, and ticks repeat this.
  const cooldowns: Record<string, number> = copyRecord(input.cooldowns);
  const filled: OrderState[] = [];
  const unknownFate: string[] = [];
  const doubts: OrderDoubt[] = [];
  const warnings: SettlementEvent[] = [];
  const errors: SettlementEvent[] = [];
  const fees: string[] = [];
  let positions: Record<string, Position> | undefined;

  for (const [index, outcome] of input.outcomes.entries()) {
    const intent = input.intents[index]!;
    if (!outcome.ok) {
      warnings.push({ message: 'order not executed', fields: { symbol: outcome.symbol, errorType: outcome.errorType, message: outcome.message } });
      const unknown = outcome.placed !== undefined ? outcome.placed === 'unknown' : orderOutcomeUnknown(outcome.errorType, outcome.errorType === 'AlreadyCompleted' && input.strictFate());
      if (unknown) {
        unknownFate.push(outcome.symbol);
        doubts.push({ kind: 'fate_unknown', symbol: outcome.symbol, clientOrderId: outcome.clientOrderId, tickTs, intent, reason: `${outcome.errorType} in tick ${tickNo}: ${outcome.message.slice(0, 300)}` });
      }
      continue;
    }
    const { order } = outcome;
    // Still open after its cancel (the cancel not yet effective, or its outcome unread): it may fill later.
    if (order.status === 'open' && input.strictFate()) {
      warnings.push({ message: 'order still open after its cancel; its coin is in doubt until reconciled', fields: { clientOrderId: order.clientOrderId, symbol: order.symbol } });
      unknownFate.push(order.symbol);
      const applied = appliedFillOf(order);
      doubts.push({ kind: 'fate_unknown', symbol: order.symbol, clientOrderId: order.clientOrderId, tickTs, intent, reason: `still open after its cancel in tick ${tickNo}`, ...(applied !== undefined && { applied }) });
    }
    if (Number(order.filled) > 0) {
      const booked = tryBooking(portfolio, order, tickNo);
      if ('reason' in booked) {
        errors.push({ message: 'a fill could not be booked; its coin is in doubt until a person acknowledges the finding', fields: { clientOrderId: order.clientOrderId, symbol: order.symbol, tickTs, message: booked.reason } });
        unknownFate.push(order.symbol);
        doubts.push({ kind: 'fill_unapplied', symbol: order.symbol, clientOrderId: order.clientOrderId, tickTs, intent, reason: booked.reason });
        continue;
      }
      if (booked.booking !== null) {
        // One copy of the positions per settlement, however many fills it books.
        positions ??= copyRecord(input.portfolio.positions);
        portfolio = withBooking(portfolio, booked.booking, positions);
      }
      fees.push(order.feeQuote);
      filled.push(order);
      if (order.side === 'sell') cooldowns[order.symbol] = tickNo + input.cooldownTicks;
    }
  }
  for (const symbol in cooldowns) {
    if (cooldowns[symbol]! <= tickNo) delete cooldowns[symbol];
  }
  return { portfolio, cooldowns, filled, unknownFate, doubts, feesBooked: sumOfFees(fees), warnings, errors };
}

/** The fees' sum as Dec adds them one by one (decimal string), in Exact unless a value needs more digits. */
function sumOfFees(fees: readonly string[]): string {
  return exactOr(
    () => {
      const sum = new ExactSum(Exact.ZERO);
      for (const fee of fees) sum.add(exactOfOnce(fee));
      return sum.toString();
    },
    () => decimalString(fees.reduce((sum, fee) => sum.plus(fee), new Dec(0))),
  );
}
