import type { EquityPoint } from './backtest-types.js';

/*
 * Statistics of a backtest's mark-to-market equity curve: drawdown, daily risk-adjusted returns, exposure, monthly
 * returns. Plain numbers: these are ratios, not money, and the curve itself is numbers.
 */

const DAY_MS = 86_400_000;

/** A deviation smaller than this is float noise on constant returns, not risk: the ratio over it is undefined. */
const ZERO_DEVIATION = 1e-12;

/** The deepest drawdown of `curve` as a fraction of its peak, and how long it lasted (peak to recovery, or to the end). */
export function maxDrawdownOf(curve: readonly EquityPoint[]): { maxDrawdown: number; maxDrawdownDurationMs: number } {
  let best = { maxDrawdown: 0, maxDrawdownDurationMs: 0 };
  let peak = curve[0];
  let depth = 0; // of the drawdown under way since `peak`
  const closeEpisode = (endTs: number) => {
    if (peak && depth > best.maxDrawdown) best = { maxDrawdown: depth, maxDrawdownDurationMs: endTs - peak.ts };
    depth = 0;
  };
  for (const point of curve) {
    if (!peak || point.equity >= peak.equity) {
      // Back at (or above) the peak: a drawdown under way has recovered here.
      if (depth > 0) closeEpisode(point.ts);
      peak = point;
    } else if (peak.equity > 0) {
      depth = Math.max(depth, (peak.equity - point.equity) / peak.equity);
    }
  }
  const last = curve[curve.length - 1];
  if (last && depth > 0) closeEpisode(last.ts);
  return best;
}

/** The equity at the last tick of each UTC day, in time order. */
export function dailyCloses(curve: readonly EquityPoint[]): number[] {
  const closes: number[] = [];
  let day: number | undefined;
  for (const point of curve) {
    const pointDay = Math.floor(point.ts / DAY_MS);
    if (pointDay === day) closes[closes.length - 1] = point.equity;
    else closes.push(point.equity);
    day = pointDay;
  }
  return closes;
}

/** Simple returns between consecutive closes; the first day's is against the starting cash, so n days give n returns. */
export function periodReturns(startingCash: number, closes: readonly number[]): number[] {
  let previous = startingCash;
  return closes.map((close) => {
    // Nothing left to lose: a wiped-out account has no further return rather than a division by zero.
    const r = previous > 0 ? close / previous - 1 : 0;
    previous = close;
    return r;
  });
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** Annualised Sharpe and Sortino ratios of daily returns (risk-free rate 0, √365), null where undefined. */
export function riskAdjusted(dailyReturns: readonly number[]): { sharpe: number | null; sortino: number | null } {
  const n = dailyReturns.length;
  if (n < 2) return { sharpe: null, sortino: null };
  const average = mean(dailyReturns);
  const stddev = Math.sqrt(dailyReturns.reduce((sum, r) => sum + (r - average) ** 2, 0) / (n - 1));
  const downside = Math.sqrt(dailyReturns.reduce((sum, r) => sum + Math.min(0, r) ** 2, 0) / n);
  const annualise = Math.sqrt(365);
  return {
    sharpe: stddev < ZERO_DEVIATION ? null : (average / stddev) * annualise,
    sortino: downside < ZERO_DEVIATION ? null : (average / downside) * annualise,
  };
}

/** invested / equity at one tick (0 for an empty account). */
function investedShare(point: EquityPoint): number {
  return point.equity > 0 ? point.invested / point.equity : 0;
}

/**
 * Time-weighted mean of invested / equity. A tick's share holds until the next tick (what it bought is held over that
 * interval), so the last tick weighs nothing; a curve of one tick, or of ticks at one instant, takes the plain mean.
 */
export function exposureOf(curve: readonly EquityPoint[]): number {
  if (curve.length === 0) return 0;
  const spanMs = curve[curve.length - 1]!.ts - curve[0]!.ts;
  if (spanMs <= 0) return mean(curve.map(investedShare));
  let weighted = 0;
  for (let i = 0; i < curve.length - 1; i++) weighted += investedShare(curve[i]!) * (curve[i + 1]!.ts - curve[i]!.ts);
  return weighted / spanMs;
}

/** "2024-03" for a time in March 2024, UTC. */
export function utcMonth(ts: number): string {
  return new Date(ts).toISOString().slice(0, 7);
}

/** Per UTC month with a tick: its last equity / the previous month's last equity (startingCash first) - 1. */
export function monthlyReturns(startingCash: number, curve: readonly EquityPoint[]): Map<string, number> {
  const closes = new Map<string, number>();
  for (const point of curve) closes.set(utcMonth(point.ts), point.equity);
  const returns = periodReturns(startingCash, [...closes.values()]);
  return new Map([...closes.keys()].map((month, i) => [month, returns[i]!]));
}
