import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { AnthropicAnalyst } from '../../../src/ai/anthropic-analyst.js';
import type { AnalyzeWithAiInput } from '../../../src/contracts/ai-types.js';
import { taskQueuesFor, type TaskQueues } from '../../../src/contracts/task-queues.js';
import { findAnalysis, listAnalyses, recordAnalysis } from '../../../src/db/queries/ai-analyses.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createAiWorker } from '../../../src/workers/create-ai-worker.js';
import { installTemporalRuntime } from '../../../src/workers/temporal-runtime.js';
import { evaluation } from '../../unit/ai/fixtures.js';
import { reply, startFakeAnthropic, type FakeAnthropic } from '../../helpers/fake-anthropic.js';
import { freshDatabase, type FreshDatabase } from '../../helpers/fresh-db.js';
import type { AiFanoutInput, AiFanoutOutcome } from './workflows/ai-fanout.js';

const WORKFLOWS_PATH = fileURLToPath(new URL('./workflows/ai-fanout.ts', import.meta.url));
const TICK_TS = Date.UTC(2026, 10, 20, 13);

/**
 * The keel-ai queue for real: a Temporal dev server, the one-slot AI worker, the real Anthropic SDK pointed at the
 * loopback fake, and a small workflow that asks about many coins at once.
 */
