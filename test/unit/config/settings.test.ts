import { describe, expect, it } from 'vitest';
import { loadSettings, redactSettings, SettingsError } from '../../../src/config/settings.js';

describe('settings', () => {
  it('defaults to the zero-setup local run: sim market, 250 coins, market clock, paper trading, embedded database', () => {
    const s = loadSettings({}, '/srv/keel');
    expect(s).toMatchObject({ KEEL_MARKET: 'sim', KEEL_COINS: 250, KEEL_CLOCK: 'market', KEEL_LIVE_TRADING: false, TEMPORAL_NAMESPACE: 'default' });
    expect(s.DATABASE_URL).toBeUndefined();
    expect(s.dataDirAbs).toBe('/srv/keel/.keel');
  });

  it('lists every invalid setting with what is allowed', () => {
    let error: unknown;
    try {
      loadSettings({ KEEL_COINS: 'abc', KEEL_CLOCK: 'sometimes', DATABASE_URL: 'mysql://x' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SettingsError);
    const problems = (error as SettingsError).problems;
    expect(problems).toContain('KEEL_COINS: KEEL_COINS must be a number');
    expect(problems).toContain('KEEL_CLOCK: KEEL_CLOCK must be "wall" or "market"');
    expect(problems).toContain('DATABASE_URL: DATABASE_URL must start with postgres:// or postgresql://');
    expect(problems).toHaveLength(3);
  });

  it('checks settings that depend on each other once each one is valid', () => {
    expect(() => loadSettings({ KEEL_MARKET: 'replay' })).toThrow('KEEL_REPLAY_DIR: KEEL_MARKET=replay needs KEEL_REPLAY_DIR: a folder of freqtrade candle files <BASE>_<QUOTE>-<tf>.json');
  });

  it('refuses the live switch while live trading is unavailable', () => {
    expect(() => loadSettings({ KEEL_LIVE_TRADING: 'true' })).toThrow(/live trading needs a ccxt exchange with API keys/);
  });

  it('never prints secrets: API keys masked, database passwords stripped', () => {
    const shown = JSON.stringify(
      redactSettings(loadSettings({ ANTHROPIC_API_KEY: 'sk-ant-secret-value', KEEL_API_TOKEN: 'tok_0123456789abcdef0123', DATABASE_URL: 'postgres://keel:hunter2@db:5432/keel' })),
    );
    expect(shown).not.toContain('sk-ant-secret-value');
    expect(shown).not.toContain('tok_0123456789abcdef0123');
    expect(shown).not.toContain('hunter2');
    expect(shown).toContain('postgres://keel:***@db:5432/keel');
  });
});
