import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createAiActivities, type AiBudget } from '../../../src/activities/ai-activities.js';
import { AnthropicAnalyst } from '../../../src/ai/anthropic-analyst.js';
import type { AnalyzeWithAiInput, AnalyzeWithAiResult } from '../../../src/contracts/ai-types.js';
import { findAnalysis, listAnalyses, recordAnalysis, usageSince, type AnalysisRecord } from '../../../src/db/queries/ai-analyses.js';
import { upsertCandles } from '../../../src/db/queries/candles.js';
import { HOUR_MS, T0, evaluation } from '../../unit/ai/fixtures.js';
import { reply, startFakeAnthropic, type FakeAnthropic } from '../../helpers/fake-anthropic.js';
import { freshDatabase, type FreshDatabase } from '../../helpers/fresh-db.js';

const DAY_MS = 86_400_000;
const quiet = { logger: new DefaultLogger('ERROR') };
const NOW = Date.UTC(2026, 10, 21, 9, 30);

function record(overrides: Partial<AnalysisRecord> = {}): AnalysisRecord {
  return {
    cycleId: 'cycle/sim/q',
    tickTs: T0,
    symbol: 'BTC/USDT',
    status: 'ok',
    model: 'claude-haiku-4-5',
    promptVersion: 'v1',
    promptHash: 'a'.repeat(64),
    inputTokens: 500,
    outputTokens: 100,
    costUsd: 0.001,
    latencyMs: 800,
    signalAction: 'buy',
    signalScore: 0.3,
    action: 'buy',
    confidence: 0.7,
    rationale: 'fine',
    riskFlags: ['overbought'],
    rawOutput: null,
    errorCode: null,
    errorMessage: null,
    attempt: 1,
    analyzedAtMs: NOW,
    ...overrides,
  };
}

describe('ai_analyses queries', () => {
  let database: FreshDatabase;
  beforeAll(async () => {
    database = await freshDatabase();
  });
  afterAll(async () => database?.dispose());

  it('keys analyses by cycle, tick and coin: retries update the row, a finished analysis is never overwritten', async () => {
    const key = { cycleId: 'cycle/sim/keys', tickTs: T0, symbol: 'ETH/USDT' };
    const failed = record({ ...key, status: 'error', errorCode: 'RateLimitExceeded', errorMessage: '429', inputTokens: 0, outputTokens: 0, costUsd: null, action: null, confidence: null, rationale: null, riskFlags: [] });
    expect(await recordAnalysis(database.db, failed)).toBe(true);
    expect(await recordAnalysis(database.db, record({ ...key, attempt: 2 }))).toBe(true);
    expect(await findAnalysis(database.db, key)).toMatchObject({ status: 'ok', attempt: 2, errorCode: null, riskFlags: ['overbought'], costUsd: 0.001 });
    // A late, stale attempt cannot turn the finished analysis back into an error.
    expect(await recordAnalysis(database.db, { ...failed, attempt: 3 })).toBe(false);
    expect(await findAnalysis(database.db, key)).toMatchObject({ status: 'ok', attempt: 2 });
    expect(await listAnalyses(database.db, { cycleId: key.cycleId, limit: 10 })).toHaveLength(1);
  });

  it('lists newest first, per cycle, per coin or both', async () => {
    await recordAnalysis(database.db, record({ cycleId: 'cycle/sim/list', tickTs: T0, symbol: 'SOL/USDT', analyzedAtMs: NOW - 2000 }));
    await recordAnalysis(database.db, record({ cycleId: 'cycle/sim/list', tickTs: T0 + HOUR_MS, symbol: 'SOL/USDT', analyzedAtMs: NOW - 1000 }));
    await recordAnalysis(database.db, record({ cycleId: 'cycle/sim/list', tickTs: T0 + HOUR_MS, symbol: 'ADA/USDT', analyzedAtMs: NOW - 1000 }));
    await recordAnalysis(database.db, record({ cycleId: 'cycle/sim/other', tickTs: T0, symbol: 'SOL/USDT', analyzedAtMs: NOW }));
    const cycle = await listAnalyses(database.db, { cycleId: 'cycle/sim/list', limit: 10 });
    expect(cycle.map((r) => [r.tickTs - T0, r.symbol])).toEqual([
      [HOUR_MS, 'ADA/USDT'],
      [HOUR_MS, 'SOL/USDT'],
      [0, 'SOL/USDT'],
    ]);
    expect((await listAnalyses(database.db, { symbol: 'SOL/USDT', limit: 10 })).map((r) => r.cycleId)).toEqual(['cycle/sim/other', 'cycle/sim/list', 'cycle/sim/list']);
    expect(await listAnalyses(database.db, { cycleId: 'cycle/sim/list', symbol: 'SOL/USDT', limit: 1 })).toHaveLength(1);
  });

  it('sums tokens and cost since a time, and counts analyses without a price', async () => {
    const since = NOW + DAY_MS; // a day no other test writes to
    await recordAnalysis(database.db, record({ cycleId: 'cycle/sim/usage', symbol: 'A/USDT', analyzedAtMs: since - 1 }));
    await recordAnalysis(database.db, record({ cycleId: 'cycle/sim/usage', symbol: 'B/USDT', analyzedAtMs: since, inputTokens: 1000, outputTokens: 200, costUsd: 0.0123 }));
    await recordAnalysis(database.db, record({ cycleId: 'cycle/sim/usage', symbol: 'C/USDT', analyzedAtMs: since + 5, inputTokens: 10, outputTokens: 5, costUsd: null, model: 'claude-unknown' }));
    expect(await usageSince(database.db, since)).toEqual({ tokens: 1215, costUsd: 0.0123, analyses: 2, unpriced: 1 });
    expect(await usageSince(database.db, since + DAY_MS)).toEqual({ tokens: 0, costUsd: 0, analyses: 0, unpriced: 0 });
  });
});

