import type { Balance, OrderState } from './market-types.js';

/** A fill the paper broker wants recorded: the order plus the balance changes it causes, applied atomically. */
export interface PaperFill {
  account: string;
  order: OrderState;
  /** Per-asset change of the free balance, decimal strings (negative to spend). */
  balanceDeltas: Record<string, string>;
  /** A resting limit order's price (an open order with no balance change yet: see closeOpen). */
  limitPrice?: string;
}

/**
 * Persistence for the paper broker (implemented in src/db). The paper broker plays the exchange: its orders and
 * balances live in their own tables, apart from keel's own record of orders.
 */
export interface PaperLedger {
  /** Creates the account with its starting balances if it does not exist yet; existing accounts are left alone. */
  ensureAccount(account: string, startingBalances: Record<string, string>): Promise<void>;
  findOrder(account: string, clientOrderId: string): Promise<OrderState | null>;
  /**
   * In one transaction: insert the order unless (account, clientOrderId) exists, and apply the balance deltas only if
   * it was inserted. Returns the stored order and whether this call inserted it. Refuses (InsufficientFunds) when a
   * balance would go negative, writing nothing.
   */
  recordFill(fill: PaperFill): Promise<{ order: OrderState; inserted: boolean }>;
  /** The order and its limit price when it is a resting limit order still open; null otherwise. */
  findOpenLimit(account: string, clientOrderId: string): Promise<{ order: OrderState; limitPrice: string } | null>;
  /**
   * In one transaction: ends an open order with `final` (its status, fill, price and fee) and applies the balance
   * deltas, only if the order is still open; returns the stored order (unchanged when it had ended already). Refuses
   * (InsufficientFunds) when a balance would go negative, writing nothing.
   */
  closeOpen(account: string, final: OrderState, balanceDeltas: Record<string, string>): Promise<OrderState>;
  getBalances(account: string): Promise<Balance[]>;
  /** How many orders the broker has accepted for the account (what tests count to prove "never placed twice"). */
  countOrders(account: string): Promise<number>;
}
