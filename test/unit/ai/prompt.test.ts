import { describe, expect, it } from 'vitest';
import { buildCoinBrief } from '../../../src/ai/brief.js';
import { PROMPT_VERSIONS, VERDICT_TOOL_NAME, buildPrompt, promptHash } from '../../../src/ai/prompt.js';
import { isKeelError } from '../../../src/domain/errors.js';
import { HOUR_MS, T0, brief, evaluation } from './fixtures.js';

describe('prompt', () => {
  it('is deterministic: the same brief gives the same text and hash', () => {
    const a = buildPrompt(brief(), 'v1');
    const b = buildPrompt(structuredClone(brief()), 'v1');
    expect(b.user).toBe(a.user);
    expect(b.system).toBe(a.system);
    expect(b.hash).toBe(a.hash);
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes the hash when anything in the brief changes', () => {
    const base = buildPrompt(brief(), 'v1').hash;
    expect(buildPrompt(brief({ price: 43125.6 }), 'v1').hash).not.toBe(base);
    expect(buildPrompt(brief({ position: { quantity: '0.5', averagePrice: '42000', openedTick: 3 } }), 'v1').hash).not.toBe(base);
    expect(buildPrompt(brief({ recentCandles: [] }), 'v1').hash).not.toBe(base);
  });

  it('hashes canonical JSON: key order does not matter', () => {
    expect(promptHash({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(promptHash({ b: { d: 'x', c: [1, 2] }, a: 1 }));
    expect(promptHash({ a: [1, 2] })).not.toBe(promptHash({ a: [2, 1] }));
  });

  it('states the numbers compactly, the candles oldest first, and the position', () => {
    const p = buildPrompt(brief({ position: { quantity: '0.5', averagePrice: '42000', openedTick: 3 } }), 'v1');
    expect(p.user).toContain('Coin: BTC/USDT, 1h candles. Latest closed candle opened 2026-11-20T12:00Z; price 43125.5.');
    expect(p.user).toContain('score 0.421 (-1 to 1), which alone means buy. Regime: trending_up.');
    expect(p.user).toContain('RSI 58.21; MA fast 43010.2 vs slow 42780.9; MACD 12.31, signal line 10.05, histogram 2.26.');
    expect(p.user).toContain('2026-11-20T10:00Z 43000 43200 42900 43050 12.5\n2026-11-20T11:00Z 43010 43210 42910 43090 13.5 +0.09%');
    expect(p.user).toContain('Position: holding 0.5 at an average price of 42000 (unrealized +2.68%), opened at tick 3.');
    expect(p.user.length).toBeLessThan(1200);
    expect(p.system).toContain(`calling ${VERDICT_TOOL_NAME}`);
    expect(p.tool.name).toBe(VERDICT_TOOL_NAME);
    expect(p.tool.input_schema.required).toContain('action');
  });

  it('rejects an unknown version with the list of known ones', () => {
    expect(PROMPT_VERSIONS).toContain('v1');
    let caught: unknown;
    try {
      buildPrompt(brief(), 'v99');
    } catch (error) {
      caught = error;
    }
    expect(isKeelError(caught) && caught.code).toBe('InvalidConfig');
    expect(String((caught as Error).message)).toContain('must be one of v1');
  });

  it('builds a brief from an evaluation, keeping the newest candles', () => {
    const candles = Array.from({ length: 30 }, (_, i) => ({ ts: T0 - (29 - i) * HOUR_MS, open: 1, high: 2, low: 0.5, close: 1.5, volume: i }));
    const b = buildCoinBrief(evaluation(), { timeframe: '1h', candles, position: null, maxCandles: 12 });
    expect(b.recentCandles).toHaveLength(12);
    expect(b.recentCandles.at(-1)?.ts).toBe(T0);
    expect(b.signalAction).toBe('buy');
    expect(buildCoinBrief(evaluation(), { timeframe: '1h', candles, position: null, maxCandles: 0 }).recentCandles).toEqual([]);
  });
});
