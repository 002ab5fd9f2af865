import { describe, expect, it } from 'vitest';
import { parseConfigAssignments } from '../../../src/cli/config-patch.js';

describe('keel config set KEY=VALUE parsing', () => {
  it('nests dotted keys and reads JSON values', () => {
    expect(parseConfigAssignments(['risk.maxOpenPositions=20', 'signal.weights.rsi=0.5', 'maxTicks=null', 'ai.enabled=true', 'ai.mode=weigh'])).toEqual({
      risk: { maxOpenPositions: 20 },
      signal: { weights: { rsi: 0.5 } },
      maxTicks: null,
      ai: { enabled: true, mode: 'weigh' },
    });
  });

  it('says what it expected when an argument is not key=value', () => {
    expect(() => parseConfigAssignments(['risk.maxOpenPositions'])).toThrow('expected key=value, got "risk.maxOpenPositions" (for example risk.maxOpenPositions=20)');
  });

  it('refuses a key used both as a value and as a section', () => {
    expect(() => parseConfigAssignments(['risk=1', 'risk.maxOpenPositions=2'])).toThrow('"risk.maxOpenPositions" conflicts with another assignment');
  });
});
