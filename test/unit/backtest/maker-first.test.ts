import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBacktest, type BacktestRun, type CoinEvaluator } from '../../../src/backtest/engine.js';
import { evaluateCloses } from '../../../src/domain/signal-kernel.js';
import { loadBacktestData, type BacktestData } from '../../../src/backtest/market-data.js';
import { stepRestingOrders, type RestingMarket } from '../../../src/backtest/resting-orders.js';
import type { CycleConfig } from '../../../src/domain/cycle-config.js';
import { DEFAULT_EXECUTION_CONFIG, type ExecutionConfig } from '../../../src/domain/execution-config.js';
import { DEFAULT_EXIT_CONFIG } from '../../../src/domain/exit-config.js';
import { placeWorkingOrder } from '../../../src/domain/working-orders.js';
import { SYNTHETIC_HOUR_MS as HOUR_MS, SYNTHETIC_PAIRS, SYNTHETIC_START_MS as START_MS, syntheticCandles, writeSyntheticCandleDir, syntheticRunConfig } from '../../helpers/synthetic-candles.js';

/*
 * Maker-first execution in the backtester: resting orders judged with the shared fill model (a maker fill only when a
 * later candle trades through the price), re-priced each candle, then sent on as takers; fees at Kraken's entry tier.
 */

const KRAKEN = { takerFeeRate: 0.004, makerFeeRate: 0.0025, slippageBps: 5, quote: 'USDT' };
const MAKER: ExecutionConfig = { ...DEFAULT_EXECUTION_CONFIG, mode: 'maker_first', maxReprices: 2 };
const TICK = START_MS + 200 * HOUR_MS;
const parentId = 'kl00parent0000000000';
const buy = { symbol: 'AAA/USDT', side: 'buy' as const, type: 'market' as const, amount: '2', price: '100', reason: 'score 0.40 ≥ 0.05 (rsi 35.0, ma fast > slow, macd hist > 0)' };

/** A market that says what the candles since a placement spanned and what the last price is. */
const market = (range: { high: number; low: number } | null, last: number | null): RestingMarket => ({ rangeSince: () => range, lastPrice: () => last });

describe('resting maker orders at a tick', () => {
  const resting = placeWorkingOrder(buy, parentId, TICK, 100);
  const step = (order = resting, m = market(null, null), cash = '1000', execution = MAKER, settings = KRAKEN) => stepRestingOrders({ working: [order], tickTs: TICK + HOUR_MS, execution, market: m, cash, settings });

  it('fills as a maker at its own price when a candle traded through it, and pays for it from cash', () => {
    const filled = step(resting, market({ high: 101, low: 99.5 }, 100.2));
    expect(filled.working).toEqual([]);
    expect(filled.makers).toEqual([true]);
    expect(filled.outcomes[0]).toMatchObject({ ok: true, order: { clientOrderId: resting.clientOrderId, type: 'limit', status: 'closed', filled: '2', averagePrice: '100', feeQuote: '0.5' } });
    expect(filled.cash).toBe('799.5');
  });

  it('a candle that only touched the price does not fill it: re-priced at the last price with the next id', () => {
    const touched = step(resting, market({ high: 101, low: 100 }, 100.7));
    expect(touched.outcomes).toEqual([]);
    expect(touched.working).toEqual([{ ...resting, attempt: 1, clientOrderId: touched.working[0]!.clientOrderId, limitPrice: '100.7', placedTs: TICK + HOUR_MS }]);
    expect(touched.working[0]!.clientOrderId).not.toBe(resting.clientOrderId);
    expect(touched.cash).toBe('1000');
  });

  it('once its re-prices are spent it goes to market as a taker; a pair without a price keeps resting', () => {
    const spent = { ...resting, attempt: 2 };
    const fallback = step(spent, market({ high: 101, low: 100.1 }, 100));
    expect(fallback.working).toEqual([]);
    expect(fallback.makers).toEqual([false]);
    // 100 + 5 bps slippage, taker fee 0.4 %.
    expect(fallback.outcomes[0]).toMatchObject({ ok: true, order: { type: 'market', averagePrice: '100.05', feeQuote: '0.8004' } });
    expect(step(spent, market(null, null)).working).toEqual([spent]);
  });

  it('an ioc fallback the slippage carries past its limit expires with nothing filled; a buy the cash cannot pay fails', () => {
    const ioc = step({ ...resting, attempt: 2 }, market({ high: 101, low: 100.1 }, 100), '1000', { ...MAKER, fallback: 'ioc', iocLimitBps: 20 }, { ...KRAKEN, slippageBps: 50 });
    expect(ioc.outcomes[0]).toMatchObject({ ok: false, errorType: 'Expired', placed: 'no' });
    expect(ioc.cash).toBe('1000');
    const poor = step(resting, market({ high: 101, low: 99 }, 100), '150');
    expect(poor.outcomes[0]).toMatchObject({ ok: false, errorType: 'InsufficientFunds', placed: 'no' });
    expect(poor.cash).toBe('150');
  });
});

