import { rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBacktest } from '../../../src/backtest/engine.js';
import type { BacktestRun } from '../../../src/backtest/engine.js';
import { EvaluationsAhead, WarmAheadThread } from '../../../src/backtest/evaluations-ahead.js';
import { loadBacktestData } from '../../../src/backtest/market-data.js';
import type { BacktestData } from '../../../src/backtest/market-data.js';
import { fingerprintOrders } from '../../../src/backtest/report.js';
import { DEFAULT_RISK_CONFIG, defaultCycleConfig } from '../../../src/domain/cycle-config.js';
import type { CycleConfig } from '../../../src/domain/cycle-config.js';
import { evaluateCloses } from '../../../src/domain/signal-kernel.js';
import { minimumCandlesFor } from '../../../src/domain/signal-types.js';
import { SYNTHETIC_HOUR_MS as HOUR_MS, SYNTHETIC_START_MS as START_MS, syntheticCandles, writeSyntheticCandleDir } from '../../helpers/synthetic-candles.js';
import { BUSY_SIGNAL } from '../../helpers/busy-signal.js';

const CANDLES = 400;
const fill = { takerFeeRate: 0.001, makerFeeRate: 0.001, slippageBps: 5, quote: 'USDT' };

function configFor(overrides: Partial<CycleConfig>): CycleConfig {
  const warmupCandles = overrides.warmupCandles ?? 100;
  return defaultCycleConfig({
    exchange: 'replay',
    name: 'ahead',
    ai: undefined,
    warmupCandles,
    marketStartMs: START_MS + warmupCandles * HOUR_MS,
    maxTicks: CANDLES - warmupCandles,
    risk: { ...DEFAULT_RISK_CONFIG, maxPositionFraction: 0.3 },
    signal: BUSY_SIGNAL,
    ...overrides,
  });
}

/**
 * The run without the thread, with it racing the engine (as by default, after its first tick) and with it in lockstep
 * (every tick waited for, so every window it computed is served).
 */
function threeWays(data: BacktestData, config: CycleConfig): Record<'inline' | 'racing' | 'lockstep', BacktestRun> {
  const input = { data, config, startingCash: '100000', fill };
  return {
    inline: runBacktest({ ...input, evaluationsAhead: false }),
    racing: runBacktest({ ...input, evaluationsAhead: true }),
    lockstep: runBacktest({ ...input, evaluationsAhead: 'lockstep' }),
  };
}

function expectSameRun(ahead: BacktestRun, inline: BacktestRun): void {
  expect(ahead.orders.length).toBeGreaterThan(4);
  expect(ahead.orders).toEqual(inline.orders);
  expect(fingerprintOrders(ahead.orders)).toBe(fingerprintOrders(inline.orders));
  expect(ahead.ticks).toEqual(inline.ticks);
  expect(ahead.curve).toEqual(inline.curve);
  expect(ahead.unfilled).toEqual(inline.unfilled);
  expect(ahead.failedEvaluations).toBe(inline.failedEvaluations);
  expect(ahead.portfolio).toEqual(inline.portfolio);
  // Every evaluation was made once, on one thread or the other.
  expect(ahead.evaluations.ahead + ahead.evaluations.inline).toBe(inline.evaluations.inline);
  expect(inline.evaluations.ahead).toBe(0);
}

