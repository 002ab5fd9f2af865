import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBacktest, type BacktestRun } from '../../../src/backtest/engine.js';
import { loadBacktestData, type BacktestData } from '../../../src/backtest/market-data.js';
import { DEFAULT_CORRELATION_CONFIG } from '../../../src/domain/correlation.js';
import { DEFAULT_RISK_CONFIG, type CycleConfig } from '../../../src/domain/cycle-config.js';
import { syntheticRunConfig, writeSyntheticCandleDir, type SyntheticPair } from '../../helpers/synthetic-candles.js';

/*
 * The correlation gate in `keel backtest`: five synthetic pairs in two families. Pairs of one family share their walk's
 * seed (the same returns at other price levels), so they are perfectly correlated and the busy signal wants them all
 * at the same ticks; the families move differently.
 */

const CANDLES = 260;
const WARMUP = 100;
const PAIRS: SyntheticPair[] = [
  { base: 'AAA', seed: 1, startPrice: 10 },
  { base: 'AAB', seed: 1, startPrice: 40 },
  { base: 'AAC', seed: 1, startPrice: 3 },
  { base: 'BBA', seed: 2, startPrice: 250 },
  { base: 'BBB', seed: 2, startPrice: 60 },
];
const FAMILY: Record<string, string> = { 'AAA/USDT': 'A', 'AAB/USDT': 'A', 'AAC/USDT': 'A', 'BBA/USDT': 'B', 'BBB/USDT': 'B' };
const fill = { takerFeeRate: 0.001, makerFeeRate: 0.001, slippageBps: 5, quote: 'USDT' };
const GATE = { ...DEFAULT_CORRELATION_CONFIG, enabled: true, window: 48, threshold: 0.9, maxPositionsPerCluster: 1, maxBetaWeightedExposure: 10, recomputeCandles: 12 };

/** The most coins of one family held at once over the run (positions rebuilt from the orders: whole-position sells). */
function mostHeldPerFamily(run: BacktestRun): Record<string, number> {
  const held = new Set<string>();
  const most: Record<string, number> = { A: 0, B: 0 };
  const ticks = [...new Set(run.orders.map((o) => o.tickTs))];
  for (const tickTs of ticks) {
    for (const o of run.orders.filter((x) => x.tickTs === tickTs)) {
      if (o.side === 'buy') held.add(o.symbol);
      else held.delete(o.symbol);
    }
    for (const family of ['A', 'B']) most[family] = Math.max(most[family]!, [...held].filter((s) => FAMILY[s] === family).length);
  }
  return most;
}

describe('the correlation gate in the backtester', () => {
  let dir: string;
  let data: BacktestData;
  const run = (overrides: Partial<CycleConfig>): BacktestRun =>
    runBacktest({
      data,
      config: syntheticRunConfig('correlation', { candles: CANDLES, warmup: WARMUP }, { risk: { ...DEFAULT_RISK_CONFIG, maxPositionFraction: 0.15, maxOpenPositions: 10 }, ...overrides }),
      startingCash: '100000',
      fill,
      evaluationsAhead: false,
    });

  beforeAll(async () => {
    dir = writeSyntheticCandleDir('keel-correlation-', CANDLES, PAIRS);
    data = await loadBacktestData({ dir, timeframe: '1h', quote: 'USDT' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds at most maxPositionsPerCluster coins of a family that moves together; without it, the whole family', () => {
    const plain = run({});
    expect(mostHeldPerFamily(plain)).toEqual({ A: 3, B: 2 });
    expect(plain.correlationRefusals).toEqual([]);

    const gated = run({ correlation: GATE });
    expect(mostHeldPerFamily(gated)).toEqual({ A: 1, B: 1 });
    expect(gated.orders.filter((o) => o.side === 'buy').length).toBeGreaterThan(5);
    // Refused with the cluster named: its id is the family's alphabetically first pair.
    expect(gated.correlationRefusals.length).toBeGreaterThan(0);
    for (const refusal of gated.correlationRefusals) {
      expect(refusal.reason).toBe(`correlation: cluster of ${FAMILY[refusal.symbol] === 'A' ? 'AAA/USDT' : 'BBA/USDT'} already holds 1 of at most 1`);
    }
  });

  it('caps beta-weighted exposure: with no leader coin every beta counts as 1, so 0.3 of equity allows two 15% positions', () => {
    const capped = run({ correlation: { ...GATE, maxPositionsPerCluster: 10, maxBetaWeightedExposure: 0.3 } });
    const most = mostHeldPerFamily(capped);
    expect(most.A! + most.B!).toBeGreaterThanOrEqual(2);
    expect(capped.correlationRefusals.some((r) => r.reason.startsWith('correlation: beta-weighted exposure would reach'))).toBe(true);
    // Never more than two positions at once (two 15% buys reach 0.3; a third would pass it).
    const held = new Set<string>();
    for (const tickTs of [...new Set(capped.orders.map((o) => o.tickTs))]) {
      for (const o of capped.orders.filter((x) => x.tickTs === tickTs)) {
        if (o.side === 'buy') held.add(o.symbol);
        else held.delete(o.symbol);
      }
      expect(held.size).toBeLessThanOrEqual(2);
    }
  });
});
