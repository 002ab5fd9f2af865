// Records the histories of keel's fault paths for the replay test: `npx tsx test/replay/record-fault-histories.ts v5`.
// record-histories.ts records a cycle on a healthy market; this one records what only faults take:
// - an order of unknown fate (its placement reply lost, the order hidden from look-ups for a while), held in doubt by
//   client order id, then found and adopted by reconciliation, on the loopback fake Kraken through the live broker;
// - an order child already completed in an earlier run (order-fate-v2), settled by the paper ledger's answer;
// - a paused cycle continuing as new when Temporal suggests it (a server that suggests it early), and a config update
//   taken under the update lock.
// Needs ../shared/data (the fake exchange's recorded replies) and the Temporal CLI.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { pauseSignal, resumeSignal, statusQuery, updateConfigUpdate } from '../../src/contracts/messages.js';
import { taskQueuesFor } from '../../src/contracts/task-queues.js';
import { cycleWorkflowId, orderWorkflowId } from '../../src/contracts/workflow-ids.js';
import { clientOrderIdFor } from '../../src/domain/business-key.js';
import { orderExecution } from '../../src/workflows/order-execution.js';
import { createDatabase } from '../../src/db/client.js';
import { reserveLiveNotional } from '../../src/db/queries/live-reservations.js';
import { createPaperLedger } from '../../src/db/queries/paper-ledger.js';
import { defaultCycleConfig } from '../../src/domain/cycle-config.js';
import { supportedTimeframes } from '../../src/exchange/capabilities.js';
import { CcxtGateway } from '../../src/exchange/ccxt-gateway.js';
import { LiveBroker } from '../../src/exchange/live-broker.js';
import { PaperBroker } from '../../src/exchange/paper-broker.js';
import { SimulatedMarket } from '../../src/exchange/simulated-market.js';
import { createLogger } from '../../src/observability/logger.js';
import { startOrAttachCycle } from '../../src/temporal/cycle-client.js';
import { startDevServer } from '../../src/temporal/dev-server.js';
import { findTemporalCli } from '../../src/temporal/temporal-cli.js';
import { createKeelWorkers, type WorkerPlan } from '../../src/workers/create-workers.js';
import { installTemporalRuntime } from '../../src/workers/temporal-runtime.js';
import { DEFAULT_FAKE_NOW_MS, startFakeExchange } from '../helpers/fake-exchange/index.js';

const HOUR_MS = 3_600_000;
const OUT_DIR = path.resolve('test/replay/histories');
const label = process.argv[2] ?? new Date().toISOString().slice(0, 10);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

installTemporalRuntime(createLogger('error'), 'ERROR');
const cliPath = findTemporalCli(process.env.TEMPORAL_CLI_PATH);
if (!cliPath) throw new Error('recording needs the Temporal CLI: set TEMPORAL_CLI_PATH');
const server = await startDevServer({ cliPath, dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 60 } });
const nativeConnection = await NativeConnection.connect({ address: server.address });
const connection = await Connection.connect({ address: server.address });
const client = new Client({ connection });
const database = await createDatabase({});
const fake = await startFakeExchange({ exchange: 'kraken', coins: 12, nowMs: DEFAULT_FAKE_NOW_MS, historyMs: 4 * 24 * HOUR_MS });
const gateway = new CcxtGateway({ exchangeId: 'kraken', baseUrl: fake.baseUrl, apiKey: 'record-key', secret: 'cmVjb3JkLXNlY3JldA==', timeoutMs: 1_000, rateLimitPerSecond: 1_000 });

async function save(kind: string, workflowId: string, runId?: string): Promise<void> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const file = path.join(OUT_DIR, `${label}-${kind}.json`);
  writeFileSync(file, `${JSON.stringify({ workflowId, history: JSON.parse(historyToJSON(history)) }, null, 1)}\n`);
  console.log(`wrote ${file} (${history.events?.length ?? 0} events)`);
}

async function saveRuns(kind: string, handle: WorkflowHandle): Promise<void> {
  let run = 0;
  const runs: string[] = [];
  for await (const wf of client.workflow.list({ query: `WorkflowId = "${handle.workflowId}"` })) runs.push(wf.runId);
  // Oldest first, so run1 is the cycle's first run.
  for (const runId of runs.reverse()) await save(`${kind}-run${++run}`, handle.workflowId, runId);
}

/** Cycle, exchange and db workers on `prefix`'s queues, with what the market needs; returns a stop function. */
async function startWorkers(prefix: string, extras: Pick<WorkerPlan, 'gateway' | 'broker'> & Partial<WorkerPlan>) {
  const exchange = extras.gateway!.exchangeId;
  const workers = await createKeelWorkers({ connection: nativeConnection, namespace: 'default', queues: taskQueuesFor(prefix, exchange), roles: ['cycle', 'exchange', 'db'], db: database.db, ...extras });
  const runs = workers.map((w) => w.run());
  return async () => {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    await Promise.allSettled(runs);
  };
}

