import { describe, expect, it } from 'vitest';
import { RATIONALE_MAX_CHARS, RISK_FLAGS_MAX, parseVerdict, verdictJsonSchema } from '../../../src/ai/verdict-schema.js';

describe('verdict schema', () => {
  it('accepts a well-formed verdict and defaults riskFlags to []', () => {
    const parsed = parseVerdict({ action: 'buy', confidence: 0.8, rationale: ' RSI recovering from oversold. ' });
    expect(parsed).toEqual({ ok: true, verdict: { action: 'buy', confidence: 0.8, rationale: 'RSI recovering from oversold.', riskFlags: [] } });
  });

  it('accepts the bounds of confidence and drops unknown keys', () => {
    for (const confidence of [0, 1]) {
      const parsed = parseVerdict({ action: 'hold', confidence, rationale: 'x', riskFlags: ['a'], mood: 'bullish' });
      expect(parsed.ok && parsed.verdict).toEqual({ action: 'hold', confidence, rationale: 'x', riskFlags: ['a'] });
    }
  });

  it('rejects wrong actions, out-of-range or textual confidence, and missing or empty rationale, naming each problem', () => {
    const cases: Array<[unknown, string]> = [
      [{ action: 'to_the_moon', confidence: 0.5, rationale: 'x' }, 'action'],
      [{ action: 'buy', confidence: 1.5, rationale: 'x' }, 'confidence'],
      [{ action: 'buy', confidence: -0.1, rationale: 'x' }, 'confidence'],
      [{ action: 'buy', confidence: '0.9', rationale: 'x' }, 'confidence'],
      [{ action: 'buy', confidence: 0.5 }, 'rationale'],
      [{ action: 'buy', confidence: 0.5, rationale: '   ' }, 'rationale'],
      [{ action: 'buy', confidence: 0.5, rationale: 'x', riskFlags: 'none' }, 'riskFlags'],
      ['buy', '(input)'],
      [null, '(input)'],
    ];
    for (const [input, path] of cases) {
      const parsed = parseVerdict(input);
      expect(parsed.ok, JSON.stringify(input)).toBe(false);
      if (!parsed.ok) expect(parsed.problems).toContain(`${path}:`);
    }
  });

  it('trims over-long text instead of rejecting it', () => {
    const parsed = parseVerdict({ action: 'sell', confidence: 0.3, rationale: 'r'.repeat(5000), riskFlags: Array.from({ length: 20 }, (_, i) => `flag_${i}_${'x'.repeat(100)}`) });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.verdict.rationale.length).toBe(RATIONALE_MAX_CHARS);
    expect(parsed.verdict.riskFlags).toHaveLength(RISK_FLAGS_MAX);
    expect(parsed.verdict.riskFlags.every((f) => f.length <= 48)).toBe(true);
  });

  it('describes the same shape as JSON Schema for the tool', () => {
    expect(verdictJsonSchema).not.toHaveProperty('$schema');
    expect(verdictJsonSchema.type).toBe('object');
    expect(verdictJsonSchema.required.sort()).toEqual(['action', 'confidence', 'rationale']);
    expect(verdictJsonSchema.properties).toMatchObject({
      action: { type: 'string', enum: ['buy', 'sell', 'hold'] },
      confidence: { type: 'number', minimum: 0, maximum: 1 },
      rationale: { type: 'string' },
      riskFlags: { type: 'array', items: { type: 'string' } },
    });
  });
});
