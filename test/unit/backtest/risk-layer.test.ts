import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBacktest } from '../../../src/backtest/engine.js';
import type { BacktestRun } from '../../../src/backtest/engine.js';
import { loadBacktestData } from '../../../src/backtest/market-data.js';
import type { BacktestData } from '../../../src/backtest/market-data.js';
import { computeMetrics } from '../../../src/domain/backtest-metrics.js';
import type { CycleConfig } from '../../../src/domain/cycle-config.js';
import { DEFAULT_RISK_LAYER } from '../../../src/domain/risk-layer-config.js';
import { SYNTHETIC_HOUR_MS as HOUR_MS, SYNTHETIC_PAIRS, SYNTHETIC_START_MS as START_MS, syntheticCandles, writeSyntheticCandleDir, syntheticRunConfig } from '../../helpers/synthetic-candles.js';

/*
 * The risk layer in `keel backtest`: three synthetic pairs, 200 hourly ticks after a 100-candle warm-up. The wavy walks
 * fall after most buys, so a 2% stop is hit several times; a 2% drawdown halts the run within its first ten ticks.
 */

const CANDLES = 300;
const WARMUP = 100;
const SLIPPAGE_BPS = 5;
const fill = { takerFeeRate: 0.001, makerFeeRate: 0.001, slippageBps: SLIPPAGE_BPS, quote: 'USDT' };
const OFF_GUARDS = { maxDrawdown: null, stopLossGuard: null, lowProfitPairs: null };

const config = (overrides: Partial<CycleConfig> = {}): CycleConfig => syntheticRunConfig('risk-layer', { candles: CANDLES, warmup: WARMUP }, overrides);

/** The candle each tick evaluates (opened an hour before the tick), straight from the generator. */
const rowsBySymbol = new Map(SYNTHETIC_PAIRS.map((p) => [`${p.base}/USDT`, syntheticCandles(p.seed, CANDLES, p.startPrice)]));
function evaluatedCandle(symbol: string, tickTs: number): { open: number; low: number } {
  const row = rowsBySymbol.get(symbol)![(tickTs - HOUR_MS - START_MS) / HOUR_MS]!;
  return { open: row[1]!, low: row[3]! };
}