describe('maker-first backtests', () => {
  const CANDLES = 300;
  const WARMUP = 100;
  let dir: string;
  let data: BacktestData;
  const config = (overrides: Partial<CycleConfig>): CycleConfig => syntheticRunConfig('maker-first', { candles: CANDLES, warmup: WARMUP }, overrides);
  const run = (overrides: Partial<CycleConfig>): BacktestRun => runBacktest({ data, config: config(overrides), startingCash: '100000', fill: KRAKEN, evaluationsAhead: false });
  const rows = new Map(SYNTHETIC_PAIRS.map((p) => [`${p.base}/USDT`, syntheticCandles(p.seed, CANDLES, p.startPrice)]));
  const feesOf = (r: BacktestRun) => r.orders.reduce((sum, o) => sum + Number(o.fee), 0);

  beforeAll(async () => {
    dir = writeSyntheticCandleDir('keel-maker-first-', CANDLES);
    data = await loadBacktestData({ dir, timeframe: '1h', quote: 'USDT' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('pays maker fees where later candles traded through the resting price, and less in fees than the market run', () => {
    const taker = run({});
    const maker = run({ execution: MAKER });
    expect(taker.orders.every((o) => o.feeRole === 'taker')).toBe(true);
    const makerFills = maker.orders.filter((o) => o.feeRole === 'maker');
    expect(makerFills.length).toBeGreaterThan(5);
    for (const order of makerFills) {
      // A maker fill is judged at a tick after its placement: the candle that closed at the fill's tick traded through.
      const candle = rows.get(order.symbol)![(order.tickTs - HOUR_MS - START_MS) / HOUR_MS]!;
      if (order.side === 'buy') expect(candle[3]!).toBeLessThan(Number(order.price));
      else expect(candle[2]!).toBeGreaterThan(Number(order.price));
      expect(Number(order.fee) / (Number(order.amount) * Number(order.price))).toBeCloseTo(KRAKEN.makerFeeRate, 12);
    }
    // Per unit of traded notional, maker-first pays less than all-taker (the two runs trade different amounts).
    const notional = (r: BacktestRun) => r.orders.reduce((sum, o) => sum + Number(o.amount) * Number(o.price), 0);
    expect(feesOf(maker) / notional(maker)).toBeLessThan(feesOf(taker) / notional(taker));
    expect(Number(maker.portfolio.cash)).toBeGreaterThanOrEqual(0);
  });

  it('exits sell at market as takers, never two sells of a coin in a tick, never more than was bought', () => {
    const stopped = run({ execution: MAKER, exits: { ...DEFAULT_EXIT_CONFIG, stopLossFraction: 0.02, trailingStop: { fraction: 0.003, activationFraction: 0.001 } } });
    const stops = stopped.orders.filter((o) => o.reason.startsWith('stop_loss: '));
    expect(stops.length).toBeGreaterThan(0);
    expect(stops.every((o) => o.feeRole === 'taker')).toBe(true);
    // Never two sells of one coin in a tick, and never more sold than bought.
    const held = new Map<string, number>();
    const soldAt = new Set<string>();
    for (const o of stopped.orders) {
      if (o.side === 'sell') {
        expect(soldAt.has(`${o.symbol}@${o.tickTs}`)).toBe(false);
        soldAt.add(`${o.symbol}@${o.tickTs}`);
      }
      held.set(o.symbol, (held.get(o.symbol) ?? 0) + (o.side === 'buy' ? 1 : -1) * Number(o.amount));
      expect(held.get(o.symbol)!).toBeGreaterThanOrEqual(-1e-12);
    }
  });
});

describe('a maker sell resting when the stop is hit', () => {
  // One pair, flat at 100 (each candle 99.5-100.5), then a candle that gaps down to 97: below the resting sell's price
  // (no fill) and through the 2 % stop (sold at its open). The signal is scripted: buy at the first tick, sell at the
  // fourth; the kernel still computes everything else.
  const WARMUP = 40;
  const rows = Array.from({ length: 60 }, (_, i) => [START_MS + i * HOUR_MS, 100, 100.5, 99.5, 100, 1000]);
  const firstTick = START_MS + WARMUP * HOUR_MS;
  rows[WARMUP + 3] = [START_MS + (WARMUP + 3) * HOUR_MS, 97, 97.5, 96, 96.5, 1000];
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'keel-maker-stop-'));
    writeFileSync(path.join(dir, 'AAA_USDT-1h.json'), JSON.stringify(rows));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the stop sells at the gap open as a taker and cancels the unfilled maker sell', async () => {
    const scripted: CoinEvaluator = (...args) => {
      const evaluation = evaluateCloses(...args);
      const action = args[1] === firstTick - HOUR_MS ? 'buy' : args[1] === firstTick + 2 * HOUR_MS ? 'sell' : 'hold';
      return { ...evaluation, action, score: action === 'buy' ? 0.9 : action === 'sell' ? -0.9 : 0 };
    };
    const data = await loadBacktestData({ dir, timeframe: '1h', quote: 'USDT' });
    const config = syntheticRunConfig('maker-stop', { candles: 60, warmup: WARMUP }, { execution: MAKER, exits: { ...DEFAULT_EXIT_CONFIG, stopLossFraction: 0.02 }, guards: { maxDrawdown: null, stopLossGuard: null, lowProfitPairs: null } });
    const run = runBacktest({ data, config, startingCash: '100000', fill: KRAKEN, evaluate: scripted });
    expect(run.orders.map((o) => ({ tickTs: o.tickTs - firstTick, side: o.side, price: o.price, feeRole: o.feeRole, reason: o.reason.split(':')[0] }))).toEqual([
      // Placed at the first tick, filled at its own 100 by the next candle (low 99.5): reported under the placing tick.
      { tickTs: 0, side: 'buy', price: '100', feeRole: 'maker', reason: expect.stringMatching(/^score 0\.90/) },
      // The sell rested at 100 from the fourth tick; the gap candle never reached it, and its open was below the stop.
      { tickTs: 4 * HOUR_MS, side: 'sell', price: '96.9515', feeRole: 'taker', reason: 'stop_loss' },
    ]);
    expect(run.restingCancelled).toEqual([expect.objectContaining({ symbol: 'AAA/USDT', side: 'sell', attempt: 1, limitPrice: '96.5', placedTs: firstTick + 4 * HOUR_MS, cancelledTs: firstTick + 4 * HOUR_MS })]);
    expect(run.restingAtEnd).toEqual([]);
    expect(run.portfolio.positions).toEqual({});
  });
});
