import { describe, expect, it } from 'vitest';
import { backtestCycleConfig } from '../../../src/domain/backtest-config.js';
import { patchFromDottedKeys } from '../../../src/domain/config-dotted-keys.js';
import { applyConfigPatch, defaultCycleConfig, validateConfigPatch, validateCycleConfig } from '../../../src/domain/cycle-config.js';
import { DEFAULT_EXECUTION_CONFIG, validateExecutionConfig } from '../../../src/domain/execution-config.js';

const base = { timeframe: '1h' as const, quote: 'USDT', pairs: null };

describe('execution settings', () => {
  it('names every bad setting and what it may be', () => {
    expect(validateExecutionConfig(DEFAULT_EXECUTION_CONFIG)).toEqual([]);
    expect(validateExecutionConfig({ mode: 'limit', maxReprices: 1.5, fallback: 'fok', iocLimitBps: 0, twap: true, vwap: 1 })).toEqual([
      'unknown setting execution.vwap; execution settings: mode, maxReprices, fallback, iocLimitBps, twap',
      'execution.mode must be "market" or "maker_first" (got "limit")',
      'execution.maxReprices must be a whole number of candles from 0 to 24 (got 1.5)',
      'execution.fallback must be "market" or "ioc" (got "fok")',
      'execution.iocLimitBps must be basis points above 0 and at most 500, such as 20 (got 0)',
      'execution.twap must be null (off) or an object of settings (got true)',
    ]);
    expect(validateExecutionConfig({ ...DEFAULT_EXECUTION_CONFIG, twap: { minNotional: -5, slices: 1, intervalTicks: 0.5, every: 2 } })).toEqual([
      'unknown setting execution.twap.every; execution.twap settings: minNotional, slices, intervalTicks',
      'execution.twap.minNotional must be an amount of the quote currency above 0, such as 10000 (got -5)',
      'execution.twap.slices must be a whole number from 2 to 20 (got 1)',
      'execution.twap.intervalTicks must be a whole number of ticks from 1 to 24 (got 0.5)',
    ]);
    // A section stored before TWAP existed has no twap key: it is off, and valid.
    const { twap: _off, ...older } = DEFAULT_EXECUTION_CONFIG;
    expect(validateExecutionConfig(older)).toEqual([]);
    expect(validateExecutionConfig('maker_first')).toEqual(['execution must be an object of settings (got "maker_first")']);
  });

  it('maker_first is a valid setting for a backtest and a cycle (the market decides where it can run: validateMarketConfig)', () => {
    const patch = patchFromDottedKeys({ 'execution.mode': 'maker_first' });
    const config = backtestCycleConfig(base, patch);
    // The rest of the section starts from its defaults.
    expect(config.execution).toEqual({ ...DEFAULT_EXECUTION_CONFIG, mode: 'maker_first' });
    expect(validateCycleConfig(config)).toEqual([]);
    const cycle = defaultCycleConfig();
    expect(validateConfigPatch(cycle, patch)).toEqual([]);
    expect(validateConfigPatch(cycle, { execution: { mode: 'market', maxReprices: 3 } })).toEqual([]);
    expect(applyConfigPatch(cycle, { execution: { maxReprices: 3 } }).execution).toEqual({ ...DEFAULT_EXECUTION_CONFIG, maxReprices: 3 });
    expect(validateConfigPatch(cycle, { execution: { mode: 'maker_first', fallback: 'fok' } })).toEqual(['execution.fallback must be "market" or "ioc" (got "fok")']);
    // Switching TWAP on with one setting starts the rest from its defaults; null switches it off again.
    const twap = applyConfigPatch(cycle, patchFromDottedKeys({ 'execution.twap.minNotional': 5000 }));
    expect(twap.execution).toEqual({ ...DEFAULT_EXECUTION_CONFIG, twap: { minNotional: 5000, slices: 4, intervalTicks: 1 } });
    expect(validateCycleConfig(twap)).toEqual([]);
    expect(applyConfigPatch(twap, { execution: { twap: null } }).execution).toEqual(DEFAULT_EXECUTION_CONFIG);
    expect(() => backtestCycleConfig(base, { execution: { iocLimitBps: 900 } })).toThrow('execution.iocLimitBps must be basis points above 0 and at most 500, such as 20 (got 900)');
  });
});
