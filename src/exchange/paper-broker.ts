import { isKeelError, KeelError } from '../domain/errors.js';
import { decimalString } from '../domain/decimal-math.js';
import type { Balance, OrderState } from '../domain/market-types.js';
import type { PaperLedger } from '../domain/paper-ledger.js';
import { DEFAULT_FILL_COSTS, filledOrderState, isMarketable } from '../domain/fill-model.js';
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
  private readonly startingBalances: Record<string, string>;
  private readonly accounts = new Map<string, Promise<void>>();
  private placed = 0;
  private duplicates = 0;

  constructor(options: PaperBrokerOptions) {
    this.gateway = options.gateway;
    this.ledger = options.ledger;
    this.feeRate = options.feeRate ?? PAPER_DEFAULTS.feeRate;
    this.slippageBps = options.slippageBps ?? PAPER_DEFAULTS.slippageBps;
    this.startingBalances = { ...(options.startingBalances ?? { [PAPER_DEFAULTS.quote]: PAPER_DEFAULTS.startingCash }) };
    if (!Number.isFinite(this.feeRate) || this.feeRate < 0 || this.feeRate >= 1) {
      throw new KeelError('InvalidConfig', `paper broker feeRate must be a fraction in [0, 1) such as 0.001, got ${String(this.feeRate)}`);
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

  async findOrder(account: string, clientOrderId: string, _symbol: string): Promise<OrderState | null> {
    // Client order ids are unique per account, so the symbol is not needed to find the order.
    return this.ledger.findOrder(account, clientOrderId);
  }

  async placeOrder(request: PlaceOrderRequest): Promise<OrderState> {
    const { account, quote, clientOrderId, intent, asOfMs } = request;
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

  async cancelOrder(account: string, clientOrderId: string, _symbol: string): Promise<OrderState | null> {
    // Paper orders fill the moment they are placed, so there is never anything left to cancel.
    return this.ledger.findOrder(account, clientOrderId);
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
