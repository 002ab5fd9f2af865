import { dailyCloses, exposureOf, maxDrawdownOf, monthlyReturns, periodReturns, riskAdjusted, utcMonth } from './backtest-equity.js';
import { closedTrades } from './backtest-trades.js';
import type { ClosedTrade } from './backtest-trades.js';
import type { BacktestMetrics, BacktestOrder, BacktestRunFacts, MonthSummary, TradeSummary } from './backtest-types.js';
import { withExactFirst } from './decimal-arithmetic.js';
import type { Arithmetic, Num } from './decimal-arithmetic.js';
import { Dec, decimalString, fromNumber } from './decimal-math.js';
import { KeelError } from './errors.js';

/*
 * A backtest run's metrics, from the facts its engine recorded. Pure: the same facts give the same metrics. Each
 * metric's definition is on its field in backtest-types.ts (BacktestMetrics).
 */

const YEAR_MS = 365 * 86_400_000;

/** Money results are rounded to this many places: a share of a cost basis rarely divides exactly, and no currency needs more. */
const MONEY_PLACES = 12;

function money(value: Dec): string {
  return decimalString(value.toDecimalPlaces(MONEY_PLACES));
}

function checkFacts(facts: BacktestRunFacts): void {
  if (!(Number.isFinite(facts.startingCash) && facts.startingCash > 0)) {
    throw new KeelError('InvalidInput', `backtest startingCash must be a number > 0, got ${facts.startingCash}`);
  }
  if (!(Number.isFinite(facts.takerFeeRate) && facts.takerFeeRate >= 0)) {
    throw new KeelError('InvalidInput', `backtest takerFeeRate must be a number ≥ 0, got ${facts.takerFeeRate}`);
  }
  if (!(facts.toMs >= facts.fromMs)) {
    throw new KeelError('InvalidInput', `backtest toMs (${facts.toMs}) is before fromMs (${facts.fromMs})`);
  }
  facts.curve.forEach((point, i) => {
    if (![point.ts, point.equity, point.invested].every(Number.isFinite)) {
      throw new KeelError('InvalidInput', `backtest equity point ${i} is not finite: ${JSON.stringify(point)}`);
    }
    if (i > 0 && point.ts < facts.curve[i - 1]!.ts) {
      throw new KeelError('InvalidInput', `backtest equity point ${i} (ts ${point.ts}) is earlier than the one before it`);
    }
  });
}

/** Compounded to a 365-day year; null for a zero span, or a figure too large to be a number. */
function annualise(totalReturn: number, spanMs: number): number | null {
  if (spanMs <= 0) return null;
  const annual = Math.pow(1 + totalReturn, YEAR_MS / spanMs) - 1;
  return Number.isFinite(annual) ? annual : null;
}

function summary(trade: ClosedTrade): TradeSummary {
  return {
    symbol: trade.symbol,
    pnl: money(trade.pnl),
    returnPct: trade.pnl.div(trade.cost).times(100).toNumber(),
    openedTs: trade.openedTs,
    closedTs: trade.closedTs,
  };
}

/** Counts per key, keys in sorted order (so the JSON and the table read the same on every run). */
function sortedCounts(keys: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of [...keys].sort()) counts[key] = (counts[key] ?? 0) + 1;
  return counts;
}

function tradeStats(trades: readonly ClosedTrade[]): Pick<BacktestMetrics, 'trades' | 'winRate' | 'profitFactor' | 'expectancy' | 'bestTrade' | 'worstTrade'> {
  if (trades.length === 0) return { trades: 0, winRate: null, profitFactor: null, expectancy: null, bestTrade: null, worstTrade: null };
  let grossProfit = new Dec(0);
  let grossLoss = new Dec(0);
  let best = trades[0]!;
  let worst = trades[0]!;
  for (const trade of trades) {
    if (trade.pnl.greaterThan(0)) grossProfit = grossProfit.plus(trade.pnl);
    if (trade.pnl.lessThan(0)) grossLoss = grossLoss.minus(trade.pnl);
    if (trade.pnl.greaterThan(best.pnl)) best = trade;
    if (trade.pnl.lessThan(worst.pnl)) worst = trade;
  }
  const wins = trades.filter((t) => t.pnl.greaterThan(0)).length;
  return {
    trades: trades.length,
    winRate: wins / trades.length,
    profitFactor: grossLoss.isZero() ? null : grossProfit.div(grossLoss).toNumber(),
    expectancy: money(grossProfit.minus(grossLoss).div(trades.length)),
    bestTrade: summary(best),
    worstTrade: summary(worst),
  };
}

