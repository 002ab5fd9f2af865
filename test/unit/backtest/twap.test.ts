import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBacktest, type CoinEvaluator } from '../../../src/backtest/engine.js';
import { loadBacktestData, type BacktestData } from '../../../src/backtest/market-data.js';
import { DEFAULT_EXECUTION_CONFIG } from '../../../src/domain/execution-config.js';
import { DEFAULT_EXIT_CONFIG } from '../../../src/domain/exit-config.js';
import { evaluateCloses } from '../../../src/domain/signal-kernel.js';
import { SYNTHETIC_HOUR_MS as HOUR_MS, SYNTHETIC_START_MS as START_MS, writeSyntheticCandleDir, syntheticRunConfig } from '../../helpers/synthetic-candles.js';

/* TWAP execution in the backtester: large signal orders go out as market slices at later ticks, priced at each tick. */

const FILL = { takerFeeRate: 0.001, makerFeeRate: 0.001, slippageBps: 5, quote: 'USDT' };
const TWAP = { ...DEFAULT_EXECUTION_CONFIG, twap: { minNotional: 5000, slices: 3, intervalTicks: 1 } };

describe('TWAP backtests', () => {
  const CANDLES = 200;
  const WARMUP = 100;
  let dir: string;
  let data: BacktestData;

  beforeAll(async () => {
    dir = writeSyntheticCandleDir('keel-twap-', CANDLES);
    data = await loadBacktestData({ dir, timeframe: '1h', quote: 'USDT' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sends the first decision as three slices at consecutive ticks, adding up to the order the plain run sends whole', () => {
    const config = (execution?: typeof TWAP) => syntheticRunConfig('twap', { candles: CANDLES, warmup: WARMUP }, execution === undefined ? {} : { execution });
    const plain = runBacktest({ data, config: config(), startingCash: '100000', fill: FILL, evaluationsAhead: false });
    const sliced = runBacktest({ data, config: config(TWAP), startingCash: '100000', fill: FILL, evaluationsAhead: false });
    const first = plain.orders[0]!;
    expect(first.side).toBe('buy');
    expect(Number(first.amount) * Number(first.price)).toBeGreaterThan(5000);
    const slices = sliced.orders.filter((o) => o.symbol === first.symbol && o.reason === first.reason);
    expect(slices.map((o) => o.tickTs)).toEqual([first.tickTs, first.tickTs + HOUR_MS, first.tickTs + 2 * HOUR_MS]);
    expect(slices.every((o) => o.side === 'buy' && o.feeRole === 'taker')).toBe(true);
    expect(slices.reduce((sum, o) => sum + Number(o.amount), 0)).toBeCloseTo(Number(first.amount), 12);
    // The first slice fills at the plain order's price, the later ones at their own ticks' prices.
    expect(slices[0]!.price).toBe(first.price);
    expect(sliced.twaps.started).toBeGreaterThan(0);
    expect(plain.twaps).toEqual({ started: 0, cutShort: 0 });
    // Every run is reproducible order for order.
    expect(runBacktest({ data, config: config(TWAP), startingCash: '100000', fill: FILL, evaluationsAhead: false }).orders).toEqual(sliced.orders);
  });
});

describe('a TWAP buy under way when the stop is hit', () => {
  // One pair, flat at 100, then a candle that gaps down to 97 through a 2 % stop between the second and third slice.
  const WARMUP = 40;
  const rows = Array.from({ length: 60 }, (_, i) => [START_MS + i * HOUR_MS, 100, 100.5, 99.5, 100, 1000]);
  const firstTick = START_MS + WARMUP * HOUR_MS;
  rows[WARMUP + 1] = [START_MS + (WARMUP + 1) * HOUR_MS, 97, 97.5, 96, 96.5, 1000];
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'keel-twap-stop-'));
    writeFileSync(path.join(dir, 'AAA_USDT-1h.json'), JSON.stringify(rows));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the stop sells what the slices bought and the remaining slices are never sent', async () => {
    const scripted: CoinEvaluator = (...args) => {
      const evaluation = evaluateCloses(...args);
      const action = args[1] === firstTick - HOUR_MS ? 'buy' : 'hold';
      return { ...evaluation, action, score: action === 'buy' ? 0.9 : 0 };
    };
    const data = await loadBacktestData({ dir, timeframe: '1h', quote: 'USDT' });
    const config = syntheticRunConfig('twap-stop', { candles: 60, warmup: WARMUP }, { execution: TWAP, exits: { ...DEFAULT_EXIT_CONFIG, stopLossFraction: 0.02 } });
    const run = runBacktest({ data, config, startingCash: '100000', fill: FILL, evaluate: scripted });
    const view = run.orders.map((o) => ({ tick: (o.tickTs - firstTick) / HOUR_MS, side: o.side, amount: Number(o.amount), reason: o.reason.split(':')[0] }));
    expect(view.map(({ tick, side, reason }) => ({ tick, side, reason }))).toEqual([
      { tick: 0, side: 'buy', reason: expect.stringMatching(/^score 0\.90/) },
      { tick: 1, side: 'buy', reason: expect.stringMatching(/^score 0\.90/) },
      { tick: 2, side: 'sell', reason: 'stop_loss' },
    ]);
    // The stop sold exactly the two slices bought; the third slice was cut short.
    expect(view[2]!.amount).toBeCloseTo(view[0]!.amount + view[1]!.amount, 12);
    expect(run.twaps).toEqual({ started: 1, cutShort: 1 });
    expect(run.portfolio.positions).toEqual({});
  });
});
