import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOrdersCommand, printCycleOrders, runOrders } from '../../../src/cli/orders.js';
import type { OrdersCommand } from '../../../src/cli/orders.js';
import { upsertOrder } from '../../../src/db/queries/orders.js';
import type { OrderRecord } from '../../../src/db/queries/orders.js';
import { backend, freshDatabase } from '../../helpers/fresh-db.js';
import type { FreshDatabase } from '../../helpers/fresh-db.js';

const TICK_1 = 1_700_002_800_000;
const TICK_2 = TICK_1 + 3_600_000;
const CYCLE = 'cycle/replay/bt-compare';

/** A filled order of `cycle/replay/bt-compare`, as recordOrder writes it; `over` changes any field. */
function filledOrder(clientOrderId: string, tickTs: number, over: Partial<OrderRecord> = {}): OrderRecord {
  return {
    clientOrderId,
    exchangeOrderId: `paper-${clientOrderId}`,
    cycleId: CYCLE,
    tickTs,
    symbol: 'BTC/USDT',
    side: 'buy',
    type: 'market',
    status: 'closed',
    amount: '0.015',
    price: '64000.5',
    filled: '0.015',
    averagePrice: '64010.25',
    feeQuote: '0.96',
    reason: 'score 0.42 ≥ 0.05',
    createdAtMs: tickTs + 500,
    ...over,
  };
}

function captured(): { out: string[]; err: string[]; output: { out: (t: string) => void; err: (t: string) => void } } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, output: { out: (t) => out.push(t), err: (t) => err.push(t) } };
}

const command = (over: Partial<OrdersCommand> = {}): OrdersCommand => ({ exchange: 'replay', name: 'bt-compare', limit: undefined, json: true, ...over });

