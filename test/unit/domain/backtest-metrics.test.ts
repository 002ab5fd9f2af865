import { describe, expect, it } from 'vitest';
import { computeMetrics } from '../../../src/domain/backtest-metrics.js';
import { exitCategory } from '../../../src/domain/backtest-trades.js';
import type { BacktestOrder, BacktestRunFacts, EquityPoint } from '../../../src/domain/backtest-types.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2024, 0, 1);

function facts(curve: EquityPoint[], orders: BacktestOrder[] = [], extra: Partial<BacktestRunFacts> = {}): BacktestRunFacts {
  return {
    quote: 'USDT',
    timeframe: '1h',
    startingCash: 1000,
    fromMs: curve[0]?.ts ?? T0,
    toMs: curve.at(-1)?.ts ?? T0,
    pairs: ['BTC/USDT', 'ETH/USDT'],
    takerFeeRate: 0.002,
    curve,
    buyAndHold: curve.map((p) => [p.ts, 1000]),
    orders,
    ...extra,
  };
}

function order(tickTs: number, symbol: string, side: 'buy' | 'sell', amount: string, price: string, fee: string, reason = 'score 0.31 ≥ 0.05 (rsi 28.1)'): BacktestOrder {
  return { tickTs, symbol, side, amount, price, fee, reason, feeRole: 'taker' };
}

const point = (ts: number, equity: number, invested = 0): EquityPoint => ({ ts, equity, invested });

describe('computeMetrics: the equity curve', () => {
  // Day 1 closes at 1000, day 2 dips to 850 intra-day and closes at 900, day 3 closes at 1100 (recovered).
  const curve = [point(T0 + 12 * HOUR, 1000, 0), point(T0 + DAY + 6 * HOUR, 850, 850), point(T0 + DAY + 18 * HOUR, 900, 450), point(T0 + 2 * DAY + 12 * HOUR, 1100, 0)];
  const m = computeMetrics(facts(curve, [], { buyAndHold: [[curve[0]!.ts, 1000], [curve[3]!.ts, 1050]] }));

  it('measures the drawdown at its intra-day bottom and its duration from the peak to the recovery', () => {
    expect(m.finalEquity).toBe('1100');
    expect(m.totalReturn).toBeCloseTo(0.1, 12);
    expect(m.buyAndHoldReturn).toBeCloseTo(0.05, 12);
    expect(m.maxDrawdown).toBeCloseTo(0.15, 12); // (1000 - 850) / 1000
    expect(m.maxDrawdownDurationMs).toBe(2 * DAY); // day 1 12:00 → day 3 12:00
    expect(m.ticks).toBe(4);
  });

  it('computes sharpe and sortino on the last equity of each UTC day', () => {
    // Daily returns against 1000 → 1000 → 900 → 1100: [0, -0.1, 2/9]; mean 0.0407407, sample stddev 0.1649292,
    // downside deviation √(0.1² / 3) = 0.0577350.
    expect(m.sharpe).toBeCloseTo(4.719302, 5); // 0.0407407 / 0.1649292 × √365
    expect(m.sortino).toBeCloseTo(13.481431, 5); // 0.0407407 / 0.0577350 × √365
    expect(m.calmar).toBeCloseTo(m.annualisedReturn! / 0.15, 6);
  });

  it('weights exposure by the time until the next tick', () => {
    // Shares 0, 1, 0.5 held for 18 h, 12 h, 18 h of the 48 h span: (0 + 12 + 9) / 48.
    expect(m.exposure).toBeCloseTo(0.4375, 12);
  });

  it('annualises over a 365-day year, compounded', () => {
    const year = computeMetrics(facts([point(T0, 1000), point(T0 + 365 * DAY, 1100)]));
    expect(year.annualisedReturn).toBeCloseTo(0.1, 12);
    const twoYears = computeMetrics(facts([point(T0, 1000), point(T0 + 730 * DAY, 1210)]));
    expect(twoYears.annualisedReturn).toBeCloseTo(0.1, 12);
  });

  it('runs an unrecovered drawdown to the last tick and keeps the deepest of several', () => {
    const ups = [point(T0, 1000), point(T0 + DAY, 950), point(T0 + 2 * DAY, 1200), point(T0 + 3 * DAY, 900), point(T0 + 4 * DAY, 1000)];
    const result = computeMetrics(facts(ups));
    expect(result.maxDrawdown).toBeCloseTo(0.25, 12); // 1200 → 900, not 1000 → 950
    expect(result.maxDrawdownDurationMs).toBe(2 * DAY); // from the 1200 peak to the end, never back
  });
});

