import { describe, expect, it } from 'vitest';
import { DEFAULT_EXIT_CONFIG, exitConfigSummary, exitsEnabled, exitWarmupCandles, validateExitConfig, type ExitConfig } from '../../../src/domain/exit-config.js';

const everyExit: ExitConfig = {
  stopLossFraction: 0.08,
  stopLossAtr: { multiple: 2, period: 14 },
  trailingStop: { fraction: 0.05, activationFraction: 0.03 },
  takeProfitFraction: 0.2,
  timeLimitCandles: 48,
};

describe('exit config', () => {
  it('is all off by default, and the defaults and a config with every exit are valid', () => {
    expect(DEFAULT_EXIT_CONFIG).toEqual({ stopLossFraction: null, stopLossAtr: null, trailingStop: null, takeProfitFraction: null, timeLimitCandles: null, onExchange: false });
    expect(exitsEnabled(DEFAULT_EXIT_CONFIG)).toBe(false);
    expect(validateExitConfig(DEFAULT_EXIT_CONFIG)).toEqual([]);
    expect(validateExitConfig(everyExit)).toEqual([]);
    expect(exitsEnabled({ ...DEFAULT_EXIT_CONFIG, timeLimitCandles: 1 })).toBe(true);
  });

  it('names the dotted key, the bad value and what is allowed', () => {
    expect(validateExitConfig({ ...DEFAULT_EXIT_CONFIG, stopLossFraction: 2 })).toEqual(['exits.stopLossFraction must be in (0, 1) or null (got 2)']);
    expect(
      validateExitConfig({
        stopLossFraction: '0.1',
        stopLossAtr: { multiple: 0, period: 1.5 },
        trailingStop: { fraction: 1, activationFraction: -0.1 },
        takeProfitFraction: 0,
        timeLimitCandles: 0,
      }),
    ).toEqual([
      'exits.stopLossFraction must be in (0, 1) or null (got "0.1")',
      'exits.takeProfitFraction must be in (0, 100] or null (got 0)',
      'exits.timeLimitCandles must be an integer from 1 to 1000000 or null (got 0)',
      'exits.stopLossAtr.multiple must be in (0, 100] (got 0)',
      'exits.stopLossAtr.period must be an integer from 1 to 500 (got 1.5)',
      'exits.trailingStop.fraction must be in (0, 1) (got 1)',
      'exits.trailingStop.activationFraction must be in [0, 100] (0: trail from entry) (got -0.1)',
    ]);
  });

  it('refuses non-objects, unknown keys (also nested) and missing settings', () => {
    expect(validateExitConfig('tight')).toEqual(['exits must be an object of settings (got "tight")']);
    expect(validateExitConfig(null, 'risk.exits')).toEqual(['risk.exits must be an object of settings (got null)']);
    expect(validateExitConfig({ ...DEFAULT_EXIT_CONFIG, stopLoss: 0.1 })).toEqual([
      'unknown exits setting exits.stopLoss; exits settings: stopLossFraction, stopLossAtr, trailingStop, takeProfitFraction, timeLimitCandles, onExchange',
    ]);
    expect(validateExitConfig({ ...DEFAULT_EXIT_CONFIG, trailingStop: { fraction: 0.05, activationFraction: 0, offset: 1 } })).toEqual([
      'unknown exits.trailingStop setting exits.trailingStop.offset; exits.trailingStop settings: fraction, activationFraction',
    ]);
    expect(validateExitConfig({ ...DEFAULT_EXIT_CONFIG, stopLossAtr: 2 })).toEqual(['exits.stopLossAtr must be an object { multiple, period } or null (got 2)']);
    const { timeLimitCandles: _omitted, ...withoutLimit } = DEFAULT_EXIT_CONFIG;
    expect(validateExitConfig(withoutLimit)).toEqual(['exits.timeLimitCandles must be an integer from 1 to 1000000 or null (got undefined)']);
    expect(validateExitConfig({ ...DEFAULT_EXIT_CONFIG, takeProfitFraction: Number.NaN })).toEqual(['exits.takeProfitFraction must be in (0, 100] or null (got NaN)']);
    // Stops on the exchange: true or false; a section stored before the setting (no key) means false.
    expect(validateExitConfig({ ...DEFAULT_EXIT_CONFIG, onExchange: 'yes' })).toEqual(['exits.onExchange must be true or false (got "yes")']);
    const { onExchange: _older, ...older } = DEFAULT_EXIT_CONFIG;
    expect(validateExitConfig(older)).toEqual([]);
  });

  it('summarises the settings for status in one line', () => {
    expect(exitConfigSummary(DEFAULT_EXIT_CONFIG)).toBe('exits off');
    expect(exitConfigSummary(everyExit)).toBe(
      'stop-loss 2×ATR(14) below entry (8% without ATR); trailing stop 5% below the high once 3% up; take-profit +20%; time limit 48 candles',
    );
    expect(exitConfigSummary({ ...DEFAULT_EXIT_CONFIG, stopLossFraction: 0.025, trailingStop: { fraction: 0.1, activationFraction: 0 }, timeLimitCandles: 1 })).toBe(
      'stop-loss 2.5% below entry; trailing stop 10% below the high from entry; time limit 1 candle',
    );
    expect(exitConfigSummary({ ...DEFAULT_EXIT_CONFIG, stopLossAtr: { multiple: 1.5, period: 7 } })).toBe('stop-loss 1.5×ATR(7) below entry (none without ATR)');
  });

  it('asks for period + 1 candles of history when the ATR stop is on', () => {
    expect(exitWarmupCandles(DEFAULT_EXIT_CONFIG)).toBe(0);
    expect(exitWarmupCandles(everyExit)).toBe(15);
  });
});
