// Records workflow histories for the replay test: `npm run record-histories`. Run it after an intentional workflow
// change (guarded by patched()), and commit the new files next to the old ones: old histories must keep replaying.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { SimulatedMarket } from '../../src/exchange/simulated-market.js';
import { defaultCycleConfig } from '../../src/domain/cycle-config.js';
import { startOrAttachCycle } from '../../src/temporal/cycle-client.js';
import { startBenchStack, startBenchWorkers } from '../../bench/bench-stack.js';
import { DEFAULT_AI_CONFIG } from '../../src/domain/ai-policy.js';
import { AnthropicAnalyst } from '../../src/ai/anthropic-analyst.js';
import { taskQueuesFor } from '../../src/contracts/task-queues.js';
import { createAiWorker } from '../../src/workers/create-ai-worker.js';
import { startFakeAnthropic } from '../helpers/fake-anthropic.js';
import { pauseSignal, resumeSignal, statusQuery, updateConfigUpdate } from '../../src/contracts/messages.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const OUT_DIR = path.resolve('test/replay/histories');
const label = process.argv[2] ?? new Date().toISOString().slice(0, 10);

const stack = await startBenchStack();
const fakeModel = await startFakeAnthropic();
try {
  const market = new SimulatedMarket({ seed: 11, coins: 12 });
  const stop = await startBenchWorkers(stack, market, 'rec-');
  // AI on for a few coins, answered by the loopback fake, so the recording covers the aiAnalysis path too.
  const aiWorker = await createAiWorker({
    connection: stack.nativeConnection,
    namespace: 'default',
    queues: taskQueuesFor('rec-', 'sim'),
    analyst: new AnthropicAnalyst({ apiKey: 'record', model: 'claude-haiku-4-5', maxTokens: 300, promptVersion: 'v1', baseURL: fakeModel.baseURL }),
    db: stack.database.db,
    budget: {},
  });
  const aiRun = aiWorker.run();
  const config = defaultCycleConfig({
    exchange: 'sim',
    name: 'recorded',
    taskQueuePrefix: 'rec-',
    tickPacingMs: 3_000,
    maxTicks: 3,
    universe: { symbols: null, maxCoins: 12 },
    risk: { maxPositionFraction: 0.02, maxOpenPositions: 100, minOrderNotional: 1, cooldownTicks: 1 },
    ai: { ...DEFAULT_AI_CONFIG, enabled: true, minAbsScore: 0, maxCoinsPerTick: 3 },
  });
  const { handle } = await startOrAttachCycle(stack.client, config);
  // Operator messages between ticks, so the histories cover the handlers too: an accepted update that the exchange
  // validates (a new universe), one it refuses (an unknown symbol), one that re-plans the wait, and pause/resume.
  const latest = stack.client.workflow.getHandle(handle.workflowId);
  while ((await latest.query(statusQuery)).tickNo < 1) await sleep(100);
  await latest.executeUpdate(updateConfigUpdate, { args: [{ universe: { maxCoins: 10 } }] });
  const refused = await latest.executeUpdate(updateConfigUpdate, { args: [{ universe: { symbols: ['NOPE/USDT'] } }] }).then(
    () => 'accepted',
    (error: unknown) => (error as Error).message,
  );
  if (refused === 'accepted') throw new Error('the unknown symbol was accepted: the recording would not cover a refused update');
  await latest.executeUpdate(updateConfigUpdate, { args: [{ tickPacingMs: 2_500 }] });
  await latest.signal(pauseSignal, 'recording a pause');
  while ((await latest.query(statusQuery)).phase !== 'paused') await sleep(100);
  await latest.signal(resumeSignal);
  await handle.result();
  await stop();
  aiWorker.shutdown();
  await aiRun;

  mkdirSync(OUT_DIR, { recursive: true });
  const save = async (kind: string, workflowId: string, runId?: string) => {
    const history = await stack.client.workflow.getHandle(workflowId, runId).fetchHistory();
    const file = path.join(OUT_DIR, `${label}-${kind}.json`);
    writeFileSync(file, `${JSON.stringify({ workflowId, history: JSON.parse(historyToJSON(history)) }, null, 1)}\n`);
    console.log(`wrote ${file} (${history.events?.length ?? 0} events)`);
  };
  let run = 0;
  for await (const wf of stack.client.workflow.list({ query: `WorkflowId = "${handle.workflowId}"` })) await save(`market-cycle-run${++run}`, handle.workflowId, wf.runId);
  for await (const wf of stack.client.workflow.list({ query: `WorkflowType = "coinCycle"` })) {
    await save('coin-cycle', wf.workflowId);
    break;
  }
  for await (const wf of stack.client.workflow.list({ query: `WorkflowType = "orderExecution"` })) {
    await save('order-execution', wf.workflowId);
    break;
  }
  for await (const wf of stack.client.workflow.list({ query: `WorkflowType = "aiAnalysis"` })) {
    await save('ai-analysis', wf.workflowId);
    break;
  }
} finally {
  await fakeModel.close();
  await stack.close();
}
