import type { Order, Trade } from 'ccxt';

/**
 * Fees as ccxt parses them on orders and trades, in keel's terms: what an order or a trade reports, and its total in
 * the quote currency (plus the base coin taken as fees). One place, so an order's own fee and the fee read from its
 * trades are converted alike.
 */

type CcxtFee = { cost?: number | string | undefined | null; currency?: string | undefined | null } | undefined | null;

/** The fees ccxt parsed for an order or a trade: its `fees` list, else its single `fee`. */
export function feesOf(entry: Order | Trade): CcxtFee[] {
  const fees = (entry as { fees?: CcxtFee[] }).fees;
  return fees ?? (entry.fee ? [entry.fee] : []);
}

/**
 * Whether ccxt's order carries a fee at all: a `fee` or a `fees` entry with a cost, 0 included (a venue reporting a
 * zero fee has reported it). A Binance order read through its order queries carries none (see feesOnlyInTrades).
 */
export function reportsFee(order: Order): boolean {
  return [order.fee as CcxtFee, ...feesOf(order)].some((fee) => fee?.cost != null);
}

/**
 * `feeQuote`: fees paid in the quote currency as they are, base-currency fees at the fill price, others (BNB) as 0.
 * `feeBase`: the amount of base coin taken as fees (it never reaches the account, so positions must not count it).
 */
export function feeTotals(fees: readonly CcxtFee[], base: string | undefined, quote: string | undefined, price: number): { feeQuote: number; feeBase: number } {
  let feeQuote = 0;
  let feeBase = 0;
  for (const fee of fees) {
    const cost = Number(fee?.cost ?? 0);
    if (!Number.isFinite(cost) || cost === 0) continue;
    if (fee?.currency === quote) feeQuote += cost;
    else if (fee?.currency === base) {
      feeQuote += cost * price;
      if (base !== undefined && cost > 0) feeBase += cost;
    }
  }
  return { feeQuote, feeBase };
}

/**
 * The fee of the first `filled` of order `orderId`, from its trades oldest first, each at its own price (as feeTotals
 * counts a trade's fee). Trades beyond `filled` (a fill that landed after the order was read) are left out, so the fee
 * matches the filled amount it is booked with. A problem instead when a trade's numbers are unusable, or (retryable)
 * when the trades make up less than `filled`: the venue shows an order's fills after its order state, or only a page.
 */
export function feeOfOrderTrades(
  trades: readonly Trade[],
  orderId: string,
  filled: number,
  base: string | undefined,
  quote: string | undefined,
): { feeQuote: number; feeBase: number } | { problem: string; retryable: boolean } {
  const own = trades.filter((trade) => trade.order === undefined || String(trade.order) === orderId).sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
  // Float sums of the trades' amounts may stop a hair short of the order's filled amount.
  const enough = filled * (1 - 1e-9);
  let counted = 0;
  let feeQuote = 0;
  let feeBase = 0;
  for (const [index, trade] of own.entries()) {
    if (counted >= enough) break;
    const { amount, price } = trade;
    if (!isQuantity(amount) || !isQuantity(price)) {
      return { problem: `trade #${index} has amount ${String(amount)} and price ${String(price)}; expected finite numbers >= 0`, retryable: false };
    }
    const totals = feeTotals(feesOf(trade), base, quote, price);
    counted += amount;
    feeQuote += totals.feeQuote;
    feeBase += totals.feeBase;
  }
  if (counted < enough) return { problem: `its ${own.length} trades make up ${counted} of the ${filled} filled; the exchange has not shown every fill yet`, retryable: true };
  return { feeQuote, feeBase };
}

function isQuantity(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
