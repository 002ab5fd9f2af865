import { Dec } from '../domain/decimal-math.js';
import { KeelError } from '../domain/errors.js';
import type { Balance, OrderIntent, OrderState } from '../domain/market-types.js';
import type { AttemptGuard, OrderBroker, PlaceOrderRequest } from './port.js';

/** What the live broker needs of an exchange: the idempotent placement step and the account reads (CcxtGateway). */
export interface LiveExchange {
  readonly exchangeId: string;
  /** With a guard: nothing is sent once it refuses (AttemptStopped), checked right before each request goes out. */
  findOrCreateOrder(clientOrderId: string, intent: OrderIntent, guard?: AttemptGuard): Promise<{ order: OrderState; created: boolean }>;
  fetchOrderByClientId(symbol: string, clientOrderId: string): Promise<OrderState | null>;
  cancelOrder(symbol: string, clientOrderId: string): Promise<OrderState | null>;
  fetchBalances(): Promise<Balance[]>;
}

export interface LiveBrokerOptions {
  exchange: LiveExchange;
  /** Largest notional (amount x price, in the quote currency) of one order. */
  maxOrderNotional: number;
  /** Largest notional of buys per UTC day over the account, this order included. */
  maxDailyNotional: number;
  /**
   * Reserves `notional` (quote currency, decimal string) for this client order id (the placement's capKey when it has
   * one) against the account's daily cap, if the day's reservations since `sinceMs` (00:00 UTC) leave room, atomically
   * across every process sharing the account; a client order id reserved before stays reserved and is not counted
   * twice. The worker composition answers it from the database (live_order_reservations), so replicas and restarts see
   * orders still in flight.
   */
  reserveNotional(request: { clientOrderId: string; notional: string; sinceMs: number; nowMs: number; capNotional: string }): Promise<{ reserved: boolean; usedBefore: string }>;
  /** Wall clock for the UTC day (tests move it). */
  now?: () => number;
}

const DAY_MS = 86_400_000;

/**
 * Real orders on a real exchange account, only behind KEEL_LIVE_TRADING with keys. Before ANY exchange call, a buy is
 * checked against the per-order cap and reserved against the per-day cap; then the client order id (fitted to the
 * exchange's rule by the gateway) is looked up and the order is placed only if the exchange has none, so a lost reply,
 * a timeout or a worker restart never produces a second order. Sells are not capped: on a spot account a sell can only
 * reduce a position keel holds, and refusing it would trap that position (a stop, a take-profit) behind the cap.
 */
export class LiveBroker implements OrderBroker {
  readonly mode = 'live' as const;
  private readonly exchange: LiveExchange;
  private readonly maxOrderNotional: Dec;
  private readonly maxDailyNotional: Dec;
  private readonly reserveNotional: LiveBrokerOptions['reserveNotional'];
  private readonly now: () => number;

  constructor(options: LiveBrokerOptions) {
    for (const [name, value] of [['maxOrderNotional', options.maxOrderNotional], ['maxDailyNotional', options.maxDailyNotional]] as const) {
      if (!Number.isFinite(value) || value <= 0) {
        throw new KeelError('InvalidConfig', `live broker ${name} must be a positive amount of the quote currency, got ${String(value)}`);
      }
    }
    this.exchange = options.exchange;
    this.maxOrderNotional = new Dec(options.maxOrderNotional);
    this.maxDailyNotional = new Dec(options.maxDailyNotional);
    this.reserveNotional = options.reserveNotional;
    this.now = options.now ?? Date.now;
  }

  findOrder(_account: string, clientOrderId: string, symbol: string): Promise<OrderState | null> {
    return this.exchange.fetchOrderByClientId(symbol, clientOrderId);
  }

  async placeOrder(request: PlaceOrderRequest): Promise<OrderState> {
    const { clientOrderId, intent, quote, guard } = request;
    const notional = notionalOf(intent);
    if (intent.side === 'buy') await this.checkBuyCaps(clientOrderId, request.capKey ?? clientOrderId, intent, notional, quote);
    // Post-only, immediate-or-cancel and stop (stopPrice) intents go through as they are: the gateway sends them as
    // such. A stop is a sell: no cap applies to it, like any other sell.
    const { order } = await this.exchange.findOrCreateOrder(clientOrderId, intent, guard);
    return order;
  }

  /**
   * The per-order cap applies to every order; the daily cap reserves under `capKey`, so the re-prices and slices of
   * one decision, each with its own client order id, count once (under the parent's reservation).
   */
  private async checkBuyCaps(clientOrderId: string, capKey: string, intent: OrderIntent, notional: Dec, quote: string): Promise<void> {
    const counted = capKey === clientOrderId ? '' : `, counted under ${capKey}`;
    const where = `live ${intent.side} ${intent.amount} ${intent.symbol} at ${intent.price} (client order id ${clientOrderId}${counted}) on ${this.exchange.exchangeId}`;
    if (notional.gt(this.maxOrderNotional)) {
      throw new KeelError(
        'InvalidOrder',
        `${where}: notional ${notional.toFixed(2)} ${quote} is over the per-order cap KEEL_LIVE_MAX_ORDER_NOTIONAL ${this.maxOrderNotional.toString()} ${quote}; nothing was sent`,
      );
    }
    const nowMs = this.now();
    const dayStart = Math.floor(nowMs / DAY_MS) * DAY_MS;
    const { reserved, usedBefore } = await this.reserveNotional({ clientOrderId: capKey, notional: notional.toString(), sinceMs: dayStart, nowMs, capNotional: this.maxDailyNotional.toString() });
    if (!reserved) {
      throw new KeelError(
        'LiveTradingDisabled',
        `${where}: ${new Dec(usedBefore).toFixed(2)} ${quote} of buys reserved since ${new Date(dayStart).toISOString()} + this order's ${notional.toFixed(2)} ${quote} ` +
          `is over the daily cap KEEL_LIVE_MAX_DAILY_NOTIONAL ${this.maxDailyNotional.toString()} ${quote}; no more live buys until 00:00 UTC; nothing was sent`,
      );
    }
  }

  cancelOrder(_account: string, clientOrderId: string, symbol: string): Promise<OrderState | null> {
    return this.exchange.cancelOrder(symbol, clientOrderId);
  }

  fetchBalances(_account: string, _quote: string): Promise<Balance[]> {
    return this.exchange.fetchBalances();
  }

  toJSON(): Record<string, unknown> {
    return { mode: this.mode, exchange: this.exchange.exchangeId, maxOrderNotional: this.maxOrderNotional.toString(), maxDailyNotional: this.maxDailyNotional.toString() };
  }
}

function notionalOf(intent: OrderIntent): Dec {
  try {
    const amount = new Dec(intent.amount);
    const price = new Dec(intent.price);
    if (amount.isFinite() && price.isFinite() && amount.gt(0) && price.gt(0)) return amount.times(price);
  } catch {
    // falls through to the refusal below
  }
  throw new KeelError('InvalidOrder', `live order ${intent.side} ${intent.symbol}: amount "${intent.amount}" and price "${intent.price}" must be positive decimals`);
}
