import { describe, expect, it } from 'vitest';
import { costUsd, priceFor } from '../../../src/ai/pricing.js';

describe('pricing', () => {
  it('prices a call per million input and output tokens', () => {
    // claude-sonnet-4-5: $3 in, $15 out per million tokens.
    expect(costUsd('claude-sonnet-4-5', { inputTokens: 1_000_000, outputTokens: 0 })).toBe(3);
    expect(costUsd('claude-sonnet-4-5', { inputTokens: 600, outputTokens: 120 })).toBeCloseTo(0.0018 + 0.0018, 10);
    expect(costUsd('claude-haiku-4-5', { inputTokens: 1000, outputTokens: 1000 })).toBeCloseTo(0.006, 10);
  });

  it('prices a dated snapshot or a context-window variant as its alias', () => {
    expect(priceFor('claude-sonnet-4-5-20250929')).toEqual(priceFor('claude-sonnet-4-5'));
    expect(priceFor('claude-opus-5-5[1m]')).toEqual({ inputPerMTok: 4, outputPerMTok: 20 });
    expect(priceFor('claude-opus-4-1-20250805')).toEqual({ inputPerMTok: 15, outputPerMTok: 75 });
  });

  it('gives null, not a guess or a crash, for a model it does not know', () => {
    expect(priceFor('claude-opus-4-7')).toBeNull(); // not mistaken for claude-opus-4
    expect(priceFor('gpt-5')).toBeNull();
    expect(priceFor('')).toBeNull();
    expect(priceFor('constructor')).toBeNull();
    expect(costUsd('claude-nonexistent', { inputTokens: 10, outputTokens: 10 })).toBeNull();
  });
});
