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
    expect(() => loadSettings({ KEEL_MARKET: 'replay' })).toThrow('KEEL_REPLAY_DIR: KEEL_MARKET=replay needs KEEL_REPLAY_DIR: a folder of freqtrade candle files <BASE>_<QUOTE>-<tf>.json (or .json.gz, .feather)');
  });

  it('accepts the ccxt exchanges as markets, paper trading on their public data by default', () => {
    for (const market of ['kraken', 'coinbase', 'binance']) {
      expect(loadSettings({ KEEL_MARKET: market })).toMatchObject({ KEEL_MARKET: market, KEEL_LIVE_TRADING: false, KEEL_QUOTE: 'USDT' });
    }
    expect(() => loadSettings({ KEEL_MARKET: 'mtgox' })).toThrow('KEEL_MARKET: KEEL_MARKET must be "sim", "replay", or a ccxt exchange: "kraken", "coinbase" or "binance"');
  });

  it('allows the live switch only on purpose: a ccxt exchange, both keys and both notional caps', () => {
    const problems = (env: Record<string, string>): string[] => {
      try {
        loadSettings(env);
      } catch (error) {
        return (error as SettingsError).problems;
      }
      return [];
    };
    expect(problems({ KEEL_LIVE_TRADING: 'true' })).toEqual([
      'KEEL_LIVE_TRADING: live trading needs a ccxt exchange (KEEL_MARKET=kraken, coinbase or binance), not "sim"; unset KEEL_LIVE_TRADING to paper-trade',
      'KEEL_LIVE_TRADING: live trading needs the account keys KEEL_EXCHANGE_API_KEY and KEEL_EXCHANGE_API_SECRET; unset KEEL_LIVE_TRADING to paper-trade',
      'KEEL_LIVE_MAX_ORDER_NOTIONAL: live trading needs KEEL_LIVE_MAX_ORDER_NOTIONAL (in the quote currency): orders over the cap are refused before any exchange call',
      'KEEL_LIVE_MAX_DAILY_NOTIONAL: live trading needs KEEL_LIVE_MAX_DAILY_NOTIONAL (in the quote currency): orders over the cap are refused before any exchange call',
    ]);
    expect(problems({ KEEL_MARKET: 'kraken', KEEL_EXCHANGE_API_KEY: 'k' })).toEqual(['KEEL_EXCHANGE_API_SECRET: set both KEEL_EXCHANGE_API_KEY and KEEL_EXCHANGE_API_SECRET, or neither']);
    const live = loadSettings({
      KEEL_MARKET: 'kraken',
      KEEL_LIVE_TRADING: 'true',
      KEEL_EXCHANGE_API_KEY: 'key-1234567890',
      KEEL_EXCHANGE_API_SECRET: 'secret-1234567890',
      KEEL_LIVE_MAX_ORDER_NOTIONAL: '50',
      KEEL_LIVE_MAX_DAILY_NOTIONAL: '500',
    });
    expect(live).toMatchObject({ KEEL_LIVE_TRADING: true, KEEL_LIVE_MAX_ORDER_NOTIONAL: 50, KEEL_LIVE_MAX_DAILY_NOTIONAL: 500 });
    const shown = JSON.stringify(redactSettings(live));
    expect(shown).not.toContain('key-1234567890');
    expect(shown).not.toContain('secret-1234567890');
  });

  it('reads the API\'s proxy trust, cookie and auth-failure settings, refusing bad values by name', () => {
    expect(loadSettings({})).toMatchObject({ KEEL_API_TRUST_PROXY: false, KEEL_API_SECURE_COOKIE: 'auto', KEEL_API_AUTH_FAILURES_PER_MINUTE: 10 });
    expect(loadSettings({ KEEL_API_TRUST_PROXY: 'true' }).KEEL_API_TRUST_PROXY).toBe(true);
    expect(loadSettings({ KEEL_API_TRUST_PROXY: ' 127.0.0.1, 10.0.0.0/8,fd00::/8,loopback ' }).KEEL_API_TRUST_PROXY).toEqual(['127.0.0.1', '10.0.0.0/8', 'fd00::/8', 'loopback']);
    const problem = (env: Record<string, string>) => {
      try {
        loadSettings(env);
      } catch (error) {
        return (error as SettingsError).problems.join('\n');
      }
      return '';
    };
    expect(problem({ KEEL_API_TRUST_PROXY: '2' })).toMatch(/^KEEL_API_TRUST_PROXY: .*"2" is none of these \(hop counts are not supported/);
    for (const bad of ['yes', '10.0.0.0/33', '10.0.0.1,', '300.1.1.1', 'proxy.internal']) expect(problem({ KEEL_API_TRUST_PROXY: bad }), bad).toMatch(/^KEEL_API_TRUST_PROXY: KEEL_API_TRUST_PROXY must be false, true, or/);
    expect(problem({ KEEL_API_SECURE_COOKIE: 'true' })).toBe('KEEL_API_SECURE_COOKIE: KEEL_API_SECURE_COOKIE must be "auto", "always" or "never"');
    expect(problem({ KEEL_API_AUTH_FAILURES_PER_MINUTE: '-1' })).toBe('KEEL_API_AUTH_FAILURES_PER_MINUTE: KEEL_API_AUTH_FAILURES_PER_MINUTE must be positive');
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
