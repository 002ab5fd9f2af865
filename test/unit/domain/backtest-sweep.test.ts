import { describe, expect, it } from 'vitest';
import { parseSweepAxis, rankRuns, sweepCombinations, sweepIdAt, type RankableRun } from '../../../src/domain/backtest-sweep.js';
import { backtestCycleConfig } from '../../../src/domain/backtest-config.js';

describe('sweepCombinations', () => {
  it('is the cartesian product, first axis slowest, as nested patches with readable labels', () => {
    const combinations = sweepCombinations([
      { key: 'signal.buyThreshold', values: [0.1, 0.2] },
      { key: 'risk.maxOpenPositions', values: [20, 40, 60] },
      { key: 'signal.weights.rsi', values: [1] },
    ]);
    expect(combinations.map((c) => c.label)).toEqual([
      'signal.buyThreshold=0.1 risk.maxOpenPositions=20 signal.weights.rsi=1',
      'signal.buyThreshold=0.1 risk.maxOpenPositions=40 signal.weights.rsi=1',
      'signal.buyThreshold=0.1 risk.maxOpenPositions=60 signal.weights.rsi=1',
      'signal.buyThreshold=0.2 risk.maxOpenPositions=20 signal.weights.rsi=1',
      'signal.buyThreshold=0.2 risk.maxOpenPositions=40 signal.weights.rsi=1',
      'signal.buyThreshold=0.2 risk.maxOpenPositions=60 signal.weights.rsi=1',
    ]);
    // Two keys under one section merge instead of replacing each other.
    expect(combinations[4]!.patch).toEqual({ signal: { buyThreshold: 0.2, weights: { rsi: 1 } }, risk: { maxOpenPositions: 40 } });
  });

  it('refuses a key given twice, an empty value list, overlapping keys and more than 500 combinations, naming the key', () => {
    expect(() => sweepCombinations([{ key: 'risk.cooldownTicks', values: [1] }, { key: 'risk.cooldownTicks', values: [2] }])).toThrow(/risk\.cooldownTicks is given twice/);
    expect(() => sweepCombinations([{ key: 'risk.cooldownTicks', values: [] }])).toThrow(/risk\.cooldownTicks has no values/);
    expect(() => sweepCombinations([{ key: 'risk', values: [{}] }, { key: 'risk.cooldownTicks', values: [1] }])).toThrow(/risk\.cooldownTicks overlaps --sweep risk/);
    const many = (key: string) => ({ key, values: Array.from({ length: 23 }, (_, i) => i) });
    expect(() => sweepCombinations([many('risk.cooldownTicks'), many('risk.maxOpenPositions')])).toThrow(/529 combinations .* at most 500/);
    try {
      sweepCombinations([{ key: 'risk.cooldownTicks', values: [] }]);
    } catch (error) {
      expect(error).toMatchObject({ code: 'InvalidConfig', retryable: false });
    }
    expect(sweepCombinations([many('risk.cooldownTicks'), { key: 'risk.maxOpenPositions', values: Array.from({ length: 21 }, (_, i) => i) }])).toHaveLength(483);
  });
});

describe('parseSweepAxis', () => {
  it('reads values as JSON where they parse, strings otherwise', () => {
    expect(parseSweepAxis('signal.buyThreshold=0.1,0.25, 1e-2')).toEqual({ key: 'signal.buyThreshold', values: [0.1, 0.25, 0.01] });
    expect(parseSweepAxis('ai.enabled=true,false')).toEqual({ key: 'ai.enabled', values: [true, false] });
    expect(parseSweepAxis('timeframe=1h,4h')).toEqual({ key: 'timeframe', values: ['1h', '4h'] });
    expect(parseSweepAxis('risk.cooldownTicks=')).toEqual({ key: 'risk.cooldownTicks', values: [] });
    expect(() => parseSweepAxis('0.1,0.2')).toThrow(/KEY=V1,V2/);
    expect(() => parseSweepAxis('risk..x=1')).toThrow(/dotted setting name/);
  });
});

describe('rankRuns', () => {
  const run = (runId: string, metrics: RankableRun['metrics'], status: RankableRun['status'] = 'finished'): RankableRun => ({ runId, label: runId, status, fingerprint: status === 'failed' ? null : `fp-${runId}`, metrics });

  it('puts the best first (higher is better), null values then failed runs last, ties by runId', () => {
    const ranked = rankRuns(
      [run('s/4', null, 'failed'), run('s/2', { sharpe: 1.5 }), run('s/5', { sharpe: null }), run('s/3', { sharpe: 2 }), run('s/1', { sharpe: 1.5 }), run('s/0', { sharpe: 9 }, 'failed')],
      'sharpe',
    );
    expect(ranked.map((r) => [r.runId, r.value])).toEqual([['s/3', 2], ['s/1', 1.5], ['s/2', 1.5], ['s/5', null], ['s/0', null], ['s/4', null]]);
  });

  it('ranks maxDrawdown lowest first', () => {
    const ranked = rankRuns([run('a', { maxDrawdown: 0.3 }), run('b', { maxDrawdown: 0.05 }), run('c', { maxDrawdown: 0.1 })], 'maxDrawdown');
    expect(ranked.map((r) => r.runId)).toEqual(['b', 'c', 'a']);
  });
});

describe('sweepIdAt', () => {
  it('is the UTC start to the second, then the random part, after an optional prefix (the API uses bt-)', () => {
    const nowMs = Date.UTC(2024, 2, 1, 12, 0, 5, 999);
    expect(sweepIdAt(nowMs, '1a2b3c')).toBe('20240301T120005-1a2b3c');
    expect(sweepIdAt(nowMs, '1a2b3c', 'bt-')).toBe('bt-20240301T120005-1a2b3c');
  });
});

describe('backtestCycleConfig', () => {
  it('is a replay cycle without AI or pacing, with the patch applied, and refuses a bad value naming the setting', () => {
    const config = backtestCycleConfig({ timeframe: '1h', quote: 'USDT', pairs: ['AAA/USDT'], maxCoins: 5 }, { risk: { maxOpenPositions: 3 } });
    expect(config).toMatchObject({ exchange: 'replay', clock: 'market', tickPacingMs: 0, universe: { symbols: ['AAA/USDT'], maxCoins: 5 }, risk: { maxOpenPositions: 3 }, ai: { enabled: false } });
    expect(() => backtestCycleConfig({ timeframe: '1h', quote: 'USDT', pairs: null }, { risk: { maxPositionFraction: 7 } })).toThrow(/maxPositionFraction/);
  });
});