describe('coin evaluations computed ahead on a second thread', () => {
  let dir: string;
  let data: BacktestData;
  beforeAll(async () => {
    dir = writeSyntheticCandleDir('keel-ahead-', CANDLES);
    // DIP/USDT trades ~10x AAA's quote volume except hours 200-299, when its volume all but stops: with three coins
    // chosen by volume it leaves the universe for ~70 ticks and comes back while its candles never stopped. Meanwhile
    // its price halves, so a window across the hole in its stored candles says buy where one without says sell.
    const rows = syntheticCandles(4, CANDLES, 100);
    rows.forEach((row, i) => {
      for (let c = 1; c <= 4; c++) row[c] = row[c]! * 0.5 ** Math.min(1, Math.max(0, (i - 240) / 20));
      if (i >= 200 && i < 300) row[5] = 0.001;
    });
    writeFileSync(path.join(dir, 'DIP_USDT-1h.json'), JSON.stringify(rows));
    data = await loadBacktestData({ dir, timeframe: '1h', quote: 'USDT' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves a window exactly as evaluateCloses returns it plus the candle range (same fields in the same order), and only that window', () => {
    const { signal } = configFor({});
    const lookback = 100;
    const ticks = 30;
    const ahead = EvaluationsAhead.start({ data, symbols: null, signal, lookback, marketStartMs: START_MS + lookback * HOUR_MS, timeframeMs: HOUR_MS, ticks, mode: 'lockstep' })!;
    try {
      for (let tickNo = 0; tickNo < ticks; tickNo++) {
        ahead.beginTick(tickNo);
        // The tick at hour 100 + tickNo evaluates up to the candle opening an hour before: closes[tickNo, 100 + tickNo).
        const end = lookback + tickNo;
        const candleTs = START_MS + (end - 1) * HOUR_MS;
        data.pairs.forEach((pair, index) => {
          const series = { closes: pair.candles!.close, logReturns: pair.logReturns };
          const candle = { open: pair.candles!.open[end - 1]!, high: pair.candles!.high[end - 1]!, low: pair.candles!.low[end - 1]! };
          const served = ahead.take(index, pair.symbol, candleTs, series.closes, end - lookback, end, candle);
          expect(JSON.stringify(served)).toBe(JSON.stringify({ ...evaluateCloses(pair.symbol, candleTs, series, end - lookback, end, signal), candle }));
          expect(ahead.take(index, pair.symbol, candleTs, series.closes, end - lookback + 1, end, candle)).toBeUndefined();
        });
      }
      expect(ahead.served).toBe(ticks * data.pairs.length);
    } finally {
      ahead.stop();
    }
  });

  it('gives the same orders, fingerprint and equity as evaluating inline, and the thread served evaluations', () => {
    const { inline, racing, lockstep } = threeWays(data, configFor({}));
    expectSameRun(racing, inline);
    expectSameRun(lockstep, inline);
    expect(racing.evaluations.ahead).toBeGreaterThan(0);
    // Every coin is evaluated every tick over the newest 100 candles: the thread computed each of those windows.
    expect(lockstep.evaluations).toEqual({ ahead: inline.evaluations.inline, inline: 0 });
  });

  it('a thread started warm, before the data existed, serves the run as a thread started with it does', () => {
    const config = configFor({});
    const inline = runBacktest({ data, config, startingCash: '100000', fill, evaluationsAhead: false });
    const thread = WarmAheadThread.start();
    if (availableParallelism() >= 2) expect(thread).not.toBeNull();
    try {
      const warm = runBacktest({ data, config, startingCash: '100000', fill, evaluationsAhead: 'lockstep', aheadThread: thread });
      expectSameRun(warm, inline);
      expect(warm.evaluations).toEqual({ ahead: inline.evaluations.inline, inline: 0 });
      // The run took the thread (and ended it): stopping it again does nothing.
      expect(thread?.take() ?? null).toBeNull();
    } finally {
      thread?.stop();
    }
    // A warm thread no run takes is given back by stop(): taking it again gives nothing.
    const unused = WarmAheadThread.start();
    unused?.stop();
    expect(unused?.take() ?? null).toBeNull();
  });

  it('a run after another takes the same warm thread, which serves it as a fresh one would', () => {
    if (availableParallelism() < 2) return;
    const config = configFor({});
    const inline = runBacktest({ data, config, startingCash: '100000', fill, evaluationsAhead: false });
    const first = WarmAheadThread.start()!;
    const firstRun = runBacktest({ data, config, startingCash: '100000', fill, evaluationsAhead: 'lockstep', aheadThread: first });
    first.stop();
    const second = WarmAheadThread.start()!;
    // The thread the first run gave back, not a new one: its kernel is compiled already.
    expect(second.threadId).toBe(first.threadId);
    try {
      const secondRun = runBacktest({ data, config, startingCash: '100000', fill, evaluationsAhead: 'lockstep', aheadThread: second });
      expectSameRun(firstRun, inline);
      expectSameRun(secondRun, inline);
      expect(secondRun.evaluations).toEqual({ ahead: inline.evaluations.inline, inline: 0 });
    } finally {
      second.stop();
    }
  });

  it('a pair back after an absence longer than the warm-up has a hole in its stored candles: evaluated inline, the same run', () => {
    // A warm-up below the signal's minimum (a cycle config check refuses it; the engine looks back the minimum):
    // after the hole the newest window spans both stored ranges and is gathered, which the thread never computes.
    const warmupCandles = 30;
    const config = configFor({ warmupCandles, universe: { symbols: null, maxCoins: 3 } });
    expect(minimumCandlesFor(config.signal)).toBeGreaterThan(warmupCandles);
    const { inline, racing, lockstep } = threeWays(data, config);
    expectSameRun(racing, inline);
    expectSameRun(lockstep, inline);
    // DIP's first tick back (hour 301) evaluates a window gathered across the hole: its buy is that window's decision.
    expect(inline.orders).toContainEqual(expect.objectContaining({ symbol: 'DIP/USDT', side: 'buy', tickTs: START_MS + 301 * HOUR_MS }));
    // Inline: DIP's six windows across the hole (until its new range holds 36 candles), and nothing else.
    expect(lockstep.evaluations.inline).toBe(minimumCandlesFor(config.signal) - warmupCandles);
    expect(lockstep.evaluations.ahead).toBeGreaterThan(0);
  });
});
