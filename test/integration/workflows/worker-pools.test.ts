import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedMarket } from '../../../src/exchange/simulated-market.js';
import { createHarness, type Harness } from '../../helpers/keel-harness.js';
import { spawnWorkerProcess } from '../../helpers/spawn-worker-process.js';

const COINS = 40;
const SEED = 31;
const usingPostgres = Boolean(process.env.DATABASE_URL);

if (!usingPostgres) console.warn('skipping the worker-pool test: worker processes share PostgreSQL (set DATABASE_URL; .ci/run does)');

describe.skipIf(!usingPostgres)('scalable worker pools', () => {
  let harness: Harness;
  const children: ChildProcess[] = [];

  async function spawnPool(role: 'cycle' | 'exchange'): Promise<void> {
    children.push(await spawnWorkerProcess(harness, { seed: SEED, coins: COINS, roles: role, latencyMs: 20 }));
  }

  beforeAll(async () => {
    harness = await createHarness({ gateway: new SimulatedMarket({ seed: SEED, coins: COINS }) });
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGTERM');
    await harness?.teardown();
  });

  it('two cycle-worker and two exchange-worker processes share one cycle, and each of them does some of the work', async () => {
    await Promise.all([spawnPool('cycle'), spawnPool('cycle'), spawnPool('exchange'), spawnPool('exchange')]);
    await harness.startWorkers(['db']); // the db pool, in this process
    const { handle } = await harness.startCycle({ maxTicks: 1, universe: { symbols: null, maxCoins: COINS } });
    const final = await handle.result();
    expect(final.lastTick!.evaluated).toBe(COINS);

    // Every history event says which worker (pid@host) took the task.
    const workflowWorkers = new Set<string>();
    const exchangeWorkers = new Set<string>();
    for await (const wf of harness.client.workflow.list({ query: `WorkflowType = "coinCycle" AND KeelMarket = "${final.config.name}"` })) {
      const history = await harness.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      const scheduled = new Map<string, string>();
      for (const event of history.events ?? []) {
        const id = String(event.eventId);
        if (event.workflowTaskStartedEventAttributes?.identity) workflowWorkers.add(event.workflowTaskStartedEventAttributes.identity);
        if (event.activityTaskScheduledEventAttributes) scheduled.set(id, event.activityTaskScheduledEventAttributes.activityType?.name ?? '');
        const started = event.activityTaskStartedEventAttributes;
        if (started?.identity && scheduled.get(String(started.scheduledEventId)) === 'syncAndEvaluateCoin') exchangeWorkers.add(started.identity);
      }
    }
    const pids = (ids: Set<string>) => new Set([...ids].map((i) => i.split('@')[0]));
    const childPids = new Set(children.map((c) => String(c.pid)));
    expect([...pids(workflowWorkers)].filter((p) => childPids.has(p!))).toHaveLength(2);
    expect([...pids(exchangeWorkers)].filter((p) => childPids.has(p!))).toHaveLength(2);
    expect(pids(exchangeWorkers).size).toBe(2); // no exchange call ran anywhere else
  });
});