describe('analyzeWithAi in an activity context', () => {
  let database: FreshDatabase;
  let fake: FakeAnthropic;
  let analyst: AnthropicAnalyst;
  let n = 0;

  beforeAll(async () => {
    database = await freshDatabase();
    fake = await startFakeAnthropic();
    analyst = new AnthropicAnalyst({ apiKey: 'sk-ant-test', model: 'claude-haiku-4-5', maxTokens: 600, promptVersion: 'v1', baseURL: fake.baseURL, timeoutMs: 10_000 });
  });
  afterAll(async () => {
    await fake?.close();
    await database?.dispose();
  });
  beforeEach(() => fake.reset());

  function input(symbol: string, overrides: Partial<AnalyzeWithAiInput> = {}): AnalyzeWithAiInput {
    n += 1;
    return { cycleId: `cycle/sim/act-${n}`, tickTs: T0 + HOUR_MS, exchange: 'sim', timeframe: '1h', evaluation: evaluation(symbol), position: null, ...overrides };
  }

  /** Runs analyzeWithAi in a fresh mock activity context (attempt 1). */
  function run(acts: ReturnType<typeof activities>, job: AnalyzeWithAiInput, env = new MockActivityEnvironment(undefined, quiet)): Promise<AnalyzeWithAiResult> {
    return env.run(acts.analyzeWithAi, job) as Promise<AnalyzeWithAiResult>;
  }

  function activities(budget: AiBudget = {}, now = () => NOW) {
    return createAiActivities({ analyst, db: database.db, budget, now, heartbeatIntervalMs: 100 });
  }

  it('shows the model the stored recent candles and the position, and records the verdict', async () => {
    const candles = Array.from({ length: 20 }, (_, i) => ({ ts: T0 - (19 - i) * HOUR_MS, open: 100 + i, high: 102 + i, low: 99 + i, close: 101 + i, volume: 10 }));
    await upsertCandles(database.db, { exchange: 'sim', symbol: 'DOT/USDT', timeframe: '1h' }, candles);
    const result = await run(activities(), input('DOT/USDT', { recentCandles: 5, position: { symbol: 'DOT/USDT', quantity: '3', averagePrice: '110', openedTick: 2 } }));
    expect(result).toMatchObject({ status: 'ok', symbol: 'DOT/USDT', verdict: { action: 'hold', confidence: 0.62, riskFlags: ['ranging'] }, reused: false, reason: null });
    const prompt = JSON.stringify(fake.requests[0]?.body.messages);
    expect(prompt).toContain('Last 5 candles');
    expect(prompt).toContain(new Date(T0).toISOString().slice(0, 16));
    expect(prompt).not.toContain(new Date(T0 - 5 * HOUR_MS).toISOString().slice(0, 16));
    expect(prompt).toContain('Position: holding 3 at an average price of 110');
  });

  it('cancellation aborts the pending request and is reported as a cancellation', async () => {
    fake.script(reply.slow(10_000));
    const env = new MockActivityEnvironment(undefined, quiet);
    const heartbeats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => heartbeats.push(details));
    const job = input('AVAX/USDT');
    const pending = run(activities(), job, env).then(
      () => null,
      (error: unknown) => error,
    );
    await expect.poll(() => fake.inFlight).toBe(1);
    await expect.poll(() => heartbeats.length).toBeGreaterThan(1);
    env.cancel();
    expect(await pending).toBeInstanceOf(CancelledFailure);
    await expect.poll(() => fake.inFlight).toBe(0);
    expect(heartbeats[0]).toEqual({ symbol: 'AVAX/USDT', phase: 'waiting for the model' });
  });

  it('after a 429 the next call waits out Retry-After in the slot; a long pause goes back to Temporal instead', async () => {
    const acts = activities();
    fake.script(reply.rateLimited(1));
    const first = await run(acts, input('LINK/USDT')).then(
      () => null,
      (error: unknown) => error,
    );
    expect(first).toBeInstanceOf(ApplicationFailure);
    expect(first).toMatchObject({ type: 'RateLimitExceeded', nonRetryable: false, nextRetryDelay: 1000 });
    const second = await run(acts, input('UNI/USDT'));
    expect(second.status).toBe('ok');
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[1]!.startedAt - fake.requests[0]!.endedAt!).toBeGreaterThanOrEqual(900);

    fake.script(reply.rateLimited(120));
    await run(acts, input('AAVE/USDT')).catch(() => undefined);
    const handedBack = await run(acts, input('MKR/USDT')).then(
      () => null,
      (error: unknown) => error,
    );
    expect(handedBack).toMatchObject({ type: 'RateLimitExceeded', nonRetryable: false });
    expect((handedBack as ApplicationFailure).nextRetryDelay).toBeGreaterThan(100_000);
    expect(fake.requests).toHaveLength(3);
  });

  it('the cost budget counts only today (UTC) and stops calls once spent', async () => {
    const day = NOW + 10 * DAY_MS;
    const now = () => day;
    const dayStart = Math.floor(day / DAY_MS) * DAY_MS;
    await recordAnalysis(database.db, record({ cycleId: 'cycle/sim/spend', symbol: 'Y/USDT', costUsd: 5, analyzedAtMs: dayStart - 1 }));
    const under = await run(activities({ dailyCostUsd: 1 }, now), input('XRP/USDT'));
    expect(under.status).toBe('ok');
    await recordAnalysis(database.db, record({ cycleId: 'cycle/sim/spend', symbol: 'Z/USDT', costUsd: 1.5, analyzedAtMs: dayStart + 1 }));
    const job = input('DOGE/USDT');
    const over = await run(activities({ dailyCostUsd: 1 }, now), job);
    expect(over).toMatchObject({ status: 'budget_exhausted', verdict: null });
    expect(over.reason).toMatch(/^daily AI cost budget exhausted: \$1\.50\d* of \$1 spent since/);
    expect(fake.requests).toHaveLength(1);
    expect(await findAnalysis(database.db, { cycleId: job.cycleId, tickTs: job.tickTs, symbol: 'DOGE/USDT' })).toMatchObject({ status: 'budget_exhausted', errorMessage: over.reason });
  });
});
