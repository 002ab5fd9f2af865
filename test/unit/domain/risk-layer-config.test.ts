import { describe, expect, it } from 'vitest';
import { parseConfigAssignments } from '../../../src/cli/config-patch.js';
import { patchFromDottedKeys } from '../../../src/domain/config-dotted-keys.js';
import { applyConfigPatch, defaultCycleConfig, validateConfigPatch, type CycleConfig } from '../../../src/domain/cycle-config.js';
import { DEFAULT_EXIT_CONFIG } from '../../../src/domain/exits.js';
import { withRiskLayerDefaults } from '../../../src/domain/risk-layer-config.js';

/*
 * The risk layer's sections (exits, guards, sizing, regimeGate, correlation) changed the way `keel config` and the API
 * change them: dotted keys -> patch -> validateConfigPatch -> applyConfigPatch.
 */

/** The patch's problems against `config`, and the config it makes (only when there are none). */
function patched(settings: Record<string, unknown>, config: CycleConfig = defaultCycleConfig()): { problems: string[]; config: CycleConfig | null } {
  const patch = patchFromDottedKeys(settings);
  const problems = validateConfigPatch(config, patch);
  return { problems, config: problems.length === 0 ? applyConfigPatch(config, patch) : null };
}

describe('risk layer settings by dotted keys', () => {
  it('"exits.trailingStop.fraction=0.03" on a config without exits switches the trailing stop on from its defaults', () => {
    const base = defaultCycleConfig();
    expect(base.exits).toBeUndefined();
    const on = patched({ 'exits.trailingStop.fraction': 0.03 }, base);
    expect(on.problems).toEqual([]);
    expect(on.config!.exits).toEqual({ ...DEFAULT_EXIT_CONFIG, trailingStop: { fraction: 0.03, activationFraction: 0.02 } });
    // A later change of one key keeps the others; null switches the part off again.
    expect(patched({ 'exits.trailingStop.activationFraction': 0.05 }, on.config!).config!.exits!.trailingStop).toEqual({ fraction: 0.03, activationFraction: 0.05 });
    expect(patched({ 'exits.trailingStop': null }, on.config!).config!.exits).toEqual(DEFAULT_EXIT_CONFIG);
    expect(base.exits).toBeUndefined();
  });

  it('refuses a bad value or an unknown key, naming the dotted key', () => {
    expect(patched({ 'exits.stopLossFraction': 2 }).problems).toEqual(['exits.stopLossFraction must be in (0, 1) or null (got 2)']);
    expect(patched({ 'exits.stopLoss': 0.1 }).problems).toEqual(['unknown exits setting exits.stopLoss; exits settings: stopLossFraction, stopLossAtr, trailingStop, takeProfitFraction, timeLimitCandles, onExchange']);
    expect(patched({ 'guards.maxDrawdown.fraction': 0 }).problems.join('\n')).toContain('guards.maxDrawdown.fraction');
    expect(patched({ exits: 0.1 }).problems).toEqual(['exits must be an object of settings (got 0.1)']);
  });

  it('refuses an ATR stop whose period the warm-up window cannot measure, naming both settings', () => {
    // warmupCandles 100 (the default): ATR(99) needs 100 candles, ATR(100) 101.
    expect(patched({ 'exits.stopLossAtr.period': 99 }).problems).toEqual([]);
    expect(patched({ 'exits.stopLossAtr.period': 100 }).problems).toEqual(['warmupCandles (100) must cover exits.stopLossAtr.period + 1 (101 candles) for the ATR stop']);
    expect(patched({ 'exits.stopLossAtr.period': 100, warmupCandles: 101 }).problems).toEqual([]);
  });

  it('switches the correlation gate on with its defaults, and names a bad setting of it', () => {
    expect(patched({ 'correlation.enabled': true }).problems).toEqual([]);
    expect(patched({ 'correlation.enabled': true, 'correlation.window': 3 }).problems).toEqual(['correlation.window must be an integer from 10 to 5000 (got 3)']);
  });

  it('a "__proto__" key is refused and pollutes nothing, by dotted key, in a JSON body or on the command line', () => {
    const objectPrototype = Object.prototype as Record<string, unknown>;
    expect(() => patchFromDottedKeys({ 'exits.__proto__.polluted': 1 })).toThrow(/key "exits.__proto__.polluted"/);
    // JSON.parse makes "__proto__" an own key, as an HTTP body's would be.
    for (const body of ['{"exits": {"__proto__": {"polluted": 1}}}', '{"guards": {"maxDrawdown": {"__proto__": {"polluted": 1}}}}']) {
      const patch: unknown = JSON.parse(body);
      const problems = validateConfigPatch(defaultCycleConfig(), patch);
      expect(problems.join('\n')).toContain('__proto__');
      const applied = applyConfigPatch(defaultCycleConfig(), patch as Parameters<typeof applyConfigPatch>[1]);
      expect(Object.getPrototypeOf(applied.exits ?? applied.guards!.maxDrawdown)).toBe(Object.prototype);
    }
    // keel config set / keel backtest --config: a setting name is letters and digits, never "__proto__".
    for (const assignment of ['__proto__.polluted=1', 'exits.__proto__.polluted=1']) {
      expect(() => parseConfigAssignments([assignment])).toThrow(/"__proto__" in "[a-z_.]+" is not a setting name/);
    }
    // Inherited members are not walked into either: "constructor" is just an unknown setting.
    const viaConstructor = parseConfigAssignments(['constructor.prototype.polluted=1']);
    expect(validateConfigPatch(defaultCycleConfig(), viaConstructor)[0]).toMatch(/^cannot change constructor on a running cycle/);
    expect(objectPrototype.polluted).toBeUndefined();
  });

  it('keel config show spells out every risk-layer section, defaults where the cycle holds none', () => {
    const shown = withRiskLayerDefaults(defaultCycleConfig());
    expect(Object.keys(shown)).toEqual(expect.arrayContaining(['exits', 'guards', 'sizing', 'regimeGate', 'correlation']));
    expect(shown.sizing).toEqual({ mode: 'fixed_fraction', riskPerTradeFraction: 0.01 });
    const set = applyConfigPatch(defaultCycleConfig(), patchFromDottedKeys({ 'exits.stopLossFraction': 0.05 }));
    expect(withRiskLayerDefaults(set).exits.stopLossFraction).toBe(0.05);
  });
});
