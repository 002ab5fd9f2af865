import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backtestFolder } from '../../../src/backtest/run.js';
import { reportJson } from '../../../src/backtest/report.js';
import { printCycleOrders } from '../../../src/cli/orders.js';
import type { CycleOrder } from '../../../src/cli/orders.js';
import { listTicks } from '../../../src/db/queries/ticks.js';
import { openOrdersOfCycle } from '../../../src/db/queries/orders.js';
import { statusQuery } from '../../../src/contracts/messages.js';
import { DEFAULT_AI_CONFIG } from '../../../src/domain/ai-policy.js';
import type { CycleConfig } from '../../../src/domain/cycle-config.js';
import { PAPER_DEFAULTS } from '../../../src/exchange/paper-broker.js';
import { ReplayMarket } from '../../../src/exchange/replay-market.js';
import { createHarness, waitFor, type Harness } from '../../helpers/keel-harness.js';

const DATA_DIR = path.resolve('../shared/data/ohlcv/binance-spot-1h-2021');
const TICKS = 48;
// From 2020-12-20: the window holds Binance's maintenance gap of 2020-12-21 14:00-18:00 (three candles missing for
// every pair: coins fail, their circuits open) and GRT/USDT, listed 2020-12-17 with fewer candles than the warm-up.
const MARKET_START_MS = Date.UTC(2020, 11, 20, 0);
const SYMBOLS = ['BTC/USDT', 'ETH/USDT', 'GRT/USDT', 'DOGE/USDT', 'LINK/USDT', 'SOL/USDT', 'XRP/USDT', 'ADA/USDT'];

if (!existsSync(DATA_DIR)) console.warn(`skipping the backtest parity test: ${DATA_DIR} is absent (it ships in ../shared/data)`);

