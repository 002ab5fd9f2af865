export type FakeOrderStatus = 'open' | 'closed' | 'canceled';

export interface FakeTrade {
  id: string;
  orderId: string;
  symbol: string;
  side: 'buy' | 'sell';
  price: number;
  amount: number;
  cost: number;
  /** Fee in `feeAsset` (the quote currency unless a test asked for base-coin fees). */
  fee: number;
  feeAsset: string;
  ts: number;
  maker: boolean;
}

export interface FakeOrder {
  seq: number;
  id: string;
  clientOrderId: string | undefined;
  symbol: string;
  base: string;
  quote: string;
  side: 'buy' | 'sell';
  type: 'market' | 'limit';
  /** Base quantity ordered (for a market buy sized in quote: what the quote bought). */
  amount: number;
  limitPrice: number | undefined;
  /** Quote size of a market buy sized in the quote currency (Coinbase quote_size, Binance quoteOrderQty). */
  quoteSize: number | undefined;
  status: FakeOrderStatus;
  filled: number;
  cost: number;
  fee: number;
  createdAtMs: number;
  updatedAtMs: number;
  trades: FakeTrade[];
  /** A post-only limit: refused, or canceled at once (kraken), when it would take liquidity. */
  postOnly: boolean;
  /** 'IOC': fills what it can at placement and is canceled for the rest, never resting. */
  timeInForce: 'GTC' | 'IOC';
  /** A stop-market sell's trigger: it rests (type 'market') until triggerStops trades the price at or below it. */
  stopPrice?: number;
  /** Who ended a canceled order: the account, or the venue's post-only or immediate-or-cancel rule. */
  canceledBy?: 'user' | 'post-only' | 'ioc';
  /** Wall time (Date.now()) before which look-ups and listings do not show the order (see hideNewOrdersForMs). */
  hiddenUntilMs?: number;
}

export interface PlaceRequest {
  symbol: string;
  base: string;
  quote: string;
  side: 'buy' | 'sell';
  type: 'market' | 'limit';
  amount?: number;
  quoteSize?: number;
  limitPrice?: number;
  clientOrderId?: string;
  postOnly?: boolean;
  timeInForce?: 'IOC';
  /** A stop-market sell: created open, never filled at placement (see FakeOrderBook.triggerStops). */
  stopPrice?: number;
}

/** Fee of a fill that takes liquidity (market orders, marketable limits). */
export const FAKE_FEE_RATE = 0.001;
/** Fee of a fill of a resting order (fillResting), lower than the taker's as on every venue. */
export const FAKE_MAKER_FEE_RATE = 0.0005;

/** Whether a limit (or market) order would trade at once against the last price. */
export function isMarketable(request: Pick<PlaceRequest, 'side' | 'type' | 'limitPrice'>, price: number): boolean {
  const limit = request.limitPrice;
  return request.type === 'market' || (limit !== undefined && (request.side === 'buy' ? limit >= price : limit <= price));
}

/**
 * Order and balance state of one fake account, exchange-neutral: the dialects translate requests into it and render
 * it in their own shapes. Market orders (and marketable limit orders) fill at once at the universe's last price as
 * takers; other limit orders rest until canceled, or until a test fills them as makers (fillResting). A post-only order
 * that reaches place() while marketable is created canceled (kraken's way; binance and coinbase refuse it before
 * placing), and an immediate-or-cancel one that is not marketable is created canceled with nothing filled. A stop-market
 * sell rests, holding its base amount, until a test trades the price through its trigger (triggerStops). Every
 * created order is counted per client order id, so a test can prove that a lost reply never became a second order.
 */
export class FakeOrderBook {
  private readonly orders: FakeOrder[] = [];
  private readonly byId = new Map<string, FakeOrder>();
  readonly balances = new Map<string, { free: number; used: number }>();
  /** Orders created per client order id (orders without one are not counted). */
  readonly createdByClientId = new Map<string, number>();
  private seq = 0;
  private tradeSeq = 0;
  private hideNewForMs = 0;
  private baseFeesLeft = 0;
  private baseFeeFactor = 0;

