import { spawn, type ChildProcess } from 'node:child_process';
import { eq } from 'drizzle-orm';
import { candles } from '../src/db/schema/index.js';
import { statusQuery } from '../src/contracts/messages.js';
import { taskQueuesFor } from '../src/contracts/task-queues.js';
import type { CycleStatus } from '../src/contracts/workflow-types.js';
import { createPaperLedger } from '../src/db/queries/paper-ledger.js';
import { defaultCycleConfig, type CycleConfig } from '../src/domain/cycle-config.js';
import { supportedTimeframes } from '../src/exchange/capabilities.js';
import { CcxtGateway } from '../src/exchange/ccxt-gateway.js';
import { PaperBroker } from '../src/exchange/paper-broker.js';
import { startOrAttachCycle, type CycleHandle } from '../src/temporal/cycle-client.js';
import { createKeelWorkers, type WorkerRole } from '../src/workers/create-workers.js';
import { startFakeExchange, type FakeExchange, type FakeExchangeId } from '../test/helpers/fake-exchange/index.js';
import { startBenchStack, type BenchStack } from './bench-stack.js';
import type { Figure } from './figure.js';

/**
 * The exchange budget benchmark (issue 3): 100 coins on the loopback fake exchange (real ccxt classes) answering after
 * 50 ms, with a budget of 15 requests/s (KEEL_EXCHANGE_RPS: the exchange queue's server-side
 * maxTaskQueueActivitiesPerSecond, and ccxt's own limiter set to match).
 *
 * - budget_efficiency: a steady tick's time divided by its bound, the exchange calls the fake saw during the tick
 *   divided by the budget. 1.0 means the tick took exactly as long as the budget forces; target <= 1.15.
 * - peak_request_rate_2x2: the most requests the fake saw in any one-second window while two cycle-worker and two
 *   exchange-worker processes (separate processes, one shared budget; each replica's ccxt limiter takes half) ran the
 *   same kind of cycle; target <= 15.
 *   Separate processes share the database, so this figure needs PostgreSQL (DATABASE_URL).
 */
export interface ExchangeBenchOptions {
  /** A running stack to reuse (bench/run.ts); otherwise one is started and stopped here. */
  stack?: BenchStack;
  log?: (line: string) => void;
  exchange?: FakeExchangeId;
  coins?: number;
  requestsPerSecond?: number;
  latencyMs?: number;
  /** Ticks per scenario: the first loads the warm-up window, the rest are steady. */
  ticks?: number;
}

const HOUR_MS = 3_600_000;

export async function runExchangeBench(options: ExchangeBenchOptions = {}): Promise<Figure[]> {
  const log = options.log ?? (() => undefined);
  const exchange = options.exchange ?? 'binance';
  const coins = options.coins ?? 100;
  const rps = options.requestsPerSecond ?? 15;
  const latencyMs = options.latencyMs ?? 50;
  const ticks = options.ticks ?? 3;
  const stack = options.stack ?? (await startBenchStack());
  const figures: Figure[] = [];
  try {
    figures.push(await budgetEfficiency(stack, { exchange, coins, rps, latencyMs, ticks, log }));
    const peak = await peakRate2x2(stack, { exchange, coins, rps, latencyMs, ticks, log });
    if (peak !== null) figures.push(peak);
  } finally {
    if (options.stack === undefined) await stack.close();
  }
  return figures;
}

interface Scenario {
  exchange: FakeExchangeId;
  coins: number;
  rps: number;
  latencyMs: number;
  ticks: number;
  log: (line: string) => void;
}

async function startFake(scenario: Scenario): Promise<FakeExchange> {
  // A few more coins listed than traded; candles up to the current hour, deep enough for the warm-up window.
  const fake = await startFakeExchange({ exchange: scenario.exchange, coins: scenario.coins + 10, nowMs: Math.floor(Date.now() / HOUR_MS) * HOUR_MS, historyMs: 10 * 24 * HOUR_MS });
  fake.faults.set({ latencyMs: scenario.latencyMs });
  return fake;
}

function cycleConfig(name: string, prefix: string, fake: FakeExchange, scenario: Scenario): CycleConfig {
  return defaultCycleConfig({
    exchange: scenario.exchange,
    name,
    quote: 'USDT',
    taskQueuePrefix: prefix,
    universe: { symbols: null, maxCoins: scenario.coins },
    clock: 'market',
    marketStartMs: fake.nowMs - (scenario.ticks - 1) * HOUR_MS,
    tickPacingMs: 0,
    maxTicks: scenario.ticks,
  });
}