/** Fees and notional of all orders, and fees by UTC month of the order's tick, exactly (orders already checked). */
interface OrderTotals {
  fees: Dec;
  notional: Dec;
  feesByMonth: Map<string, Dec>;
}

function orderTotals(orders: readonly BacktestOrder[]): OrderTotals {
  return withExactFirst((arithmetic) => totalsIn(arithmetic, orders));
}

function totalsIn<N extends Num<N>>(arithmetic: Arithmetic<N>, orders: readonly BacktestOrder[]): OrderTotals {
  const { of } = arithmetic;
  let fees = of('0');
  let notional = of('0');
  const byMonth = new Map<string, N>();
  let monthTs = Number.NaN;
  let month = '';
  for (const order of orders) {
    const fee = of(order.fee);
    fees = fees.plus(fee);
    notional = notional.plus(of(order.amount).times(of(order.price)));
    // Orders come tick by tick: a month's name is worked out once per tick.
    if (order.tickTs !== monthTs) {
      monthTs = order.tickTs;
      month = utcMonth(monthTs);
    }
    byMonth.set(month, (byMonth.get(month) ?? of('0')).plus(fee));
  }
  const dec = (value: N) => new Dec(arithmetic.text(value));
  return { fees: dec(fees), notional: dec(notional), feesByMonth: new Map([...byMonth].map(([key, value]) => [key, dec(value)])) };
}

function monthSummaries(facts: BacktestRunFacts, trades: readonly ClosedTrade[], feesByMonth: ReadonlyMap<string, Dec>): MonthSummary[] {
  const returns = monthlyReturns(facts.startingCash, facts.curve);
  const months = new Map<string, { trades: number; fees: Dec }>();
  const month = (key: string) => {
    const entry = months.get(key) ?? { trades: 0, fees: new Dec(0) };
    months.set(key, entry);
    return entry;
  };
  for (const key of returns.keys()) months.set(key, { trades: 0, fees: new Dec(0) });
  for (const trade of trades) month(utcMonth(trade.closedTs)).trades += 1;
  for (const [key, fees] of feesByMonth) month(key).fees = fees;
  return [...months.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, entry]) => ({ month: key, return: returns.get(key) ?? null, trades: entry.trades, fees: money(entry.fees) }));
}

/** Every metric of a run (definitions: BacktestMetrics). Throws InvalidInput, naming the field, on facts it cannot use. */
export function computeMetrics(facts: BacktestRunFacts): BacktestMetrics {
  checkFacts(facts);
  const trades = closedTrades(facts.orders);
  const finalEquity = facts.curve.at(-1)?.equity ?? facts.startingCash;
  const totalReturn = finalEquity / facts.startingCash - 1;
  const annualisedReturn = annualise(totalReturn, facts.toMs - facts.fromMs);
  const { maxDrawdown, maxDrawdownDurationMs } = maxDrawdownOf(facts.curve);
  const holdValue = facts.buyAndHold.at(-1)?.[1];

  // closedTrades has checked every order's amount, price and fee.
  const totals = orderTotals(facts.orders);

  return {
    finalEquity: money(fromNumber(finalEquity)),
    totalReturn,
    annualisedReturn,
    buyAndHoldReturn: holdValue === undefined ? null : holdValue / facts.startingCash - 1,
    maxDrawdown,
    maxDrawdownDurationMs,
    ...riskAdjusted(periodReturns(facts.startingCash, dailyCloses(facts.curve))),
    calmar: annualisedReturn === null || maxDrawdown === 0 ? null : annualisedReturn / maxDrawdown,
    ...tradeStats(trades),
    exposure: exposureOf(facts.curve),
    feesPaid: money(totals.fees),
    feesAllTaker: money(totals.notional.times(fromNumber(facts.takerFeeRate))),
    makerFills: facts.orders.reduce((count, order) => count + (order.feeRole === 'maker' ? 1 : 0), 0),
    tradesPerPair: sortedCounts(trades.map((t) => t.symbol)),
    exitsByReason: sortedCounts(trades.map((t) => t.exit)),
    months: monthSummaries(facts, trades, totals.feesByMonth),
    orders: facts.orders.length,
    ticks: facts.curve.length,
  };
}
