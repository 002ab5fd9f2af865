import { describe, expect, it } from 'vitest';
import { applyConfigPatch, defaultCycleConfig, validateConfigPatch, validateCycleConfig, type CycleConfig } from '../../../src/domain/cycle-config.js';

const config = defaultCycleConfig();
const withSignal = (signal: Partial<CycleConfig['signal']>): CycleConfig => ({ ...config, signal: { ...config.signal, ...signal } });

describe('validateCycleConfig', () => {
  it('accepts the defaults', () => {
    expect(validateCycleConfig(config)).toEqual([]);
  });

  it('rejects weights that do not add up to 1, showing the sum', () => {
    expect(validateCycleConfig(withSignal({ weights: { rsi: 0.5, maCross: 0.35, macd: 0.25 } }))).toEqual([
      'signal.weights must add up to 1 (rsi 0.5 + maCross 0.35 + macd 0.25 = 1.1)',
    ]);
    expect(validateCycleConfig(withSignal({ weights: { rsi: -0.2, maCross: 0.95, macd: 0.25 } }))).toEqual([
      'signal.weights must be non-negative numbers (got {"rsi":-0.2,"maCross":0.95,"macd":0.25})',
    ]);
  });

  it('rejects thresholds outside (0, 1] and inverted RSI bands', () => {
    expect(validateCycleConfig(withSignal({ buyThreshold: 0, sellThreshold: 1.5 }))).toEqual([
      'signal.buyThreshold must be a number in (0, 1] (got 0)',
      'signal.sellThreshold must be a number in (0, 1] (got 1.5)',
    ]);
    expect(validateCycleConfig(withSignal({ rsiOversold: 80 }))).toEqual([
      'signal.rsiOversold and signal.rsiOverbought must satisfy 0 < oversold < overbought < 100 (got 80/70)',
    ]);
  });

  it('rejects MA periods in the wrong order and warm-ups too short for the indicators', () => {
    expect(validateCycleConfig(withSignal({ maFastPeriod: 30 }))).toEqual(['signal.maFastPeriod (30) must be shorter than signal.maSlowPeriod (20)']);
    // max(14 + 1, 20, 60 + 9) + 1 = 70 candles
    expect(validateCycleConfig({ ...withSignal({ macdSlowPeriod: 60 }), warmupCandles: 50 })).toEqual([
      'warmupCandles (50) must cover the longest indicator window (70 candles)',
    ]);
  });

  it('rejects bad risk settings', () => {
    expect(validateCycleConfig({ ...config, risk: { ...config.risk, maxPositionFraction: 0, maxOpenPositions: 0 } })).toEqual([
      'risk.maxPositionFraction must be in (0, 1] (got 0)',
      'risk.maxOpenPositions must be an integer from 1 to 2000 (got 0)',
    ]);
  });
});

describe('validateConfigPatch', () => {
  it('refuses keys that cannot change on a running cycle', () => {
    expect(validateConfigPatch(config, { exchange: 'binance', name: 'x' })).toEqual([
      'cannot change exchange, name on a running cycle; changeable settings: timeframe, tickPacingMs, maxTicks, universe, warmupCandles, signal, risk, childBatchSize, ticksPerRun, ai, exits, guards, sizing, regimeGate, correlation, execution',
    ]);
  });

  it('refuses a non-object patch', () => {
    for (const patch of [null, 3, 'x', [1]]) expect(validateConfigPatch(config, patch)).toEqual(['config update must be an object of settings to change']);
  });

  it('validates the merged result, so partial weights must still add up to 1', () => {
    expect(validateConfigPatch(config, { signal: { weights: { rsi: 0.5 } } })).toEqual([
      'signal.weights must add up to 1 (rsi 0.5 + maCross 0.35 + macd 0.25 = 1.1)',
    ]);
    expect(validateConfigPatch(config, { signal: { weights: { rsi: 0.5, maCross: 0.25 } } })).toEqual([]);
    expect(validateConfigPatch(config, { signal: { buyThreshold: 0 } })).toEqual(['signal.buyThreshold must be a number in (0, 1] (got 0)']);
  });

  it('merges nested settings key by key', () => {
    const patched = applyConfigPatch(config, { risk: { maxOpenPositions: 5 }, signal: { weights: { rsi: 0.5, maCross: 0.25 } } });
    expect(patched.risk).toEqual({ ...config.risk, maxOpenPositions: 5 });
    expect(patched.signal.weights).toEqual({ rsi: 0.5, maCross: 0.25, macd: 0.25 });
    expect(patched.signal.rsiPeriod).toBe(14);
    expect(config.risk.maxOpenPositions).toBe(40);
  });
});

describe('AI settings on a running cycle', () => {
  it('merges an ai patch over the defaults and validates it', () => {
    const config = defaultCycleConfig();
    expect(applyConfigPatch(config, { ai: { mode: 'weigh', maxCoinsPerTick: 20 } }).ai).toMatchObject({ enabled: false, mode: 'weigh', maxCoinsPerTick: 20, minConfidence: 0.6 });
    expect(validateConfigPatch(config, { ai: { mode: 'guess' } } as never)).toEqual(['ai.mode must be "veto" or "weigh" (got "guess")']);
    expect(validateConfigPatch(config, { ai: { weight: 2 } })).toEqual(['ai.weight must be a number in [0, 1] (got 2)']);
  });
});

describe('config patches are checked for shape before they are merged', () => {
  const config = defaultCycleConfig();
  it('refuses a section that is not an object', () => {
    expect(validateConfigPatch(config, { risk: '' })).toEqual(['risk must be an object of settings (got "")']);
    expect(validateConfigPatch(config, { universe: '/' })).toEqual(['universe must be an object of settings (got "/")']);
    expect(validateConfigPatch(config, { signal: { weights: [1] } })).toEqual(['signal.weights must be an object of settings (got [1])']);
  });
  it('names misspelt nested settings and lists the right ones', () => {
    expect(validateConfigPatch(config, { risk: { maxOpenPosition: 3 } })).toEqual([
      'unknown risk setting risk.maxOpenPosition; risk settings: maxPositionFraction, maxOpenPositions, minOrderNotional, cooldownTicks',
    ]);
  });
});