/** Polls the status and snapshots the fake's request count whenever a tick completes. */
async function observeTicks(handle: CycleHandle, fake: FakeExchange, ticks: number, log: (line: string) => void, pollMs = 25): Promise<Array<{ status: CycleStatus; requests: number }>> {
  const seen: Array<{ status: CycleStatus; requests: number }> = [];
  let last = 0;
  while (seen.length < ticks) {
    const status = await handle.query(statusQuery).catch(() => undefined);
    if (status && status.tickNo > last) {
      last = status.tickNo;
      seen.push({ status, requests: fake.counters.total });
      log(`  tick ${status.tickNo}: ${status.lastTick!.coins} coins, ${status.lastTick!.durationMs} ms, ${fake.counters.total} requests so far, ${status.lastTick!.ordersFilled} orders`);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return seen;
}

async function budgetEfficiency(stack: BenchStack, scenario: Scenario): Promise<Figure> {
  const { exchange, rps } = scenario;
  const prefix = `benchx${Date.now().toString(36)}-`;
  const fake = await startFake(scenario);
  const gateway = new CcxtGateway({ exchangeId: exchange, baseUrl: fake.baseUrl, rateLimitPerSecond: rps });
  const workers = await createKeelWorkers({
    connection: stack.nativeConnection,
    namespace: 'default',
    queues: taskQueuesFor(prefix, exchange),
    roles: ['cycle', 'exchange', 'db'],
    db: stack.database.db,
    gateway,
    broker: new PaperBroker({ gateway, ledger: createPaperLedger(stack.database.db) }),
    exchangeRequestsPerSecond: rps,
    requestBudget: { supportedTimeframes: supportedTimeframes(exchange) },
  });
  const runs = workers.map((w) => w.run());
  try {
    scenario.log(`budget_efficiency: ${scenario.coins} coins on the fake ${exchange}, ${scenario.latencyMs} ms latency, ${rps} requests/s, workers in this process`);
    const { handle } = await startOrAttachCycle(stack.client, cycleConfig(`benchx${Date.now().toString(36)}`, prefix, fake, scenario));
    const seen = await observeTicks(handle, fake, scenario.ticks, scenario.log);
    await handle.result();
    const steady = seen.slice(1).map((tick, i) => {
      const calls = tick.requests - seen[i]!.requests;
      const boundMs = (calls / rps) * 1000;
      return { durationMs: tick.status.lastTick!.durationMs, calls, boundMs };
    });
    const durationMs = steady.reduce((sum, t) => sum + t.durationMs, 0);
    const boundMs = steady.reduce((sum, t) => sum + t.boundMs, 0);
    const ratio = Math.round((durationMs / boundMs) * 100) / 100;
    const perTick = steady.map((t) => `${t.calls} calls in ${t.durationMs} ms (bound ${Math.round(t.boundMs)} ms)`).join('; ');
    return { name: 'budget_efficiency', value: ratio, unit: 'ratio', target: '<= 1.15', note: `steady ticks 2-${scenario.ticks}: ${perTick}` };
  } finally {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    await Promise.allSettled(runs);
    await gateway.close();
    await fake.close();
  }
}

async function peakRate2x2(stack: BenchStack, scenario: Scenario): Promise<Figure | null> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    scenario.log('peak_request_rate_2x2 skipped: separate worker processes share PostgreSQL (set DATABASE_URL)');
    return null;
  }
  const { exchange, rps } = scenario;
  const prefix = `benchp${Date.now().toString(36)}-`;
  // The first scenario stored these candles already; without them every coin is synced again, as it should be here.
  await stack.database.db.delete(candles).where(eq(candles.exchange, exchange));
  const fake = await startFake(scenario);
  const children: ChildProcess[] = [];
  const spawnPool = (role: WorkerRole): Promise<void> => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/worker-process.ts'], {
      env: {
        ...process.env,
        DATABASE_URL: url,
        KEEL_TEST_TEMPORAL_ADDRESS: stack.server.address,
        KEEL_TEST_PREFIX: prefix,
        KEEL_TEST_ROLES: role,
        KEEL_TEST_EXCHANGE: exchange,
        KEEL_TEST_EXCHANGE_BASE_URL: fake.baseUrl,
        KEEL_TEST_EXCHANGE_RPS: String(rps),
        KEEL_TEST_EXCHANGE_REPLICAS: '2',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    return new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('worker-process ready')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`${role} worker process exited early with code ${code}`)));
    });
  };
  try {
    // The db pool is a process of its own too: its indicator math would stall this process's event loop, where the fake
    // exchange timestamps the requests it counts.
    scenario.log(`peak_request_rate_2x2: 2 cycle-worker and 2 exchange-worker processes (and a db-worker process), ${rps} requests/s shared`);
    await Promise.all([spawnPool('cycle'), spawnPool('cycle'), spawnPool('exchange'), spawnPool('exchange'), spawnPool('db')]);
    fake.counters.reset();
    const { handle } = await startOrAttachCycle(stack.client, cycleConfig(`benchp${Date.now().toString(36)}`, prefix, fake, scenario));
    const seen = await observeTicks(handle, fake, scenario.ticks, scenario.log, 200);
    await handle.result();
    const steadyMs = seen.slice(1).reduce((sum, t) => sum + t.status.lastTick!.durationMs, 0) / Math.max(1, seen.length - 1);
    return {
      name: 'peak_request_rate_2x2',
      value: fake.counters.maxRequestsPerSecond,
      unit: 'requests/s',
      target: `<= ${rps}`,
      note: `most requests in any one second at the fake over ${scenario.ticks} ticks (${fake.counters.total} requests); steady tick ${Math.round(steadyMs)} ms`,
    };
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((child) => (child.exitCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', resolve)))));
    await fake.close();
  }
}

// `npx tsx bench/exchange-bench.ts`: these two figures alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  runExchangeBench({ log: (line) => process.stderr.write(`${line}\n`) }).then(
    (figures) => {
      for (const f of figures) console.log(`${f.name.padEnd(24)} ${String(f.value).padStart(6)} ${f.unit.padEnd(11)} target ${f.target ?? '-'}  ${f.note ?? ''}`);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