describe('the risk layer in the backtester', () => {
  let dir: string;
  let data: BacktestData;
  let plain: BacktestRun;
  const run = (overrides: Partial<CycleConfig>): BacktestRun => runBacktest({ data, config: config(overrides), startingCash: '100000', fill, evaluationsAhead: false });

  beforeAll(async () => {
    dir = writeSyntheticCandleDir('keel-risk-layer-', CANDLES);
    data = await loadBacktestData({ dir, timeframe: '1h', quote: 'USDT' });
    plain = run({});
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('without the layer (sections absent, at their defaults, or on but never acting) the run is the same', () => {
    expect(plain.orders.length).toBeGreaterThan(10);
    expect(plain.locks).toEqual([]);
    const defaults = run({ ...DEFAULT_RISK_LAYER });
    expect(defaults.orders).toEqual(plain.orders);
    expect(defaults.curve).toEqual(plain.curve);
    // A 99% stop keeps the risk state, exit checks, buy policy and fixed-fraction sizing in every tick, and acts never.
    const inert = run({ exits: { ...DEFAULT_RISK_LAYER.exits, stopLossFraction: 0.99 } });
    expect(inert.orders).toEqual(plain.orders);
    expect(inert.ticks).toEqual(plain.ticks);
    expect(inert.portfolio).toEqual(plain.portfolio);
  });

  it('exits.stopLossFraction sells the whole position at the stop less slippage, reason "stop_loss: ...", counted by exitsByReason', () => {
    const stopped = run({ exits: { ...DEFAULT_RISK_LAYER.exits, stopLossFraction: 0.02 } });
    const stops = stopped.orders.filter((o) => o.reason.startsWith('stop_loss: '));
    expect(stops.length).toBeGreaterThanOrEqual(3);
    for (const sell of stops) {
      const index = stopped.orders.indexOf(sell);
      const buy = stopped.orders.slice(0, index).filter((o) => o.symbol === sell.symbol).at(-1)!;
      expect(buy.side).toBe('buy');
      expect(sell).toMatchObject({ side: 'sell', amount: buy.amount });
      expect(sell.tickTs).toBeGreaterThan(buy.tickTs);
      // The stop is 2% below the fill price; the candle reached it at its low (or gapped through it at its open).
      const stop = Number(buy.price) * (1 - 0.02);
      const candle = evaluatedCandle(sell.symbol, sell.tickTs);
      expect(candle.low).toBeLessThanOrEqual(stop);
      const trigger = candle.open <= stop ? candle.open : stop;
      expect(Number(sell.price) / (trigger * (1 - SLIPPAGE_BPS / 1e4)) - 1).toBeCloseTo(0, 12);
      expect(sell.reason).toContain(`entry ${Number(Number(buy.price).toPrecision(8))}, -`);
    }
    // Every other sell is the signal's: the report counts both kinds.
    const signalSells = stopped.orders.filter((o) => o.side === 'sell' && !o.reason.startsWith('stop_loss: ')).length;
    const metrics = computeMetrics({
      quote: 'USDT',
      timeframe: '1h',
      startingCash: 100000,
      fromMs: stopped.curve[0]!.ts,
      toMs: stopped.curve.at(-1)!.ts,
      pairs: data.pairs.map((p) => p.symbol),
      takerFeeRate: fill.takerFeeRate,
      curve: stopped.curve,
      buyAndHold: [],
      orders: stopped.orders,
    });
    expect(metrics.exitsByReason).toEqual({ signal: signalSells, stop_loss: stops.length });
  });

  it('an ATR stop reads each window\'s ATR: with no fraction to fall back on, its stops still sell', () => {
    const atr = run({ exits: { ...DEFAULT_RISK_LAYER.exits, stopLossAtr: { multiple: 1, period: 14 } } });
    const stops = atr.orders.filter((o) => o.reason.startsWith('stop_loss: '));
    expect(stops.length).toBeGreaterThan(0);
    // Not the 2% fraction's levels: the distance from entry varies with each pair's volatility.
    expect(new Set(stops.map((o) => /entry [\d.]+, (-[\d.]+)%/.exec(o.reason)![1])).size).toBeGreaterThan(1);
  });

  it('guards.maxDrawdown.hardLimitFraction: everything is sold ("drawdown_guard") and nothing bought afterwards; the lock is listed', () => {
    const halted = run({ guards: { ...OFF_GUARDS, maxDrawdown: { fraction: 0.01, windowCandles: 48, blockCandles: 5, hardLimitFraction: 0.02 } } });
    const first = halted.orders.findIndex((o) => o.reason.startsWith('drawdown_guard: '));
    expect(first).toBeGreaterThan(0);
    const haltTs = halted.orders[first]!.tickTs;
    // The tick before, equity closed at least 2% below the window's highest.
    const haltTick = halted.curve.findIndex((p) => p.ts === haltTs);
    const before = halted.curve.slice(0, haltTick);
    expect(1 - before.at(-1)!.equity / Math.max(...before.map((p) => p.equity))).toBeGreaterThanOrEqual(0.02 - 1e-12);
    const after = halted.orders.slice(first);
    expect(after.every((o) => o.side === 'sell' && o.reason.startsWith('drawdown_guard: ') && o.tickTs === haltTs)).toBe(true);
    expect(after[0]!.reason).toMatch(/^drawdown_guard: drawdown \d+\.\d% ≥ hard limit 2% over 48 candles: sell everything and pause$/);
    expect(halted.portfolio.positions).toEqual({});
    expect(halted.ticks.length).toBe(CANDLES - WARMUP - 1);
    expect(halted.locks.length).toBeGreaterThan(0);
    expect(halted.locks[0]).toMatchObject({ guard: 'max_drawdown', symbol: null });
    expect(halted.locks[0]!.reason).toMatch(/^drawdown \d+\.\d% ≥ 1% over 48 candles: no new buys until tick \d+$/);
    expect(halted.locks[0]!.tickTs).toBeLessThan(haltTs);
  });
});