describe('computeMetrics: trades', () => {
  const t = (day: number) => T0 + day * DAY;
  const curve = [point(t(0), 1000), point(t(1), 1000), point(t(2), 1000)];

  it('pairs two round trips with fees into win rate, profit factor and expectancy', () => {
    const orders = [
      order(t(0), 'BTC/USDT', 'buy', '1', '100', '0.1'), // cost 100.1
      order(t(1), 'BTC/USDT', 'sell', '1', '110', '0.11'), // 110 - 0.11 - 100.1 = 9.79
      order(t(1), 'ETH/USDT', 'buy', '2', '50', '0.1'), // cost 100.1
      order(t(2), 'ETH/USDT', 'sell', '2', '45', '0.09'), // 90 - 0.09 - 100.1 = -10.19
    ];
    const m = computeMetrics(facts(curve, orders));
    expect(m.trades).toBe(2);
    expect(m.winRate).toBe(0.5);
    expect(m.profitFactor).toBeCloseTo(9.79 / 10.19, 12);
    expect(m.expectancy).toBe('-0.2');
    expect(m.feesPaid).toBe('0.4');
    expect(m.feesAllTaker).toBe('0.8'); // notional 100 + 110 + 100 + 90 at 0.002
    expect(m.orders).toBe(4);
    expect(m.tradesPerPair).toEqual({ 'BTC/USDT': 1, 'ETH/USDT': 1 });
    expect(m.bestTrade).toEqual({ symbol: 'BTC/USDT', pnl: '9.79', returnPct: expect.closeTo(9.780219780, 8), openedTs: t(0), closedTs: t(1) });
    expect(m.worstTrade).toEqual({ symbol: 'ETH/USDT', pnl: '-10.19', returnPct: expect.closeTo(-10.179820180, 8), openedTs: t(1), closedTs: t(2) });
  });

  it('closes a partial sell at the average cost and leaves the rest of the position at that cost', () => {
    const orders = [
      order(t(0), 'SOL/USDT', 'buy', '10', '10', '1'),
      order(t(1), 'SOL/USDT', 'buy', '10', '12', '1'), // 20 held at a cost of 222 (11.1 each, fees included)
      order(t(1), 'SOL/USDT', 'sell', '5', '13', '0.5'), // 65 - 0.5 - 55.5 = 9
      order(t(2), 'SOL/USDT', 'sell', '15', '10', '1.5'), // 150 - 1.5 - 166.5 = -18
    ];
    const m = computeMetrics(facts(curve, orders));
    expect(m.trades).toBe(2);
    expect(m.bestTrade).toMatchObject({ pnl: '9', returnPct: expect.closeTo(16.216216216, 8), openedTs: t(0), closedTs: t(1) });
    expect(m.worstTrade).toMatchObject({ pnl: '-18', returnPct: expect.closeTo(-10.810810811, 8), openedTs: t(0), closedTs: t(2) });
    expect(m.tradesPerPair).toEqual({ 'SOL/USDT': 2 });
  });

  it('rounds a cost share that does not divide exactly to 12 places', () => {
    // 3 bought for 3.1 with the fee; a third of that cost is 1.0333…; 2 - 1.0333… = 0.9666…
    const m = computeMetrics(facts(curve, [order(t(0), 'BTC/USDT', 'buy', '3', '1', '0.1'), order(t(1), 'BTC/USDT', 'sell', '1', '2', '0')]));
    expect(m.expectancy).toBe('0.966666666667');
  });

  it('counts exits by the reason\'s leading lowercase "word:", everything else as signal', () => {
    expect(exitCategory('stop-loss: price 91.2 ≤ 92')).toBe('stop-loss');
    expect(exitCategory('roi: 5% after 3 ticks')).toBe('roi');
    expect(exitCategory('score -0.31 ≤ -0.05 (rsi 71.4, macd: falling)')).toBe('signal');
    expect(exitCategory('Stop-loss: capitalised')).toBe('signal');
    expect(exitCategory('time limit: two words')).toBe('signal');
    const orders = [
      order(t(0), 'BTC/USDT', 'buy', '4', '100', '0'),
      order(t(1), 'BTC/USDT', 'sell', '1', '100', '0', 'take-profit: +8%'),
      order(t(1), 'BTC/USDT', 'sell', '1', '100', '0', 'stop-loss: price 91.2 ≤ 92'),
      order(t(2), 'BTC/USDT', 'sell', '1', '100', '0', 'score -0.31 ≤ -0.05'),
      order(t(2), 'BTC/USDT', 'sell', '1', '100', '0', 'stop-loss: price 90 ≤ 92'),
    ];
    const m = computeMetrics(facts(curve, orders));
    expect(m.exitsByReason).toEqual({ signal: 1, 'stop-loss': 2, 'take-profit': 1 });
    expect(Object.keys(m.exitsByReason)).toEqual(['signal', 'stop-loss', 'take-profit']);
  });

  it('refuses a sell of more than the buys hold, naming the order', () => {
    const orders = [order(t(0), 'BTC/USDT', 'buy', '1', '100', '0'), order(t(1), 'BTC/USDT', 'sell', '1.5', '100', '0')];
    expect(() => computeMetrics(facts(curve, orders))).toThrow(/order 1 sells 1\.5 BTC\/USDT but the buys before it hold 1/);
    expect(() => computeMetrics(facts(curve, [order(t(0), 'BTC/USDT', 'buy', '1', 'abc', '0')]))).toThrow(/order 0 \(BTC\/USDT buy\): price must be a decimal > 0, got "abc"/);
    expect(() => computeMetrics(facts(curve, [], { startingCash: 0 }))).toThrow(/startingCash must be a number > 0/);
  });
});