describe(`keel orders (${backend})`, () => {
  let fresh: FreshDatabase;
  beforeAll(async () => {
    fresh = await freshDatabase();
    // Written in an order unlike the listing's, so the listing's order comes from the query, not from insertion.
    await upsertOrder(fresh.db, filledOrder('b-sol-2', TICK_2, { symbol: 'SOL/USDT', filled: '3.00000000', averagePrice: '61.5', feeQuote: '0.1845', reason: 'score 0.2 ≥ 0.05' }));
    await upsertOrder(fresh.db, filledOrder('b-btc-2', TICK_2, { averagePrice: '64100', feeQuote: '0.9615' }));
    await upsertOrder(fresh.db, filledOrder('s-eth-2', TICK_2, { symbol: 'ETH/USDT', side: 'sell', filled: '0.5', averagePrice: '3400.125', feeQuote: '1.7000625', reason: 'score -0.3 ≤ -0.05' }));
    await upsertOrder(fresh.db, filledOrder('b-btc-1', TICK_1, { filled: '0.01500000', feeQuote: '0.960153750' }));
    // Not listed: nothing filled (numerically zero, though '0.00000000' > '0' as text), and another cycle's order.
    await upsertOrder(fresh.db, filledOrder('b-ada-2', TICK_2, { symbol: 'ADA/USDT', status: 'canceled', filled: '0.00000000', averagePrice: '0', feeQuote: '0' }));
    await upsertOrder(fresh.db, filledOrder('other', TICK_1, { cycleId: 'cycle/replay/other' }));
  });
  afterAll(async () => {
    await fresh?.dispose();
  });

  it('--json lists filled orders in the backtest shape: oldest tick first, sells before buys, then symbol', async () => {
    const { out, err, output } = captured();
    expect(await printCycleOrders(fresh.db, command(), output)).toBe(0);
    expect(err).toEqual([]);
    const parsed = JSON.parse(out.join('\n')) as { orders: Array<Record<string, unknown>> };
    expect(Object.keys(parsed)).toEqual(['orders']);
    expect(parsed.orders.map((o) => Object.keys(o))).toEqual(Array(4).fill(['tickTs', 'symbol', 'side', 'amount', 'price', 'fee', 'reason']));
    expect(parsed.orders).toEqual([
      // Spelled as recorded (numeric keeps '0.01500000'): a paper cycle and a backtest spell a fill the same way.
      { tickTs: TICK_1, symbol: 'BTC/USDT', side: 'buy', amount: '0.01500000', price: '64010.25', fee: '0.960153750', reason: 'score 0.42 ≥ 0.05' },
      { tickTs: TICK_2, symbol: 'ETH/USDT', side: 'sell', amount: '0.5', price: '3400.125', fee: '1.7000625', reason: 'score -0.3 ≤ -0.05' },
      { tickTs: TICK_2, symbol: 'BTC/USDT', side: 'buy', amount: '0.015', price: '64100', fee: '0.9615', reason: 'score 0.42 ≥ 0.05' },
      { tickTs: TICK_2, symbol: 'SOL/USDT', side: 'buy', amount: '3.00000000', price: '61.5', fee: '0.1845', reason: 'score 0.2 ≥ 0.05' },
    ]);
  });

  it('prints a table with amounts at the base currency precision, price and fee at the quote currency precision', async () => {
    const { out, output } = captured();
    expect(await printCycleOrders(fresh.db, command({ json: false }), output)).toBe(0);
    const lines = out.join('\n').split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^tick \(UTC\)\s+symbol\s+side\s+amount\s+price\s+fee\s+reason$/);
    expect(lines[1]).toMatch(/^2023-11-14T23:00:00\.000Z\s+BTC\/USDT\s+buy\s+0\.01500000 BTC\s+64010\.25 USDT\s+0\.96 USDT\s+score 0\.42 ≥ 0\.05$/);
    expect(lines[2]).toMatch(/ETH\/USDT\s+sell\s+0\.50000000 ETH\s+3400\.13 USDT\s+1\.70 USDT\s+score -0\.3/);
    // SOL is not in keel's precision table: up to 8 places, trailing zeros trimmed.
    expect(lines[4]).toMatch(/SOL\/USDT\s+buy\s+3 SOL\s+61\.50 USDT\s+0\.18 USDT\s+score 0\.2/);
  });

  it('--limit N keeps the first N and says more exist; an unknown cycle is an empty list and a note, exit 0', async () => {
    const limited = captured();
    expect(await printCycleOrders(fresh.db, command({ limit: 2 }), limited.output)).toBe(0);
    expect((JSON.parse(limited.out.join('\n')) as { orders: Array<{ symbol: string }> }).orders.map((o) => o.symbol)).toEqual(['BTC/USDT', 'ETH/USDT']);
    expect(limited.err).toEqual([`the first 2 orders of ${CYCLE}; more exist (raise --limit)`]);

    const unknown = captured();
    expect(await printCycleOrders(fresh.db, command({ name: 'nope' }), unknown.output)).toBe(0);
    expect(JSON.parse(unknown.out.join('\n'))).toEqual({ orders: [] });
    expect(unknown.err.join('\n')).toContain('no filled orders recorded for cycle/replay/nope');
  });

  it('needs DATABASE_URL and says how to set it; on PostgreSQL reads the orders through it', async () => {
    const missing = captured();
    expect(await runOrders(command(), { DATABASE_URL: undefined }, missing.output)).toBe(2);
    expect(missing.err.join('\n')).toMatch(/^keel orders reads PostgreSQL: set DATABASE_URL=postgres:\/\//);
    if (fresh.url === undefined) return; // PGlite: there is no URL to open.
    const viaUrl = captured();
    expect(await runOrders(command(), { DATABASE_URL: fresh.url }, viaUrl.output)).toBe(0);
    expect((JSON.parse(viaUrl.out.join('\n')) as { orders: unknown[] }).orders).toHaveLength(4);
  });

  it('refuses arguments and options it does not take, and a bad --limit, naming them', () => {
    const cycle = { exchange: 'replay', name: 'bt-compare' };
    expect(parseOrdersCommand([], { limit: '25', json: true }, cycle)).toEqual({ ...cycle, limit: 25, json: true });
    expect(() => parseOrdersCommand(['replay/bt-compare'], {}, cycle)).toThrow('keel orders takes no arguments; name the cycle with --exchange and --name');
    expect(() => parseOrdersCommand([], { symbol: 'BTC/USDT', open: true }, cycle)).toThrow('keel orders does not take --symbol, --open');
    for (const limit of ['0', '-1', '2.5', 'ten', '1000001']) expect(() => parseOrdersCommand([], { limit }, cycle)).toThrow(`--limit must be a whole number from 1 to 1000000 (got "${limit}")`);
  });
});
