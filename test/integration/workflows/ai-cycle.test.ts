import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnthropicAnalyst } from '../../../src/ai/anthropic-analyst.js';
import { SimulatedMarket } from '../../../src/exchange/simulated-market.js';
import { statusQuery, updateConfigUpdate } from '../../../src/contracts/messages.js';
import type { CycleHandle } from '../../../src/temporal/cycle-client.js';
import { DEFAULT_AI_CONFIG, type AiConfig } from '../../../src/domain/ai-policy.js';
import { listAnalyses } from '../../../src/db/queries/ai-analyses.js';
import { listOrders } from '../../../src/db/queries/orders.js';
import { listSignals } from '../../../src/db/queries/ticks.js';
import { reply, startFakeAnthropic, type FakeAnthropic } from '../../helpers/fake-anthropic.js';
import { createHarness, waitFor, type Harness, roomForEveryBuy } from '../../helpers/keel-harness.js';

const COINS = 50;
const PERMISSIVE_RISK = roomForEveryBuy(0.005);

function aiOn(overrides: Partial<AiConfig> = {}): AiConfig {
  return { ...DEFAULT_AI_CONFIG, enabled: true, minAbsScore: 0, maxCoinsPerTick: COINS, ...overrides };
}

describe('AI analysis in a running cycle (real SDK against a loopback Messages API, one-slot queue)', () => {
  let harness: Harness;
  let fake: FakeAnthropic;

  beforeAll(async () => {
    fake = await startFakeAnthropic();
    harness = await createHarness({ gateway: new SimulatedMarket({ seed: 9, coins: COINS }) });
    await harness.startWorkers();
    await harness.startAiWorker(new AnthropicAnalyst({ apiKey: 'test-key', model: 'claude-haiku-4-5', maxTokens: 300, promptVersion: 'v1', baseURL: fake.baseURL }));
  });
  afterAll(async () => {
    await harness?.teardown();
    await fake?.close();
  });

  it('does not hold the tick: it completes while 50 analyses wait their turn, and the model never sees two requests at once', async () => {
    fake.reset();
    fake.setFallback(reply.slow(300));
    const { handle } = await harness.startCycle({ universe: { symbols: null, maxCoins: COINS }, ai: aiOn(), tickPacingMs: 60_000 });
    const afterTick = await waitFor('tick 1', async () => {
      const s = await handle.query(statusQuery);
      return s.tickNo >= 1 ? s : undefined;
    });
    const answeredWhenTickDone = fake.requests.filter((r) => r.endedAt !== undefined).length;
    // 50 calls of 300 ms each need 15 s in one slot; the tick was done long before.
    expect(answeredWhenTickDone).toBeLessThan(COINS);
    expect(afterTick.ai.pending).toBeGreaterThan(0);

    await waitFor('every analysis answered', async () => ((await listAnalyses(harness.database.db, { cycleId: handle.workflowId, limit: 100 })).length >= COINS ? true : undefined), 120_000);
    expect(fake.requests).toHaveLength(COINS);
    expect(fake.maxInFlight).toBe(1);
    const status = await waitFor('verdicts received', async () => {
      const s = await handle.query(statusQuery);
      return s.ai.pending === 0 ? s : undefined;
    });
    expect(status.ai.verdicts).toBe(COINS);
    await handle.terminate('test done');
  });

  it('with every AI call taking 5 s, the tick still finishes before the first answer', async () => {
    fake.reset();
    fake.setFallback(reply.slow(5_000));
    const { handle } = await harness.startCycle({ universe: { symbols: null, maxCoins: 20 }, ai: aiOn({ maxCoinsPerTick: 4 }), tickPacingMs: 600_000 });
    const status = await waitFor('tick 1', async () => {
      const s = await handle.query(statusQuery);
      return s.tickNo >= 1 ? s : undefined;
    });
    expect(fake.requests.filter((r) => r.endedAt !== undefined)).toHaveLength(0);
    expect(status.lastTick!.evaluated).toBe(20);
    expect(status.lastTick!.durationMs).toBeLessThan(5_000);
    expect(status.ai.pending).toBe(4);
    await handle.terminate('test done');
  });

  it('a confident "hold" verdict vetoes the next tick\'s buys; a malformed reply is recorded and the coin keeps its signal', async () => {
    fake.reset();
    fake.setFallback(reply.valid({ action: 'hold', confidence: 0.9, rationale: 'No edge here; stay flat.', riskFlags: [] }));
    const vetoed = await harness.startCycle({ universe: { symbols: null, maxCoins: COINS }, ai: aiOn({ mode: 'veto' }), risk: PERMISSIVE_RISK, maxTicks: 2, tickPacingMs: 600_000 });
    await runSecondTickAfterVerdicts(vetoed.handle);
    await vetoed.handle.result();
    const db = harness.database.db;
    const vetoedTicks = await listSignals(db, { cycleId: vetoed.handle.workflowId, limit: 1000 });
    const tick2Ts = Math.max(...vetoedTicks.map((s) => s.tickTs));
    const tick2Buys = vetoedTicks.filter((s) => s.tickTs === tick2Ts && s.action === 'buy');
    expect(tick2Buys.length).toBeGreaterThan(0);
    const vetoedOrders = (await listOrders(db, { cycleId: vetoed.handle.workflowId, limit: 1000 })).filter((o) => o.tickTs === tick2Ts && o.side === 'buy');
    expect(vetoedOrders).toHaveLength(0);

    fake.reset();
    fake.setFallback(reply.malformed());
    const fallback = await harness.startCycle({ universe: { symbols: null, maxCoins: COINS }, ai: aiOn({ mode: 'veto' }), risk: PERMISSIVE_RISK, maxTicks: 2, tickPacingMs: 600_000 });
    await runSecondTickAfterVerdicts(fallback.handle);
    await fallback.handle.result();
    const analyses = await listAnalyses(db, { cycleId: fallback.handle.workflowId, limit: 200 });
    expect(analyses.length).toBeGreaterThan(0);
    expect(new Set(analyses.map((a) => a.status))).toEqual(new Set(['invalid_output']));
    // With no usable verdict, tick 2 buys exactly the coins its signal says to buy (that are not already held).
    const signals = await listSignals(db, { cycleId: fallback.handle.workflowId, limit: 1000 });
    const t2 = Math.max(...signals.map((s) => s.tickTs));
    const orders = await listOrders(db, { cycleId: fallback.handle.workflowId, limit: 1000 });
    const heldAfterTick1 = new Set(orders.filter((o) => o.tickTs < t2 && o.side === 'buy').map((o) => o.symbol));
    const expectedBuys = signals.filter((s) => s.tickTs === t2 && s.action === 'buy' && !heldAfterTick1.has(s.symbol)).map((s) => s.symbol).sort();
    expect(orders.filter((o) => o.tickTs === t2 && o.side === 'buy').map((o) => o.symbol).sort()).toEqual(expectedBuys);
  });
});

