import { isKeelError, KeelError } from '../domain/errors.js';
import { decimalString } from '../domain/decimal-math.js';
import type { Balance, OrderState } from '../domain/market-types.js';
import type { PaperLedger } from '../domain/paper-ledger.js';
import { DEFAULT_FILL_COSTS, fillBalanceDeltas, filledOrderState, isMarketable, restingLimitFill } from '../domain/fill-model.js';
import { timeframeMs } from '../domain/market-types.js';
import { checkIntent, priceFill } from './paper-pricing.js';
import type { PaperFillPricing } from './paper-pricing.js';
import type { ExchangeGateway, OrderBroker, PlaceOrderRequest } from './port.js';

/** What a paper account gets when nothing else is said (the settings KEEL_PAPER_* default to the same). */
export const PAPER_DEFAULTS = Object.freeze({ feeRate: DEFAULT_FILL_COSTS.takerFeeRate, slippageBps: DEFAULT_FILL_COSTS.slippageBps, startingCash: '100000', quote: 'USDT' });

export interface PaperBrokerOptions {
  /** Prices fills: the last price of the market the cycle trades (sim, replay or a real exchange's public data). */
  gateway: ExchangeGateway;
  ledger: PaperLedger;
  /** Taker fee as a fraction of notional, charged in the quote currency. Default 0.001 (0.1 %). */
  feeRate?: number;
  /** Price moved against the taker, in basis points of the last price. Default 5. */
  slippageBps?: number;
  /** Fee of a resting limit order a later candle trades through (maker-first), as a fraction. Default: feeRate. */
  makerFeeRate?: number;
  /** Balances a new account starts with, decimal strings by asset. Default { USDT: '100000' }. */
  startingBalances?: Record<string, string>;
}

/**
 * Plays the exchange for paper trading: fills market orders (and limit orders that are marketable now) at once, at
 * the gateway's last price with slippage and fees, and records order and balance changes in one ledger transaction.
 * The client order id is looked up before anything else, so a retried or replayed placement returns the first fill.
 */
export class PaperBroker implements OrderBroker {
  readonly mode = 'paper' as const;
  private readonly gateway: ExchangeGateway;
  private readonly ledger: PaperLedger;
  private readonly feeRate: number;
  private readonly slippageBps: number;
  private readonly makerFeeRate: number;
  private readonly startingBalances: Record<string, string>;
  private readonly accounts = new Map<string, Promise<void>>();
  private placed = 0;
  private duplicates = 0;

  constructor(options: PaperBrokerOptions) {
    this.gateway = options.gateway;
    this.ledger = options.ledger;
    this.feeRate = options.feeRate ?? PAPER_DEFAULTS.feeRate;
    this.slippageBps = options.slippageBps ?? PAPER_DEFAULTS.slippageBps;
    this.makerFeeRate = options.makerFeeRate ?? this.feeRate;
    this.startingBalances = { ...(options.startingBalances ?? { [PAPER_DEFAULTS.quote]: PAPER_DEFAULTS.startingCash }) };
    for (const [name, rate] of [['feeRate', this.feeRate], ['makerFeeRate', this.makerFeeRate]] as const) {
      if (!Number.isFinite(rate) || rate < 0 || rate >= 1) throw new KeelError('InvalidConfig', `paper broker ${name} must be a fraction in [0, 1) such as 0.001, got ${String(rate)}`);
    }
    if (!Number.isFinite(this.slippageBps) || this.slippageBps < 0 || this.slippageBps >= 10_000) {
      throw new KeelError('InvalidConfig', `paper broker slippageBps must be basis points in [0, 10000) such as 5, got ${String(this.slippageBps)}`);
    }
  }

  /** Orders this broker inserted into the ledger. */
  get placements(): number {
    return this.placed;
  }

  /** Placements answered with an order the ledger already had (a retry or replay), so nothing was placed twice. */
  get duplicatesAvoided(): number {
    return this.duplicates;
  }

  async findOrder(account: string, clientOrderId: string, _symbol: string, asOfMs?: number): Promise<OrderState | null> {
    // Client order ids are unique per account, so the symbol is not needed to find the order.
    if (asOfMs !== undefined) {
      const resting = await this.ledger.findOpenLimit(account, clientOrderId);
      if (resting !== null) return this.judgeResting(account, resting, asOfMs);
    }
    return this.ledger.findOrder(account, clientOrderId);
  }