  constructor(
    private readonly ids: { order: (seq: number) => string; trade: (seq: number) => string },
    startingBalances: Record<string, number>,
  ) {
    for (const [asset, free] of Object.entries(startingBalances)) this.balances.set(asset, { free, used: 0 });
  }

  /** Every order, hidden ones included: what a test inspects. */
  get all(): readonly FakeOrder[] {
    return this.orders;
  }

  /** The orders the exchange's look-ups and listings show now: what the dialects serve. */
  get listed(): readonly FakeOrder[] {
    return this.orders.filter((order) => this.visible(order));
  }

  get(id: string): FakeOrder | undefined {
    const order = this.byId.get(id);
    return order !== undefined && this.visible(order) ? order : undefined;
  }

  /** The newest visible order with this client order id. */
  byClientId(clientOrderId: string): FakeOrder | undefined {
    for (let i = this.orders.length - 1; i >= 0; i--) {
      const order = this.orders[i] as FakeOrder;
      if (order.clientOrderId === clientOrderId && this.visible(order)) return order;
    }
    return undefined;
  }

  /**
   * Orders created from now on are carried out (balances move) but stay out of every look-up and listing for `ms` of
   * wall time, as an exchange whose order queries lag its matching engine; 0 turns it off.
   */
  hideNewOrdersForMs(ms: number): void {
    this.hideNewForMs = ms;
  }

  /** The next `count` fills charge their fee in the base coin, `factor` x the filled amount (an exchange's bad report). */
  chargeNextFeesInBase(count: number, factor: number): void {
    this.baseFeesLeft = count;
    this.baseFeeFactor = factor;
  }

  /** Free quote (for a buy: amount x price plus the fee) or base (for a sell) the account lacks for this order; 0 if none. */
  shortfall(request: { side: 'buy' | 'sell'; base: string; quote: string; amount: number }, price: number): number {
    const needed = request.side === 'buy' ? request.amount * price * (1 + FAKE_FEE_RATE) : request.amount;
    const free = this.balances.get(request.side === 'buy' ? request.quote : request.base)?.free ?? 0;
    return Math.max(0, needed - free);
  }

  private visible(order: FakeOrder): boolean {
    return order.hiddenUntilMs === undefined || Date.now() >= order.hiddenUntilMs;
  }

  openWithClientId(clientOrderId: string): FakeOrder | undefined {
    return this.orders.find((order) => order.clientOrderId === clientOrderId && order.status === 'open');
  }

  trades(symbol?: string): FakeTrade[] {
    return this.listed.flatMap((order) => order.trades).filter((trade) => symbol === undefined || trade.symbol === symbol).sort((a, b) => a.ts - b.ts);
  }

  place(request: PlaceRequest, price: number, nowMs: number): FakeOrder {
    this.seq++;
    const amount = request.amount ?? (request.quoteSize !== undefined ? request.quoteSize / price : 0);
    const order: FakeOrder = {
      seq: this.seq,
      id: this.ids.order(this.seq),
      clientOrderId: request.clientOrderId,
      symbol: request.symbol,
      base: request.base,
      quote: request.quote,
      side: request.side,
      type: request.type,
      amount,
      limitPrice: request.limitPrice,
      quoteSize: request.quoteSize,
      status: 'open',
      filled: 0,
      cost: 0,
      fee: 0,
      createdAtMs: nowMs,
      updatedAtMs: nowMs,
      trades: [],
      postOnly: request.postOnly === true,
      timeInForce: request.timeInForce ?? 'GTC',
      ...(request.stopPrice !== undefined && { stopPrice: request.stopPrice }),
      ...(this.hideNewForMs > 0 && { hiddenUntilMs: Date.now() + this.hideNewForMs }),
    };
    this.orders.push(order);
    this.byId.set(order.id, order);
    if (request.clientOrderId !== undefined) this.createdByClientId.set(request.clientOrderId, (this.createdByClientId.get(request.clientOrderId) ?? 0) + 1);
    const marketable = request.stopPrice === undefined && isMarketable(request, price);
    if (marketable && order.postOnly) this.end(order, 'post-only', nowMs);
    else if (marketable) this.addTrade(order, price, amount, false, nowMs);
    else if (order.timeInForce === 'IOC') this.end(order, 'ioc', nowMs);
    else this.reserve(order, 1);
    return order;
  }

