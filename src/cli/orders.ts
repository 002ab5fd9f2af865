import type { Settings } from '../config/settings.js';
import { cycleWorkflowId } from '../contracts/workflow-ids.js';
import { createDatabase } from '../db/client.js';
import type { Database } from '../db/client.js';
import { listFilledOrders } from '../db/queries/orders.js';
import type { StoredOrder } from '../db/queries/orders.js';
import type { ReportOrder } from '../domain/backtest-types.js';
import { formatMoney, formatMoneyAmount, formatPrice } from '../domain/money-format.js';
import { splitSymbol } from '../exchange/market-args.js';
import { CliUsageError } from './findings-args.js';

/** What `keel orders` asks for, once its arguments are checked. */
export interface OrdersCommand {
  exchange: string;
  name: string;
  /** At most this many orders, the first ones in the listing's order; undefined lists all. */
  limit: number | undefined;
  json: boolean;
}

/** The options main parsed; the ones `keel orders` does not take are refused rather than ignored. */
export interface OrdersOptions {
  limit?: string;
  json?: boolean;
  reason?: string;
  symbol?: string;
  open?: boolean;
  note?: string;
  by?: string;
}

/**
 * One filled order, the type a backtest's `--json` lists, so the two lists can be compared field by field. Decimal
 * strings exactly as recorded (PostgreSQL's numeric keeps their scale): a paper cycle records what the fill model
 * reports, the intent's amount and decimalString price and fee, the same spelling a backtest prints. amount is the
 * filled base amount, price the average fill price, fee in the quote currency.
 */
export type CycleOrder = ReportOrder;

export const ORDERS_USAGE = `usage: keel orders [--exchange ID] [--name NAME] [--limit N] [--json]
Filled orders of the cycle cycle/<exchange>/<name>, oldest tick first; within a tick sells, then buys, then by symbol
(the cycle places a tick's orders at once and records no finer order). --limit N shows the first N.
--json prints {"orders":[{tickTs, symbol, side, amount, price, fee, reason}]} as a backtest's --json lists them:
amount = filled base amount, price = average fill price, fee = fee in quote. Needs DATABASE_URL.`;

const MAX_LIMIT = 1_000_000;

/** Checks the arguments after `keel orders`; the cycle comes from --exchange/--name, else the settings. */
export function parseOrdersCommand(args: readonly string[], options: OrdersOptions, cycle: { exchange: string; name: string }): OrdersCommand {
  if (args.length > 0) throw new CliUsageError(`keel orders takes no arguments; name the cycle with --exchange and --name (got: ${args.join(' ')})`);
  const stray = (['reason', 'symbol', 'open', 'note', 'by'] as const).filter((option) => options[option] !== undefined);
  if (stray.length > 0) throw new CliUsageError(`keel orders does not take ${stray.map((option) => `--${option}`).join(', ')}`);
  let limit: number | undefined;
  if (options.limit !== undefined) {
    limit = Number(options.limit);
    if (!/^\d+$/.test(options.limit) || limit < 1 || limit > MAX_LIMIT) throw new CliUsageError(`--limit must be a whole number from 1 to ${MAX_LIMIT} (got "${options.limit}")`);
  }
  return { exchange: cycle.exchange, name: cycle.name, limit, json: options.json === true };
}

/** Where the command writes: the listing to `out`, notes and errors to `err`. */
export interface OrdersOutput {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** `keel orders`: opens DATABASE_URL and prints the cycle's filled orders. Needs no Temporal connection. */
export async function runOrders(command: OrdersCommand, settings: Pick<Settings, 'DATABASE_URL'>, output: OrdersOutput): Promise<number> {
  if (!settings.DATABASE_URL) {
    output.err('keel orders reads PostgreSQL: set DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/DB, the database the cycle writes to (the embedded PGlite belongs to the running `npm start` process)');
    return 2;
  }
  const database = await createDatabase({ url: settings.DATABASE_URL });
  try {
    return await printCycleOrders(database.db, command, output);
  } finally {
    await database.close();
  }
}

/** Reads and prints the orders; an unknown cycle is an empty list and a note, not an error. */
export async function printCycleOrders(db: Database, command: OrdersCommand, output: OrdersOutput): Promise<number> {
  const cycleId = cycleWorkflowId(command.exchange, command.name);
  // One row past the limit tells whether the listing was cut short.
  const rows = await listFilledOrders(db, { cycleId, ...(command.limit !== undefined && { limit: command.limit + 1 }) });
  const cut = command.limit !== undefined && rows.length > command.limit;
  const orders = (cut ? rows.slice(0, command.limit) : rows).map(toCycleOrder);
  if (command.json) output.out(JSON.stringify({ orders }, null, 2));
  else if (orders.length > 0) output.out(formatOrdersTable(orders));
  if (orders.length === 0) output.err(`no filled orders recorded for ${cycleId}: the cycle is unknown or has filled none yet (\`keel list\` shows the cycles)`);
  if (cut) output.err(`the first ${command.limit} orders of ${cycleId}; more exist (raise --limit)`);
  return 0;
}

export function toCycleOrder(order: StoredOrder): CycleOrder {
  return {
    tickTs: order.tickTs,
    symbol: order.symbol,
    side: order.side,
    amount: order.filled,
    price: order.averagePrice,
    fee: order.feeQuote,
    reason: order.reason,
  };
}

/** An amount with its currency code; a symbol keel cannot split has none, so the amount shows without one. */
function money(amount: string, currency: string): string {
  return currency ? formatMoney(amount, currency) : formatMoneyAmount(amount, currency);
}

/** The orders for a person: amounts at the base currency's precision, price and fee at the quote's. */
export function formatOrdersTable(orders: readonly CycleOrder[]): string {
  const header = ['tick (UTC)', 'symbol', 'side', 'amount', 'price', 'fee', 'reason'];
  const rows = orders.map((order) => {
    const { base, quote } = splitSymbol(order.symbol) ?? { base: '', quote: '' };
    return [
      new Date(order.tickTs).toISOString(),
      order.symbol,
      order.side,
      money(order.amount, base),
      quote ? `${formatPrice(order.price, quote)} ${quote}` : formatPrice(order.price, quote),
      money(order.fee, quote),
      order.reason,
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  // Money columns right-aligned so the decimal points line up within a currency; the reason is left as it is.
  const rightAligned = new Set([3, 4, 5]);
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : rightAligned.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