  async placeOrder(request: PlaceOrderRequest): Promise<OrderState> {
    const { account, quote, clientOrderId, intent, asOfMs } = request;
    if (intent.stopPrice !== undefined) {
      throw new KeelError(
        'NotSupported',
        `paper order ${intent.side} ${intent.amount} ${intent.symbol} with stopPrice ${intent.stopPrice} (client order id ${clientOrderId}): stops rest on the exchange on live accounts only; paper accounts check them each tick; nothing was placed`,
      );
    }
    if (account === '' || clientOrderId === '') {
      throw new KeelError('InvalidOrder', `paper order needs a non-empty account and clientOrderId (got account "${account}", clientOrderId "${clientOrderId}")`);
    }
    const existing = await this.ledger.findOrder(account, clientOrderId);
    if (existing !== null) {
      this.duplicates++;
      return existing;
    }
    const assets = checkIntent(intent, quote);
    await this.ensureAccount(account);

    const last = await this.lastPrice(quote, intent.symbol, asOfMs);
    const pricing = priceFill(intent, assets, last, this.feeRate, this.slippageBps);
    if (intent.type === 'limit' && intent.postOnly === true) return this.rest(request, pricing, last);
    if (intent.type === 'limit' && intent.timeInForce === 'IOC' && !isMarketable(intent.side, intent.price, pricing.price)) return this.recordUnfilled(request, 'canceled');
    if (intent.type === 'limit') this.checkMarketable(request, pricing, last);

    // The ledger inserts a client order id once, so a late write cannot double the order; the guard keeps an attempt
    // Temporal has given up from writing at all, as it keeps a live one from sending.
    const refusal = request.guard?.refusal(0, 0) ?? null;
    if (refusal !== null) {
      throw new KeelError('AttemptStopped', `paper order ${intent.side} ${intent.amount} ${intent.symbol} (client order id ${clientOrderId}): not placed, ${refusal}; the next attempt looks the order up first`);
    }
    const order = filledOrderState(clientOrderId, `paper-${clientOrderId}`, intent, pricing, asOfMs);
    let result: { order: OrderState; inserted: boolean };
    try {
      result = await this.ledger.recordFill({ account, order, balanceDeltas: pricing.balanceDeltas });
    } catch (error) {
      if (isKeelError(error) && error.code === 'InsufficientFunds') {
        throw new KeelError(
          'InsufficientFunds',
          `${error.message}; the order was ${intent.side} ${intent.amount} ${intent.symbol} at ${order.averagePrice} ${quote} ` +
            `(notional ${decimalString(pricing.notional)}, fee ${order.feeQuote}); lower the amount or start the account with more`,
          { cause: error },
        );
      }
      throw error;
    }
    if (result.inserted) this.placed++;
    else this.duplicates++; // a concurrent attempt with the same id won the race
    return result.order;
  }

  /**
   * Market orders fill the moment they are placed, so only a resting limit order is ever left to cancel: it is first
   * judged against the candles up to asOfMs (a fill before the cancel wins, as on an exchange), then cancelled.
   */
  async cancelOrder(account: string, clientOrderId: string, symbol: string, asOfMs?: number): Promise<OrderState | null> {
    const order = await this.findOrder(account, clientOrderId, symbol, asOfMs);
    if (order === null || order.status !== 'open') return order;
    return this.ledger.closeOpen(account, { ...order, status: 'canceled' }, {});
  }

  /**
   * A post-only limit order: refused when it would take liquidity now (its limit reaches the taker's price), else it
   * rests in the ledger until a later candle trades through it (judgeResting). Needs a market that replays candles.
   */
  private async rest(request: PlaceOrderRequest, pricing: PaperFillPricing, last: number): Promise<OrderState> {
    const { clientOrderId, intent } = request;
    if (this.gateway.tickerTimeframe === undefined) {
      throw new KeelError(
        'NotSupported',
        `paper post-only order ${intent.side} ${intent.amount} ${intent.symbol}: the paper broker judges resting orders against the market's candles, which only the sim and replay markets replay; use execution.mode "market" on ${this.gateway.exchangeId}`,
      );
    }
    if (isMarketable(intent.side, intent.price, pricing.price)) {
      throw new KeelError(
        'InvalidOrder',
        `paper post-only ${intent.side} limit ${intent.price} for ${intent.symbol} would take liquidity now (taker price ${decimalString(pricing.price)}, last ${last}): refused, nothing placed`,
      );
    }
    const refusal = request.guard?.refusal(0, 0) ?? null;
    if (refusal !== null) throw new KeelError('AttemptStopped', `paper post-only order ${clientOrderId}: not placed, ${refusal}; the next attempt looks the order up first`);
    return this.recordUnfilled(request, 'open');
  }

  /**
   * An order recorded with nothing filled and no balance moved: resting ('open', with its limit price, judged later by
   * judgeResting), or an immediate-or-cancel limit that could not fill at once ('canceled', as an exchange reports it).
   */
  private async recordUnfilled(request: PlaceOrderRequest, status: 'open' | 'canceled'): Promise<OrderState> {
    const { account, clientOrderId, intent, asOfMs } = request;
    const order: OrderState = { clientOrderId, exchangeOrderId: `paper-${clientOrderId}`, symbol: intent.symbol, side: intent.side, type: 'limit', status, amount: intent.amount, filled: '0', averagePrice: '0', feeQuote: '0', createdAtMs: asOfMs };
    const result = await this.ledger.recordFill({ account, order, balanceDeltas: {}, ...(status === 'open' && { limitPrice: intent.price }) });
    if (result.inserted) this.placed++;
    else this.duplicates++;
    return result.order;
  }