/** Within a tick the cycle records no placement order; both lists are compared sells first, then by symbol. */
function byTick<T extends Pick<CycleOrder, 'tickTs' | 'side' | 'symbol'>>(orders: readonly T[]): T[] {
  return [...orders].sort((a, b) => a.tickTs - b.tickTs || (a.side === b.side ? 0 : a.side === 'sell' ? -1 : 1) || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
}

describe.skipIf(!existsSync(DATA_DIR))('the backtester against the durable replay cycle', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await createHarness({ gateway: new ReplayMarket({ dir: DATA_DIR }) });
    await harness.startWorkers();
  });
  afterAll(async () => harness?.teardown());

  /** Runs the durable replay cycle and the backtester over the same window and settings. */
  /** The cycle's filled orders as `keel orders --json` prints them. */
  async function ordersOfCycle(name: string): Promise<CycleOrder[]> {
    const lines: string[] = [];
    await printCycleOrders(harness.database.db, { exchange: 'replay', name, limit: undefined, json: true }, { out: (t) => lines.push(t), err: () => undefined });
    return (JSON.parse(lines.join('\n')) as { orders: CycleOrder[] }).orders;
  }

  /** The backtester over the parity window with the cycle's settings and the paper broker's fill costs. */
  async function backtestOf(overrides: Partial<CycleConfig>) {
    const backtest = await backtestFolder({
      dir: DATA_DIR,
      config: harness.cycleConfig({ ...overrides, exchange: 'replay' }),
      startingCash: PAPER_DEFAULTS.startingCash,
      fill: { takerFeeRate: PAPER_DEFAULTS.feeRate, makerFeeRate: PAPER_DEFAULTS.feeRate, slippageBps: PAPER_DEFAULTS.slippageBps },
      fromMs: MARKET_START_MS,
      ticks: TICKS,
    });
    return { backtest, report: reportJson(backtest.metrics, backtest.facts, backtest.fingerprint) };
  }

  async function runBoth(overrides: Partial<CycleConfig>) {
    const { handle } = await harness.startCycle(overrides);
    const final = await handle.result();
    expect(final.tickNo).toBe(TICKS);
    const cycleOrders = await ordersOfCycle(overrides.name!);
    const cycleTicks = (await listTicks(harness.database.db, handle.workflowId, 1000)).sort((a, b) => a.tickTs - b.tickTs);
    return { final, cycleOrders, cycleTicks, ...(await backtestOf(overrides)) };
  }

  function expectSameOrdersAndEquity({ final, cycleOrders, cycleTicks, backtest, report }: Awaited<ReturnType<typeof runBoth>>): void {
    const shape = (o: CycleOrder) => ({ tickTs: o.tickTs, symbol: o.symbol, side: o.side, amount: o.amount, price: o.price, fee: o.fee, reason: o.reason });
    expect(byTick(report.orders).map(shape)).toEqual(byTick(cycleOrders).map(shape));

    expect(backtest.run.ticks.map((t) => t.tickTs)).toEqual(cycleTicks.map((t) => t.tickTs));
    cycleTicks.forEach((row, i) => {
      expect(Math.abs(Number(row.equity) - Number(backtest.run.ticks[i]!.equity))).toBeLessThanOrEqual(1e-9);
    });
    expect(backtest.run.ticks.at(-1)!.equity).toBe(final.lastTick!.equity);
  }

  // Small positions and few slots, so cash and slots run out and the caps decide which buys happen.
  const base: Partial<CycleConfig> = {
    clock: 'market',
    marketStartMs: MARKET_START_MS,
    maxTicks: TICKS,
    tickPacingMs: 0,
    warmupCandles: 100,
    universe: { symbols: SYMBOLS, maxCoins: 250 },
    risk: { maxPositionFraction: 0.2, maxOpenPositions: 4, minOrderNotional: 10, cooldownTicks: 2 },
    ai: { ...DEFAULT_AI_CONFIG, enabled: false },
  };

  it(`places the same orders and books the same equity over ${TICKS} ticks of recorded candles`, async () => {
    const both = await runBoth({ ...base, name: `parity${Date.now().toString(36)}` });
    // The window really exercised what it is meant to: trades both ways, failed coins, a cap that bound.
    expect(both.cycleOrders.filter((o) => o.side === 'buy').length).toBeGreaterThan(3);
    expect(both.cycleOrders.filter((o) => o.side === 'sell').length).toBeGreaterThan(3);
    expect(both.backtest.run.failedEvaluations).toBeGreaterThan(0);
    expectSameOrdersAndEquity(both);
  });

  it('with the risk layer on (stops, trailing stops, take-profit, guards, risk sizing): the same orders and equity', async () => {
    const both = await runBoth({
      ...base,
      name: `parityrisk${Date.now().toString(36)}`,
      risk: { maxPositionFraction: 0.3, maxOpenPositions: 4, minOrderNotional: 10, cooldownTicks: 1 },
      exits: { stopLossFraction: 0.01, stopLossAtr: { multiple: 2, period: 14 }, trailingStop: { fraction: 0.01, activationFraction: 0.005 }, takeProfitFraction: 0.03, timeLimitCandles: 12 },
      guards: {
        maxDrawdown: { fraction: 0.02, windowCandles: 24, blockCandles: 3, hardLimitFraction: null },
        stopLossGuard: { stops: 3, windowCandles: 12, lockCandles: 4, perPair: false },
        lowProfitPairs: { windowCandles: 24, minProfitFraction: 0, minTrades: 2, lockCandles: 6 },
      },
      sizing: { mode: 'risk', riskPerTradeFraction: 0.005 },
    });
    // Exits fired in the cycle itself, not only in the backtest: their reasons are in the cycle's own orders.
    const exits = both.cycleOrders.filter((o) => /^(stop_loss|trailing_stop|take_profit|time_limit):/.test(o.reason));
    expect(exits.length).toBeGreaterThan(2);
    expect(Object.keys(both.backtest.metrics.exitsByReason).filter((reason) => reason !== 'signal').length).toBeGreaterThan(0);
    expectSameOrdersAndEquity(both);
  });

  it('with the correlation gate on (clusters and beta-weighted exposure measured from the candle table): the same orders and equity', async () => {
    const both = await runBoth({
      ...base,
      name: `paritycorr${Date.now().toString(36)}`,
      // Measured at ticks 1, 13, 25 and 37 over the 48 returns before each (the maintenance gap inside some windows).
      correlation: { enabled: true, window: 48, threshold: 0.7, maxPositionsPerCluster: 2, maxBetaWeightedExposure: 0.5, recomputeCandles: 12 },
    });
    // The gate acted both ways in this window: a full cluster and the exposure cap refused buys the signal wanted.
    const reasons = both.backtest.run.correlationRefusals.map((r) => r.reason);
    expect(reasons.some((r) => r.startsWith('correlation: cluster of '))).toBe(true);
    expect(reasons.some((r) => r.startsWith('correlation: beta-weighted exposure would reach '))).toBe(true);
    expect(both.cycleOrders.filter((o) => o.side === 'buy').length).toBeGreaterThan(3);
    expectSameOrdersAndEquity(both);
  });

  it('with maker-first orders (post-only, resting between ticks, re-priced, sent on at market) and a stop: the same orders and equity', async () => {
    const both = await runBoth({
      ...base,
      name: `paritymaker${Date.now().toString(36)}`,
      execution: { mode: 'maker_first', maxReprices: 1, fallback: 'market', iocLimitBps: 20 },
      exits: { stopLossFraction: 0.01, stopLossAtr: null, trailingStop: null, takeProfitFraction: null, timeLimitCandles: null },
    });
    // Signal orders filled as makers at their own limit (a later candle traded through it); one was re-priced and then
    // sent on at market; the stops sold as takers. All of it in the cycle's own orders.
    const makerFills = both.backtest.run.orders.filter((o) => o.feeRole === 'maker');
    expect(makerFills.length).toBeGreaterThan(10);
    const takerSignals = both.backtest.run.orders.filter((o) => o.feeRole === 'taker' && !o.reason.startsWith('stop_loss'));
    expect(takerSignals.length).toBeGreaterThan(0);
    expect(both.cycleOrders.filter((o) => o.reason.startsWith('stop_loss: ')).length).toBeGreaterThan(5);
    expectSameOrdersAndEquity(both);
  });

  it('with TWAP slices over ticks (large orders), maker-first for the rest, and a stop: the same orders and equity', async () => {
    const both = await runBoth({
      ...base,
      name: `paritytwap${Date.now().toString(36)}`,
      // Buys are sized near 20,000 USDT: those from 19,900 go out as three market slices two ticks apart.
      execution: { mode: 'maker_first', maxReprices: 1, fallback: 'market', iocLimitBps: 20, twap: { minNotional: 19_900, slices: 3, intervalTicks: 2 } },
      exits: { stopLossFraction: 0.01, stopLossAtr: null, trailingStop: null, takeProfitFraction: null, timeLimitCandles: null },
    });
    // TWAPs ran to their last slice and were cut short by stops; smaller orders still went maker-first.
    const { twaps } = both.backtest.run;
    expect(twaps.started).toBeGreaterThan(5);
    expect(twaps.cutShort).toBeGreaterThan(0);
    expect(twaps.started).toBeGreaterThan(twaps.cutShort);
    expect(both.backtest.run.orders.filter((o) => o.feeRole === 'maker').length).toBeGreaterThan(5);
    expect(both.cycleOrders.filter((o) => o.reason.startsWith('stop_loss: ')).length).toBeGreaterThan(5);
    expectSameOrdersAndEquity(both);
  });

  it('a drawdown halt cancels the maker orders resting in its way and the cycle pauses: the orders are the backtester\'s, none left open', async () => {
    const overrides: Partial<CycleConfig> = {
      ...base,
      name: `paritymakerhalt${Date.now().toString(36)}`,
      execution: { mode: 'maker_first', maxReprices: 3, fallback: 'market', iocLimitBps: 20 },
      guards: { maxDrawdown: { fraction: 0.005, windowCandles: 24, blockCandles: 1, hardLimitFraction: 0.01 }, stopLossGuard: null, lowProfitPairs: null },
    };
    const { handle } = await harness.startCycle(overrides);
    const status = await waitFor('the drawdown guard to pause the cycle', async () => {
      const current = await handle.query(statusQuery);
      return current.phase === 'paused' ? current : undefined;
    }, 300_000);
    expect(status.risk?.halt).toMatch(/drawdown/);
    expect(status.working).toBeUndefined();
    // The halt cancelled the resting orders: keel's own record holds none open, and no coin is in doubt.
    expect(await openOrdersOfCycle(harness.database.db, handle.workflowId)).toEqual([]);
    expect(status.inDoubt).toEqual([]);

    const cycleOrders = await ordersOfCycle(overrides.name!);
    await handle.terminate('test over');
    // After the halt the backtester trades no more either (everything sold, buys refused), so its whole run compares.
    const { backtest, report } = await backtestOf(overrides);
    expect(backtest.run.restingCancelled.length).toBeGreaterThan(0);
    const shape = (o: CycleOrder) => ({ tickTs: o.tickTs, symbol: o.symbol, side: o.side, amount: o.amount, price: o.price, fee: o.fee, reason: o.reason });
    expect(cycleOrders.length).toBeGreaterThan(5);
    expect(byTick(report.orders).map(shape)).toEqual(byTick(cycleOrders).map(shape));
  });
});
