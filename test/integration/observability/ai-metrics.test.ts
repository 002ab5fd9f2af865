import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createAiActivities } from '../../../src/activities/ai-activities.js';
import { AiOutputInvalidError, type AnalysisResult, type MarketAnalyst } from '../../../src/ai/port.js';
import type { AnalyzeWithAiInput, AnalyzeWithAiResult } from '../../../src/contracts/ai-types.js';
import { KeelError } from '../../../src/domain/errors.js';
import { createKeelMetrics } from '../../../src/observability/metrics.js';
import { HOUR_MS, T0, evaluation } from '../../unit/ai/fixtures.js';
import { freshDatabase, type FreshDatabase } from '../../helpers/fresh-db.js';

const quiet = { logger: new DefaultLogger('ERROR') };
const NOW = Date.UTC(2026, 10, 21, 9, 30);
const MODEL = 'claude-haiku-4-5'; // $1 in, $5 out per million tokens

type Step = { answer: { input: number; output: number } } | { invalid: { input: number; output: number } } | { fail: KeelError };

/** An analyst that answers from a script, without any HTTP. */
class ScriptedAnalyst implements MarketAnalyst {
  readonly model = MODEL;
  readonly promptVersion = 'v1';
  calls = 0;
  constructor(private readonly steps: Step[]) {}
  async analyze(): Promise<AnalysisResult> {
    const step = this.steps[this.calls++];
    if (step === undefined) throw new Error('script exhausted');
    if ('fail' in step) throw step.fail;
    if ('invalid' in step) {
      throw new AiOutputInvalidError('no tool call', { rawOutput: 'just buy', usage: { inputTokens: step.invalid.input, outputTokens: step.invalid.output }, model: MODEL, promptVersion: 'v1', promptHash: 'h'.repeat(64), latencyMs: 5 });
    }
    return {
      verdict: { action: 'buy', confidence: 0.8, rationale: 'trend and momentum agree on this candle', riskFlags: [] },
      usage: { inputTokens: step.answer.input, outputTokens: step.answer.output },
      model: MODEL,
      promptVersion: 'v1',
      promptHash: 'a'.repeat(64),
      latencyMs: 5,
    };
  }
}

describe('AI metrics from analyzeWithAi (real database, mock activity context)', () => {
  let database: FreshDatabase;
  beforeAll(async () => {
    database = await freshDatabase();
  });
  afterAll(async () => database?.dispose());

  const job = (symbol: string, cycle = 'cycle/sim/ai-metrics'): AnalyzeWithAiInput => ({ cycleId: cycle, tickTs: T0 + HOUR_MS, exchange: 'sim', timeframe: '1h', evaluation: evaluation(symbol), position: null });
  const run = (acts: ReturnType<typeof createAiActivities>, input: AnalyzeWithAiInput) =>
    (new MockActivityEnvironment(undefined, quiet).run(acts.analyzeWithAi, input) as Promise<AnalyzeWithAiResult>).then(
      (result) => result,
      (error: unknown) => error,
    );

  it('counts calls by status, tokens in and out, cost, and analyses recorded; a reused analysis is not paid twice', async () => {
    const metrics = createKeelMetrics();
    const analyst = new ScriptedAnalyst([{ answer: { input: 1000, output: 200 } }, { invalid: { input: 800, output: 40 } }, { fail: new KeelError('RateLimitExceeded', '429', { retryAfterMs: 10 }) }]);
    const acts = createAiActivities({ analyst, db: database.db, budget: {}, now: () => NOW, heartbeatIntervalMs: 100, metrics });

    expect(await run(acts, job('BTC/USDT'))).toMatchObject({ status: 'ok', reused: false });
    expect(await run(acts, job('ETH/USDT'))).toMatchObject({ status: 'invalid_output' });
    expect(await run(acts, job('SOL/USDT'))).toMatchObject({ type: 'RateLimitExceeded' });
    expect(await run(acts, job('BTC/USDT'))).toMatchObject({ status: 'ok', reused: true }); // a retry after the record
    expect(analyst.calls).toBe(3);

    // Spend the budget: the next call is skipped without a model call.
    const capped = createAiActivities({ analyst, db: database.db, budget: { dailyTokens: 1 }, now: () => NOW, metrics });
    expect(await run(capped, job('ADA/USDT'))).toMatchObject({ status: 'budget_exhausted' });
    expect(analyst.calls).toBe(3);

    const text = await metrics.exposition();
    expect(text).toContain('keel_ai_calls_total{status="ok"} 1');
    expect(text).toContain('keel_ai_calls_total{status="invalid_output"} 1');
    expect(text).toContain('keel_ai_calls_total{status="error"} 1');
    expect(text).toContain('keel_ai_calls_total{status="reused"} 1');
    expect(text).toContain('keel_ai_calls_total{status="budget_exhausted"} 1');
    expect(text).toContain('keel_ai_tokens_total{direction="in"} 1800');
    expect(text).toContain('keel_ai_tokens_total{direction="out"} 240');
    // (1000 + 800) × $1/M + (200 + 40) × $5/M
    const cost = Number(/^keel_ai_cost_usd_total (\S+)$/m.exec(text)?.[1]);
    expect(cost).toBeCloseTo(0.0018 + 0.0012, 10);
    expect(text).toContain('keel_db_rows_written_total{table="ai_analyses"} 3');
  });

  it('works without metrics, as before', async () => {
    const acts = createAiActivities({ analyst: new ScriptedAnalyst([{ answer: { input: 10, output: 10 } }]), db: database.db, budget: {}, now: () => NOW });
    expect(await run(acts, job('DOT/USDT', 'cycle/sim/no-metrics'))).toMatchObject({ status: 'ok' });
  });
});