  /**
   * A resting order as of asOfMs: filled whole at its limit, as a maker, when a candle of the market's ticker timeframe
   * opened since its placement and closed by asOfMs traded through its price (the shared fill model, as the backtester
   * judges it); still open otherwise. A fill the account cannot pay for cancels the order (InsufficientFunds).
   */
  private async judgeResting(account: string, resting: { order: OrderState; limitPrice: string }, asOfMs: number): Promise<OrderState> {
    const { order, limitPrice } = resting;
    const range = await this.rangeSince(order.symbol, order.createdAtMs, asOfMs);
    const fill = range === null ? null : restingLimitFill(order.side, order.amount, limitPrice, range, { makerFeeRate: this.makerFeeRate });
    if (fill === null) return order;
    const [base, quote] = order.symbol.split('/') as [string, string];
    const final: OrderState = { ...order, status: 'closed', filled: order.amount, averagePrice: decimalString(fill.price), feeQuote: decimalString(fill.fee) };
    try {
      return await this.ledger.closeOpen(account, final, fillBalanceDeltas(order.side, order.amount, fill, { base, quote }));
    } catch (error) {
      if (!(isKeelError(error) && error.code === 'InsufficientFunds')) throw error;
      await this.ledger.closeOpen(account, { ...order, status: 'canceled' }, {});
      throw new KeelError('InsufficientFunds', `${error.message}; the resting ${order.side} ${order.amount} ${order.symbol} at ${limitPrice} was cancelled instead of filled`, { cause: error });
    }
  }

  /** Highest high and lowest low of the ticker-timeframe candles that opened at or after sinceMs and closed by asOfMs. */
  private async rangeSince(symbol: string, sinceMs: number, asOfMs: number): Promise<{ high: number; low: number } | null> {
    const timeframe = this.gateway.tickerTimeframe;
    if (timeframe === undefined) return null;
    const tfMs = timeframeMs(timeframe);
    const limit = Math.max(1, Math.ceil((asOfMs - sinceMs) / tfMs) + 1);
    const candles = await this.gateway.fetchOhlcv(symbol, timeframe, { sinceMs, untilMs: asOfMs, limit });
    if (candles.length === 0) return null;
    let high = Number.NEGATIVE_INFINITY;
    let low = Number.POSITIVE_INFINITY;
    for (const candle of candles) {
      high = Math.max(high, candle.high);
      low = Math.min(low, candle.low);
    }
    return { high, low };
  }

  async fetchBalances(account: string, _quote: string): Promise<Balance[]> {
    await this.ensureAccount(account);
    return this.ledger.getBalances(account);
  }

  /** Creates the account with its starting balances once per process; a failed attempt is retried next time. */
  private ensureAccount(account: string): Promise<void> {
    let ready = this.accounts.get(account);
    if (ready === undefined) {
      ready = this.ledger.ensureAccount(account, this.startingBalances);
      ready.catch(() => this.accounts.delete(account));
      this.accounts.set(account, ready);
    }
    return ready;
  }

  private async lastPrice(quote: string, symbol: string, asOfMs: number): Promise<number> {
    const tickers = await this.gateway.fetchTickers(quote, [symbol], asOfMs);
    const ticker = tickers.find((candidate) => candidate.symbol === symbol);
    if (ticker === undefined || !Number.isFinite(ticker.last) || ticker.last <= 0) {
      throw new KeelError(
        'InvalidMarketData',
        `paper broker has no usable price for ${symbol} on ${this.gateway.exchangeId} as of ${asOfMs} ` +
          `(${ticker === undefined ? 'no ticker' : `last ${ticker.last}`}); the market has no recent candle for it`,
      );
    }
    return ticker.last;
  }

  /** A limit order fills only if the slipped price is at least as good as the limit; resting orders are not simulated. */
  private checkMarketable(request: PlaceOrderRequest, pricing: PaperFillPricing, last: number): void {
    const { intent } = request;
    const marketable = isMarketable(intent.side, intent.price, pricing.price);
    if (marketable) return;
    const touch = intent.side === 'buy' ? 'ask' : 'bid';
    const fix = intent.side === 'buy' ? 'at or above' : 'at or below';
    throw new KeelError(
      'NotSupported',
      `paper broker fills market and marketable limit orders only: ${intent.side} limit ${intent.price} for ${intent.symbol} ` +
        `does not reach the current ${touch} ${decimalString(pricing.price)} (last ${last}, slippage ${this.slippageBps} bps); ` +
        `send a market order or a limit ${fix} the ${touch}`,
    );
  }
}