/** Waits for tick 1 and for every analysis it asked for to be answered, then lets tick 2 run at once. */
async function runSecondTickAfterVerdicts(handle: CycleHandle): Promise<void> {
  await waitFor('tick 1 and its verdicts', async () => {
    const s = await handle.query(statusQuery);
    return s.tickNo >= 1 && s.ai.pending === 0 ? true : undefined;
  }, 120_000);
  await handle.executeUpdate(updateConfigUpdate, { args: [{ tickPacingMs: 0 }] });
}

describe('the daily AI budget', () => {
  let harness: Harness;
  let fake: FakeAnthropic;

  beforeAll(async () => {
    fake = await startFakeAnthropic();
    harness = await createHarness({ gateway: new SimulatedMarket({ seed: 9, coins: 12 }) });
    await harness.startWorkers();
    // One analysis spends more than the whole day's budget.
    await harness.startAiWorker(new AnthropicAnalyst({ apiKey: 'test-key', model: 'claude-haiku-4-5', maxTokens: 300, promptVersion: 'v1', baseURL: fake.baseURL }), { dailyTokens: 100 });
  });
  afterAll(async () => {
    await harness?.teardown();
    await fake?.close();
  });

  it('stops AI calls once spent, records why, and the cycle says so', async () => {
    fake.setFallback(reply.valid(undefined, { input: 400, output: 80 }));
    const { handle } = await harness.startCycle({ universe: { symbols: null, maxCoins: 12 }, ai: aiOn({ maxCoinsPerTick: 12 }), tickPacingMs: 60_000 });
    const status = await waitFor('AI suspended', async () => {
      const s = await handle.query(statusQuery);
      return s.ai.suspendedUntilMs !== null ? s : undefined;
    });
    expect(status.ai.suspendedUntilMs).toBeGreaterThan(Date.now());
    const analyses = await waitFor('all 12 recorded', async () => {
      const rows = await listAnalyses(harness.database.db, { cycleId: handle.workflowId, limit: 100 });
      return rows.length >= 12 ? rows : undefined;
    });
    expect(fake.requests).toHaveLength(1);
    expect(analyses.filter((a) => a.status === 'ok')).toHaveLength(1);
    expect(analyses.filter((a) => a.status === 'budget_exhausted')).toHaveLength(11);
    await handle.terminate('test done');
  });
});