describe('analyzeWithAi on the one-slot keel-ai queue', () => {
  let nativeConnection: NativeConnection;
  let connection: Connection;
  let client: Client;
  let database: FreshDatabase;
  let fake: FakeAnthropic;
  let prefix: string;
  let queues: TaskQueues;
  let budgetQueues: TaskQueues;
  let workflowQueue: string;
  const workers: Worker[] = [];
  const runs: Promise<void>[] = [];
  let cycleNo = 0;

  beforeAll(async () => {
    installTemporalRuntime(createLogger(process.env.KEEL_TEST_LOG_LEVEL ?? 'error'), 'ERROR');
    const address = inject('temporalAddress');
    nativeConnection = await NativeConnection.connect({ address });
    connection = await Connection.connect({ address });
    client = new Client({ connection });
    database = await freshDatabase();
    fake = await startFakeAnthropic({ model: 'claude-haiku-4-5-20251001' });
    prefix = `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}-`;
    queues = taskQueuesFor(prefix, 'sim');
    budgetQueues = taskQueuesFor(`${prefix}budget-`, 'sim');
    workflowQueue = `${prefix}ai-fanout`;

    const analyst = new AnthropicAnalyst({ apiKey: 'sk-ant-test', model: 'claude-haiku-4-5', maxTokens: 600, promptVersion: 'v1', baseURL: fake.baseURL, timeoutMs: 30_000 });
    const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error } });
    workers.push(
      await Worker.create({ connection: nativeConnection, namespace: 'default', taskQueue: workflowQueue, workflowBundle: { code }, enableNonLocalActivities: false }),
      await createAiWorker({ connection: nativeConnection, namespace: 'default', queues, analyst, db: database.db, budget: {} }),
      await createAiWorker({ connection: nativeConnection, namespace: 'default', queues: budgetQueues, analyst, db: database.db, budget: { dailyTokens: 1_000 } }),
    );
    for (const worker of workers) runs.push(worker.run());
  });

  afterAll(async () => {
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    await Promise.allSettled(runs);
    await nativeConnection?.close();
    await connection?.close();
    await fake?.close();
    await database?.dispose();
  });

  beforeEach(() => fake.reset());

  function coins(count: number): { cycleId: string; inputs: AnalyzeWithAiInput[] } {
    cycleNo += 1;
    const cycleId = `cycle/sim/ai-test-${cycleNo}`;
    const inputs = Array.from({ length: count }, (_, i) => ({
      cycleId,
      tickTs: TICK_TS,
      exchange: 'sim',
      timeframe: '1h' as const,
      evaluation: evaluation(`COIN${i}/USDT`),
      position: null,
    }));
    return { cycleId, inputs };
  }

  function fanout(input: Omit<AiFanoutInput, 'taskQueue'> & { taskQueue?: string }): Promise<AiFanoutOutcome[]> {
    return client.workflow.execute('aiFanout', {
      taskQueue: workflowQueue,
      workflowId: `${prefix}fanout-${Math.random().toString(36).slice(2, 10)}`,
      args: [{ taskQueue: queues.ai, ...input }],
      workflowExecutionTimeout: '3 minutes',
    });
  }

  it('50 coins asking in one tick reach the model one at a time, and every analysis is recorded', async () => {
    fake.setFallback(reply.slow(40));
    const { cycleId, inputs } = coins(50);
    const outcomes = await fanout({ inputs });

    expect(outcomes).toHaveLength(50);
    expect(outcomes.every((o) => o.ok && o.result.status === 'ok' && o.result.verdict?.action === 'hold')).toBe(true);
    expect(fake.requests).toHaveLength(50);
    expect(fake.maxInFlight).toBe(1);
    // Strictly one after the other: each request started after the previous one ended.
    const sorted = [...fake.requests].sort((a, b) => a.startedAt - b.startedAt);
    for (let i = 1; i < sorted.length; i += 1) expect(sorted[i]!.startedAt).toBeGreaterThanOrEqual(sorted[i - 1]!.endedAt!);

    const rows = await listAnalyses(database.db, { cycleId, limit: 100 });
    expect(rows).toHaveLength(50);
    expect(rows.every((r) => r.status === 'ok' && r.model === 'claude-haiku-4-5-20251001' && r.inputTokens > 0 && r.costUsd !== null && r.promptHash?.length === 64)).toBe(true);
    const perCoin = await listAnalyses(database.db, { symbol: 'COIN7/USDT', limit: 10 });
    expect(perCoin.map((r) => [r.cycleId, r.action, r.rationale])).toContainEqual([cycleId, 'hold', expect.stringContaining('no edge')]);
  });

  it('a 429 is retried after the Retry-After wait, then succeeds', async () => {
    fake.script(reply.rateLimited(2));
    const { cycleId, inputs } = coins(1);
    const [outcome] = await fanout({ inputs });

    expect(outcome).toMatchObject({ ok: true, result: { status: 'ok' } });
    expect(fake.requests.map((r) => r.status)).toEqual([429, 200]);
    const [first, second] = fake.requests;
    expect(second!.startedAt - first!.endedAt!).toBeGreaterThanOrEqual(2_000);
    const row = await findAnalysis(database.db, { cycleId, tickTs: TICK_TS, symbol: 'COIN0/USDT' });
    expect(row).toMatchObject({ status: 'ok', attempt: 2, errorCode: null });
  });

  it('a 529 overload is retried with backoff', async () => {
    fake.script(reply.overloaded());
    const { inputs } = coins(1);
    const [outcome] = await fanout({ inputs, initialInterval: '200 milliseconds' });
    expect(outcome).toMatchObject({ ok: true, result: { status: 'ok' } });
    expect(fake.requests.map((r) => r.status)).toEqual([529, 200]);
  });

  it('a malformed answer is recorded as invalid_output and returned as such, never retried', async () => {
    fake.script(reply.malformed());
    const { cycleId, inputs } = coins(1);
    const [outcome] = await fanout({ inputs });

    expect(outcome).toMatchObject({ ok: true, result: { status: 'invalid_output', verdict: null } });
    expect(outcome?.ok && outcome.result.reason).toContain('does not match the verdict schema');
    expect(fake.requests).toHaveLength(1);
    const row = await findAnalysis(database.db, { cycleId, tickTs: TICK_TS, symbol: 'COIN0/USDT' });
    expect(row).toMatchObject({ status: 'invalid_output', errorCode: 'AiOutputInvalid', action: null, rawOutput: '{"action":"to_the_moon","confidence":7}' });
    expect(row!.inputTokens).toBeGreaterThan(0);
  });

  it('a rejected key fails at once (no retry) and is recorded as an error', async () => {
    fake.script(reply.unauthorized());
    const { cycleId, inputs } = coins(1);
    const [outcome] = await fanout({ inputs });

    expect(outcome).toMatchObject({ ok: false, type: 'AuthenticationError', nonRetryable: true });
    expect(outcome?.ok === false && outcome.message).toContain('ANTHROPIC_API_KEY was rejected');
    expect(fake.requests).toHaveLength(1);
    const row = await findAnalysis(database.db, { cycleId, tickTs: TICK_TS, symbol: 'COIN0/USDT' });
    expect(row).toMatchObject({ status: 'error', errorCode: 'AuthenticationError' });
  });

  it('heartbeats keep a slow answer alive past the heartbeat timeout', async () => {
    fake.script(reply.slow(7_000));
    const { cycleId, inputs } = coins(1);
    const [outcome] = await fanout({ inputs, heartbeatTimeout: '3 seconds' });
    // First attempt, answered by the model: had it timed out, the retry would have found the recorded answer instead.
    expect(outcome).toMatchObject({ ok: true, result: { status: 'ok', reused: false } });
    expect(fake.requests).toHaveLength(1);
    expect(await findAnalysis(database.db, { cycleId, tickTs: TICK_TS, symbol: 'COIN0/USDT' })).toMatchObject({ status: 'ok', attempt: 1 });
  });

  it('the same coin and tick asked again returns the recorded analysis without a model call', async () => {
    const { inputs } = coins(2);
    await fanout({ inputs });
    expect(fake.requests).toHaveLength(2);
    const again = await fanout({ inputs });
    expect(again.map((o) => o.ok && o.result.reused)).toEqual([true, true]);
    expect(fake.requests).toHaveLength(2);
  });

  it('an exhausted daily budget stops AI calls, says so, and records it', async () => {
    await recordAnalysis(database.db, {
      cycleId: 'cycle/sim/earlier-today',
      tickTs: TICK_TS - 3_600_000,
      symbol: 'BTC/USDT',
      status: 'ok',
      model: 'claude-haiku-4-5',
      promptVersion: 'v1',
      promptHash: 'f'.repeat(64),
      inputTokens: 4_000,
      outputTokens: 1_000,
      costUsd: 0.009,
      latencyMs: 900,
      signalAction: 'buy',
      signalScore: 0.3,
      action: 'buy',
      confidence: 0.7,
      rationale: 'earlier analysis',
      riskFlags: [],
      rawOutput: null,
      errorCode: null,
      errorMessage: null,
      attempt: 1,
      analyzedAtMs: Date.now(),
    });
    const { cycleId, inputs } = coins(3);
    const outcomes = await fanout({ inputs, taskQueue: budgetQueues.ai });

    expect(fake.requests).toHaveLength(0);
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ ok: true, result: { status: 'budget_exhausted', verdict: null } });
      expect(outcome.ok && outcome.result.reason).toMatch(/^daily AI token budget exhausted: \d+ of 1000 tokens used since \d{4}-\d\d-\d\dT00:00:00\.000Z/);
    }
    const rows = await listAnalyses(database.db, { cycleId, limit: 10 });
    expect(rows.map((r) => r.status)).toEqual(['budget_exhausted', 'budget_exhausted', 'budget_exhausted']);
  });
});