describe('computeMetrics: months', () => {
  it('splits returns, closed trades and fees at UTC month boundaries', () => {
    const jan31 = Date.UTC(2024, 0, 31, 23);
    const feb1 = Date.UTC(2024, 1, 1);
    const feb29 = Date.UTC(2024, 2, 1) - 1;
    const mar1 = Date.UTC(2024, 2, 1);
    const curve = [point(jan31, 1010), point(feb1, 1000), point(feb29, 1111), point(mar1, 999.9)];
    const orders = [
      order(jan31, 'BTC/USDT', 'buy', '1', '100', '0.5'),
      order(feb1, 'BTC/USDT', 'sell', '1', '100', '0.25'),
      order(feb29, 'BTC/USDT', 'buy', '1', '100', '0.125'),
      order(mar1, 'BTC/USDT', 'sell', '1', '100', '0.0625'),
    ];
    expect(computeMetrics(facts(curve, orders)).months).toEqual([
      { month: '2024-01', return: expect.closeTo(0.01, 12), trades: 0, fees: '0.5' }, // 1010 / 1000 (starting cash)
      { month: '2024-02', return: expect.closeTo(0.1, 12), trades: 1, fees: '0.375' }, // 1111 / 1010
      { month: '2024-03', return: expect.closeTo(-0.1, 12), trades: 1, fees: '0.0625' }, // 999.9 / 1111
    ]);
  });
});

describe('computeMetrics: null where a metric is undefined', () => {
  it('gives null ratios for one day, no trades, no variation, no drawdown, no losses and a zero span', () => {
    const oneDay = computeMetrics(facts([point(T0 + HOUR, 1000), point(T0 + 2 * HOUR, 1010)]));
    expect(oneDay).toMatchObject({ sharpe: null, sortino: null, calmar: null, maxDrawdown: 0, maxDrawdownDurationMs: 0 });
    expect(oneDay).toMatchObject({ trades: 0, winRate: null, profitFactor: null, expectancy: null, bestTrade: null, worstTrade: null });
    expect(oneDay).toMatchObject({ tradesPerPair: {}, exitsByReason: {}, feesPaid: '0', feesAllTaker: '0' });

    // Three flat days: returns [0, 0, 0] have no deviation and no losing day.
    const flat = computeMetrics(facts([point(T0, 1000), point(T0 + DAY, 1000), point(T0 + 2 * DAY, 1000)]));
    expect(flat).toMatchObject({ sharpe: null, sortino: null, totalReturn: 0, exposure: 0 });

    const onlyWins = computeMetrics(facts([point(T0, 1000), point(T0 + DAY, 1000)], [order(T0, 'BTC/USDT', 'buy', '1', '100', '0'), order(T0 + DAY, 'BTC/USDT', 'sell', '1', '101', '0')]));
    expect(onlyWins).toMatchObject({ winRate: 1, profitFactor: null, expectancy: '1' });

    const oneTick = computeMetrics(facts([point(T0, 990)]));
    expect(oneTick).toMatchObject({ annualisedReturn: null, calmar: null, ticks: 1 });
    expect(oneTick.totalReturn).toBeCloseTo(-0.01, 12);
  });
});