try {
  mkdirSync(OUT_DIR, { recursive: true });

  // 1. An order of unknown fate, found and adopted.
  const broker = new LiveBroker({ exchange: gateway, maxOrderNotional: 1_000_000, maxDailyNotional: 10_000_000, reserveNotional: (request) => reserveLiveNotional(database.db, { accountKey: 'cycle/kraken/', ...request }) });
  const stopLive = await startWorkers('recf-', {
    gateway,
    broker,
    accountReader: gateway,
    requestBudget: { supportedTimeframes: supportedTimeframes('kraken') },
    exchangeRequestsPerSecond: 200,
  });
  fake.book.hideNewOrdersForMs(5_000);
  fake.faults.set({ loseFirstOrderResponses: 1 });
  const live = await startOrAttachCycle(
    client,
    defaultCycleConfig({
      exchange: 'kraken',
      name: 'recorded-fault',
      quote: 'USDT',
      taskQueuePrefix: 'recf-',
      maxTicks: 5,
      tickPacingMs: 2_000,
      marketStartMs: DEFAULT_FAKE_NOW_MS - HOUR_MS,
      warmupCandles: 40,
      universe: { symbols: null, maxCoins: 3 },
      signal: { ...defaultCycleConfig().signal, buyThreshold: 0.001, sellThreshold: 1 },
      risk: { maxPositionFraction: 0.6, maxOpenPositions: 1, minOrderNotional: 1, cooldownTicks: 1 },
    }),
  );
  const liveFinal = await live.handle.result();
  if (liveFinal.orderDoubts.length > 0 || fake.faultsInjected.lose !== 1) throw new Error(`the fault recording did not settle its order: ${JSON.stringify(liveFinal.orderDoubts)}`);
  await stopLive();
  await saveRuns('fault-market-cycle', live.handle);
  for await (const wf of client.workflow.list({ query: `WorkflowType = "orderExecution" AND ExecutionStatus = "Completed"` })) {
    await save('fault-order-execution', wf.workflowId);
    break;
  }

  // 2. Paused long enough to continue as new, then a config update under the lock, then resumed to the end.
  const market = new SimulatedMarket({ seed: 13, coins: 3 });
  const stopSim = await startWorkers('recp-', { gateway: market, broker: new PaperBroker({ gateway: market, ledger: createPaperLedger(database.db) }) });
  const pausedConfig = defaultCycleConfig({
    exchange: 'sim',
    name: 'recorded-pause',
    taskQueuePrefix: 'recp-',
    maxTicks: 2,
    ticksPerRun: 50,
    tickPacingMs: 1_000,
    warmupCandles: 40,
    universe: { symbols: null, maxCoins: 3 },
    signal: { ...defaultCycleConfig().signal, buyThreshold: 0.001 },
  });
  // The first tick's buy children already ran (as after a crash that redid the tick): the cycle meets an order child
  // that completed in an earlier run, so its order's fate is unknown (order-fate-v2) until the ledger answers.
  const cycleId = cycleWorkflowId('sim', pausedConfig.name);
  for (const symbol of await market.listSymbols('USDT')) {
    const clientOrderId = clientOrderIdFor({ cycleId, tickTs: pausedConfig.marketStartMs, symbol, side: 'buy' });
    await client.workflow.execute(orderExecution, {
      workflowId: orderWorkflowId(cycleId, pausedConfig.marketStartMs, symbol, 'buy'),
      taskQueue: taskQueuesFor('recp-', 'sim').cycle,
      args: [{ cycleId, exchange: 'sim', account: `${cycleId}/elsewhere`, quote: 'USDT', tickTs: pausedConfig.marketStartMs, clientOrderId, intent: { symbol, side: 'buy', type: 'market', amount: '0', price: '1', reason: 'an earlier run' }, fillTimeoutMs: 1_000, taskQueuePrefix: 'recp-' }],
    });
  }
  const paused = await startOrAttachCycle(client, pausedConfig);
  const latest = () => client.workflow.getHandle(paused.handle.workflowId);
  await latest().signal(pauseSignal, 'recording a long pause');
  while ((await latest().query(statusQuery)).phase !== 'paused') await sleep(100);
  const firstRun = (await latest().describe()).runId;
  while ((await latest().describe()).runId === firstRun) await latest().signal(pauseSignal, 'again');
  await latest().executeUpdate(updateConfigUpdate, { args: [{ tickPacingMs: 1_500 }] });
  await latest().signal(resumeSignal);
  await paused.handle.result();
  await stopSim();
  await saveRuns('paused-market-cycle', paused.handle);
} finally {
  await gateway.close();
  await fake.close();
  await nativeConnection.close();
  await connection.close();
  await database.close();
  await server.stop();
}
