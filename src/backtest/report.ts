import { createHash } from 'node:crypto';
import type { BacktestMetrics, BacktestOrder, BacktestRunFacts, ReportOrder } from '../domain/backtest-types.js';
import { formatMoney } from '../domain/money-format.js';

/*
 * What `keel backtest` prints: a table for a person, or JSON for a machine, plus a fingerprint of the orders so two
 * runs can be compared at a glance (the same data and settings must give the same fingerprint, run after run).
 */

export interface BacktestReportJson {
  metrics: BacktestMetrics & { fingerprint: string };
  orders: ReportOrder[];
  /** [ts, equity] per tick. */
  equity: Array<[number, number]>;
}

/** Pairs listed in the table's trades-per-pair section; the JSON keeps them all. */
const TOP_PAIRS = 10;

/** sha256 (hex) of the canonical JSON of [tickTs, symbol, side, amount, price, fee, reason] per order, in order. */
export function fingerprintOrders(orders: readonly BacktestOrder[]): string {
  const canonical = JSON.stringify(orders.map((o) => [o.tickTs, o.symbol, o.side, o.amount, o.price, o.fee, o.reason]));
  return createHash('sha256').update(canonical).digest('hex');
}

export function reportJson(metrics: BacktestMetrics, facts: BacktestRunFacts, fingerprint: string): BacktestReportJson {
  return {
    metrics: { ...metrics, fingerprint },
    orders: facts.orders.map(({ tickTs, symbol, side, amount, price, fee, reason }) => ({ tickTs, symbol, side, amount, price, fee, reason })),
    equity: facts.curve.map((p) => [p.ts, p.equity]),
  };
}

/** A fraction as a percentage with 2 decimals; `signed` adds "+" to gains (returns, not shares). */
function percent(fraction: number | null, signed = false): string {
  if (fraction === null) return 'n/a';
  const text = `${(fraction * 100).toFixed(2)}%`;
  return signed && fraction > 0 ? `+${text}` : text;
}

function ratio(value: number | null): string {
  return value === null ? 'n/a' : value.toFixed(2);
}

/** "12d 4h", "3h 15m", "0m": the two largest non-zero units. */
function duration(ms: number): string {
  const units: Array<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000]];
  let rest = ms;
  const parts: string[] = [];
  for (const [unit, size] of units) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) parts.push(`${count}${unit}`);
  }
  return parts.length === 0 ? '0m' : parts.slice(0, 2).join(' ');
}

function utc(ts: number): string {
  return new Date(ts).toISOString().slice(0, 16).replace('T', ' ');
}

function signedMoney(amount: string, quote: string): string {
  const text = formatMoney(amount, quote);
  // A gain that still shows as a gain once rounded gets its "+"; "0.00" and losses print as they are.
  return Number.parseFloat(text) > 0 ? `+${text}` : text;
}

function tradeLine(trade: BacktestMetrics['bestTrade'], quote: string): string {
  if (!trade) return 'n/a';
  return `${trade.symbol} ${signedMoney(trade.pnl, quote)} (${percent(trade.returnPct / 100, true)}), ${utc(trade.openedTs)} → ${utc(trade.closedTs)}`;
}

function counts(record: Record<string, number>): string {
  const entries = Object.entries(record);
  return entries.length === 0 ? 'none' : entries.map(([key, n]) => `${key} ${n}`).join(', ');
}

function monthTable(metrics: BacktestMetrics, quote: string): string[] {
  const rows = metrics.months.map((m) => [m.month, percent(m.return, true), String(m.trades), formatMoney(m.fees, quote)]);
  const header = ['month', 'return', 'trades', 'fees'];
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((r) => r[col]!.length)));
  // The month reads left to right; figures line up on the right.
  const line = (cells: string[]) => `  ${cells.map((c, col) => (col === 0 ? c.padEnd(widths[col]!) : c.padStart(widths[col]!))).join('  ')}`;
  return [line(header), ...rows.map(line)];
}

function pairTable(metrics: BacktestMetrics): string[] {
  const entries = Object.entries(metrics.tradesPerPair).sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return ['  none'];
  const top = entries.slice(0, TOP_PAIRS);
  const width = Math.max(...top.map(([symbol]) => symbol.length));
  return top.map(([symbol, n]) => `  ${symbol.padEnd(width)}  ${n}`);
}

/** The run as a console table: money at the quote currency's precision, percentages with 2 decimals. */
export function formatReport(metrics: BacktestMetrics, facts: BacktestRunFacts): string {
  const q = facts.quote;
  const row = (label: string, value: string) => `  ${label.padEnd(16)}${value}`;
  const pairCount = Object.keys(metrics.tradesPerPair).length;
  return [
    `Backtest ${utc(facts.fromMs)} → ${utc(facts.toMs)} UTC, ${facts.timeframe} candles, ${metrics.ticks} ticks, ${facts.pairs.length} pair${facts.pairs.length === 1 ? '' : 's'}`,
    row('starting cash', formatMoney(facts.startingCash, q)),
    row('final equity', formatMoney(metrics.finalEquity, q)),
    row('total return', `${percent(metrics.totalReturn, true)} (buy and hold ${percent(metrics.buyAndHoldReturn, true)})`),
    row('annualised', percent(metrics.annualisedReturn, true)),
    row('max drawdown', `${percent(metrics.maxDrawdown)}, lasted ${duration(metrics.maxDrawdownDurationMs)}`),
    row('sharpe', ratio(metrics.sharpe)),
    row('sortino', ratio(metrics.sortino)),
    row('calmar', ratio(metrics.calmar)),
    row('exposure', percent(metrics.exposure)),
    row('trades', `${metrics.trades} closed from ${metrics.orders} orders, win rate ${percent(metrics.winRate)}`),
    row('profit factor', ratio(metrics.profitFactor)),
    row('expectancy', metrics.expectancy === null ? 'n/a' : `${signedMoney(metrics.expectancy, q)} per trade`),
    row('best trade', tradeLine(metrics.bestTrade, q)),
    row('worst trade', tradeLine(metrics.worstTrade, q)),
    row('fees paid', `${formatMoney(metrics.feesPaid, q)} (all as taker: ${formatMoney(metrics.feesAllTaker, q)}${metrics.makerFills ? `; ${metrics.makerFills} of ${metrics.orders} orders filled as maker` : ''})`),
    row('exits', counts(metrics.exitsByReason)),
    '',
    ...monthTable(metrics, q),
    '',
    `  trades per pair${pairCount > TOP_PAIRS ? ` (top ${TOP_PAIRS} of ${pairCount})` : ''}`,
    ...pairTable(metrics),
  ].join('\n');
}