  /** Cancels an open order: only the part not yet filled gives its reservation back; what filled stays filled. */
  cancel(order: FakeOrder, nowMs: number): void {
    if (order.status !== 'open') return;
    this.reserve(order, -1);
    this.end(order, 'user', nowMs);
  }

  /**
   * Fills `amount` (at most what is left) of a resting limit order at its limit price as a maker, at
   * FAKE_MAKER_FEE_RATE, from the balance the order reserved: as if another account's order had crossed it. The order
   * closes when nothing is left, and stays open with `filled` below its amount otherwise.
   */
  fillResting(order: FakeOrder, amount: number, nowMs: number): FakeTrade {
    const left = order.amount - order.filled;
    if (order.status !== 'open' || order.limitPrice === undefined || left <= 0) {
      throw new Error(`fake order ${order.id} is not a resting limit order (status ${order.status}, limit ${String(order.limitPrice)})`);
    }
    if (!(amount > 0)) throw new Error(`fillResting: amount must be positive, got ${amount}`);
    const filled = Math.min(amount, left);
    this.reserve(order, -1, filled);
    return this.addTrade(order, order.limitPrice, filled, true, nowMs);
  }

  /**
   * The price of `symbol` trades at `price`: every open stop-market sell of it whose trigger is at or above that price
   * fills whole at `price` as a taker (FAKE_FEE_RATE), from the base it reserved. Returns the orders it filled.
   */
  triggerStops(symbol: string, price: number, nowMs: number): FakeOrder[] {
    if (!(price > 0)) throw new Error(`triggerStops: price must be positive, got ${price}`);
    const fired = this.orders.filter((order) => order.symbol === symbol && order.status === 'open' && order.stopPrice !== undefined && order.stopPrice >= price);
    for (const order of fired) {
      this.reserve(order, -1);
      this.addTrade(order, price, order.amount - order.filled, false, nowMs);
    }
    return fired;
  }

  private end(order: FakeOrder, by: NonNullable<FakeOrder['canceledBy']>, nowMs: number): void {
    order.status = 'canceled';
    order.canceledBy = by;
    order.updatedAtMs = nowMs;
  }

  /** One fill of `amount` at `price`, moving free balances (a maker fill's reservation is released first). */
  private addTrade(order: FakeOrder, price: number, amount: number, maker: boolean, nowMs: number): FakeTrade {
    const cost = amount * price;
    const inBase = this.baseFeesLeft > 0;
    if (inBase) this.baseFeesLeft--;
    const fee = inBase ? amount * this.baseFeeFactor : cost * (maker ? FAKE_MAKER_FEE_RATE : FAKE_FEE_RATE);
    const feeAsset = inBase ? order.base : order.quote;
    this.tradeSeq++;
    const trade: FakeTrade = { id: this.ids.trade(this.tradeSeq), orderId: order.id, symbol: order.symbol, side: order.side, price, amount, cost, fee, feeAsset, ts: nowMs, maker };
    order.trades.push(trade);
    order.filled += amount;
    order.cost += cost;
    order.fee += fee;
    // Floating sums of partial fills may stop a hair short of the amount.
    if (order.filled >= order.amount * (1 - 1e-12)) order.status = 'closed';
    order.updatedAtMs = nowMs;
    const sign = order.side === 'buy' ? 1 : -1;
    this.adjust(order.base, sign * amount - (inBase ? fee : 0), 0);
    this.adjust(order.quote, -sign * cost - (inBase ? 0 : fee), 0);
    return trade;
  }

  /** Moves `amount` of the order (default: what is left of it) from free to used (1) or back (-1). */
  private reserve(order: FakeOrder, direction: 1 | -1, amount = order.amount - order.filled): void {
    const price = order.limitPrice ?? 0;
    if (order.side === 'buy') this.adjust(order.quote, -direction * amount * price, direction * amount * price);
    else this.adjust(order.base, -direction * amount, direction * amount);
  }

  private adjust(asset: string, free: number, used: number): void {
    const balance = this.balances.get(asset) ?? { free: 0, used: 0 };
    balance.free += free;
    balance.used += used;
    this.balances.set(asset, balance);
  }
}
