import { Dec } from '../domain/decimal-math.js';
import { KeelError } from '../domain/errors.js';
import type { Balance, OrderIntent, OrderState } from '../domain/market-types.js';
import type { OrderBroker, PlaceOrderRequest } from './port.js';

/** What the live broker needs of an exchange: the idempotent placement step and the account reads (CcxtGateway). */
export interface LiveExchange {
  readonly exchangeId: string;
  findOrCreateOrder(clientOrderId: string, intent: OrderIntent): Promise<{ order: OrderState; created: boolean }>;
  fetchOrderByClientId(symbol: string, clientOrderId: string): Promise<OrderState | null>;
  cancelOrder(symbol: string, clientOrderId: string): Promise<OrderState | null>;
  fetchBalances(): Promise<Balance[]>;
}

export interface LiveBrokerOptions {
  exchange: LiveExchange;
  /** Largest notional (amount x price, in the quote currency) of one order. */
  maxOrderNotional: number;
  /** Largest notional placed per UTC day over the account, this order included. */
  maxDailyNotional: number;
  /**
   * Notional (quote currency, decimal string) the account placed since `sinceMs` (00:00 UTC today), as keel's own
   * order records count it, leaving out the orders with the given client order ids (this broker counts those itself
   * until they are recorded). The worker composition answers it from the database.
   */
  notionalPlacedSince(account: string, sinceMs: number, excludingClientOrderIds: readonly string[]): Promise<string>;
  /** Wall clock for the UTC day (tests move it). */
  now?: () => number;
}

const DAY_MS = 86_400_000;

/**
 * Real orders on a real exchange account, only behind KEEL_LIVE_TRADING with keys. Before ANY exchange call, an order
 * is checked against the per-order and per-day notional caps; then the client order id (fitted to the exchange's
 * rule by the gateway) is looked up and the order is placed only if the exchange has none, so a lost reply, a
 * timeout or a worker restart never produces a second order.
 */
export class LiveBroker implements OrderBroker {
  readonly mode = 'live' as const;
  private readonly exchange: LiveExchange;
  private readonly maxOrderNotional: Dec;
  private readonly maxDailyNotional: Dec;
  private readonly notionalPlacedSince: LiveBrokerOptions['notionalPlacedSince'];
  private readonly now: () => number;
  /**
   * Notional of the orders this broker sent (or is sending) today, by client order id: orders placed at once in one
   * tick are not in keel's records yet, and each must count against the daily cap of the others.
   */
  private readonly sentToday = new Map<string, { notional: Dec; dayStart: number }>();

  constructor(options: LiveBrokerOptions) {
    for (const [name, value] of [['maxOrderNotional', options.maxOrderNotional], ['maxDailyNotional', options.maxDailyNotional]] as const) {
      if (!Number.isFinite(value) || value <= 0) {
        throw new KeelError('InvalidConfig', `live broker ${name} must be a positive amount of the quote currency, got ${String(value)}`);
      }
    }
    this.exchange = options.exchange;
    this.maxOrderNotional = new Dec(options.maxOrderNotional);
    this.maxDailyNotional = new Dec(options.maxDailyNotional);
    this.notionalPlacedSince = options.notionalPlacedSince;
    this.now = options.now ?? Date.now;
  }

  findOrder(_account: string, clientOrderId: string, symbol: string): Promise<OrderState | null> {
    return this.exchange.fetchOrderByClientId(symbol, clientOrderId);
  }

  async placeOrder(request: PlaceOrderRequest): Promise<OrderState> {
    const { account, clientOrderId, intent, quote } = request;
    const notional = notionalOf(intent);
    const where = `live ${intent.side} ${intent.amount} ${intent.symbol} at ${intent.price} (client order id ${clientOrderId}) on ${this.exchange.exchangeId}`;
    if (notional.gt(this.maxOrderNotional)) {
      throw new KeelError(
        'InvalidOrder',
        `${where}: notional ${notional.toFixed(2)} ${quote} is over the per-order cap KEEL_LIVE_MAX_ORDER_NOTIONAL ${this.maxOrderNotional.toString()} ${quote}; nothing was sent`,
      );
    }
    const dayStart = Math.floor(this.now() / DAY_MS) * DAY_MS;
    for (const [id, sent] of this.sentToday) if (sent.dayStart !== dayStart) this.sentToday.delete(id);
    const recorded = new Dec(await this.notionalPlacedSince(account, dayStart, [...this.sentToday.keys(), clientOrderId]));
    // Summed after the await, so concurrent placements in this process see each other's reservation.
    let placed = recorded;
    for (const [id, sent] of this.sentToday) if (id !== clientOrderId && sent.dayStart === dayStart) placed = placed.plus(sent.notional);
    if (placed.plus(notional).gt(this.maxDailyNotional)) {
      throw new KeelError(
        'LiveTradingDisabled',
        `${where}: ${placed.toFixed(2)} ${quote} placed since ${new Date(dayStart).toISOString()} + this order's ${notional.toFixed(2)} ${quote} ` +
          `is over the daily cap KEEL_LIVE_MAX_DAILY_NOTIONAL ${this.maxDailyNotional.toString()} ${quote}; no more live orders until 00:00 UTC; nothing was sent`,
      );
    }
    this.sentToday.set(clientOrderId, { notional, dayStart });
    const { order } = await this.exchange.findOrCreateOrder(clientOrderId, intent);
    return order;
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
