import { describe, expect, it } from 'vitest';
import { patchFromDottedKeys } from '../../../src/domain/config-dotted-keys.js';

describe('patchFromDottedKeys', () => {
  it('nests dotted keys into one patch, sections merged', () => {
    expect(patchFromDottedKeys({ 'risk.maxOpenPositions': 20, 'risk.cooldownTicks': 1, 'signal.weights.rsi': 0.5, warmupCandles: 120 })).toEqual({
      risk: { maxOpenPositions: 20, cooldownTicks: 1 },
      signal: { weights: { rsi: 0.5 } },
      warmupCandles: 120,
    });
  });

  it('refuses names that are not setting names, naming the key', () => {
    for (const key of ['__proto__.polluted', 'risk..x', '', 'risk.max open', '1risk.x']) {
      expect(() => patchFromDottedKeys({ [key]: 1 })).toThrow(expect.objectContaining({ code: 'InvalidInput', message: expect.stringContaining(`key "${key}"`) }));
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a key set twice or inside a value given whole, without touching the caller\'s object', () => {
    const whole = { maxOpenPositions: 5 };
    expect(() => patchFromDottedKeys({ risk: whole, 'risk.cooldownTicks': 1 })).toThrow(/"risk.cooldownTicks" conflicts/);
    expect(whole).toEqual({ maxOpenPositions: 5 });
    expect(() => patchFromDottedKeys({ 'risk.cooldownTicks': 1, risk: 3 })).toThrow(/"risk" conflicts/);
    expect(() => patchFromDottedKeys({ warmupCandles: 100, 'warmupCandles.x': 1 })).toThrow(/conflicts/);
  });
});
