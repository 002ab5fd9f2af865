import { inject } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { defaultCycleConfig, type CycleConfig } from '../../src/domain/cycle-config.js';
import { taskQueuesFor, type TaskQueues } from '../../src/contracts/task-queues.js';
import { createPaperLedger } from '../../src/db/queries/paper-ledger.js';
import type { ExchangeGateway } from '../../src/exchange/port.js';
import { PaperBroker } from '../../src/exchange/paper-broker.js';
import { createKeelWorkers, type WorkerPlan, type WorkerRole } from '../../src/workers/create-workers.js';
import type { OrderBroker } from '../../src/exchange/port.js';
import { installTemporalRuntime } from '../../src/workers/temporal-runtime.js';
import { startOrAttachCycle } from '../../src/temporal/cycle-client.js';
import { createLogger } from '../../src/observability/logger.js';
import { freshDatabase } from './fresh-db.js';
import { createAiWorker } from '../../src/workers/create-ai-worker.js';
import type { MarketAnalyst } from '../../src/ai/port.js';
import type { AiBudget } from '../../src/activities/ai-activities.js';
import type { KeelMetrics } from '../../src/observability/metrics.js';
import { BUSY_SIGNAL } from './busy-signal.js';

export interface Harness {
  client: Client;
  nativeConnection: NativeConnection;
  database: Awaited<ReturnType<typeof freshDatabase>>;
  gateway: ExchangeGateway;
  broker: PaperBroker;
  prefix: string;
  queues: TaskQueues;
  /**
   * Starts workers for the roles (default all three) and returns a stop function; `metrics` as production wires it;
   * `exchange` overrides the broker (default the harness's paper broker) and adds what a ccxt market brings.
   */
  startWorkers(roles?: WorkerRole[], gateway?: ExchangeGateway, metrics?: KeelMetrics, exchange?: ExchangeExtras): Promise<RunningWorkers>;
  /** Starts the one-slot AI worker with the given analyst. */
  startAiWorker(analyst: MarketAnalyst, budget?: AiBudget): Promise<RunningWorkers>;
  cycleConfig(overrides?: Partial<CycleConfig>): CycleConfig;
  startCycle(overrides?: Partial<CycleConfig>): ReturnType<typeof startOrAttachCycle>;
  teardown(): Promise<void>;
}

/** What an exchange worker of a ccxt market gets besides the gateway (see src/workers/adapters.ts). */
export interface ExchangeExtras extends Partial<Pick<WorkerPlan, 'marketRules' | 'accountReader' | 'requestBudget' | 'exchangeRequestsPerSecond'>> {
  broker?: OrderBroker;
}

export interface RunningWorkers {
  workers: Worker[];
  stop(): Promise<void>;
}

/**
 * Real components for one test file: the shared Temporal dev server, a fresh database (PostgreSQL or PGlite),
 * the given market, the paper broker over the real ledger, and keel's workers on task queues unique to the file.
 */
export async function createHarness(options: { gateway: ExchangeGateway; /** Another Temporal server than the shared one. */ temporalAddress?: string }): Promise<Harness> {
  installTemporalRuntime(createLogger(process.env.KEEL_TEST_LOG_LEVEL ?? 'error'), 'ERROR');
  const address = options.temporalAddress ?? inject('temporalAddress');
  const nativeConnection = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const database = await freshDatabase();
  const prefix = `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}-`;
  const queues = taskQueuesFor(prefix, options.gateway.exchangeId);
  const broker = new PaperBroker({ gateway: options.gateway, ledger: createPaperLedger(database.db) });
  const running: RunningWorkers[] = [];

  const harness: Harness = {
    client,
    nativeConnection,
    database,
    gateway: options.gateway,
    broker,
    prefix,
    queues,
    async startWorkers(roles = ['cycle', 'exchange', 'db'], gateway = options.gateway, metrics?: KeelMetrics, exchange: ExchangeExtras = {}) {
      const { broker: brokerOverride, ...extras } = exchange;
      const workerBroker = brokerOverride ?? (gateway === options.gateway ? broker : new PaperBroker({ gateway, ledger: createPaperLedger(database.db) }));
      const workers = await createKeelWorkers({ connection: nativeConnection, namespace: 'default', queues, roles, db: database.db, gateway, broker: workerBroker, metrics, ...extras });
      const runs = workers.map((w) => w.run());
      const handle: RunningWorkers = {
        workers,
        async stop() {
          for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
          await Promise.allSettled(runs);
        },
      };
      running.push(handle);
      return handle;
    },
    async startAiWorker(analyst, budget = {}) {
      const worker = await createAiWorker({ connection: nativeConnection, namespace: 'default', queues, analyst, db: database.db, budget });
      const run = worker.run();
      const handle: RunningWorkers = {
        workers: [worker],
        async stop() {
          if (worker.getState() === 'RUNNING') worker.shutdown();
          await run.catch(() => undefined);
        },
      };
      running.push(handle);
      return handle;
    },
    cycleConfig(overrides = {}) {
      // BUSY_SIGNAL: tests of the cycle's mechanics need orders within a few ticks.
      return defaultCycleConfig({ exchange: options.gateway.exchangeId, name: `c${Math.random().toString(36).slice(2, 8)}`, tickPacingMs: 0, taskQueuePrefix: prefix, signal: BUSY_SIGNAL, ...overrides });
    },
    startCycle(overrides = {}) {
      return startOrAttachCycle(client, harness.cycleConfig(overrides));
    },
    async teardown() {
      for (const r of running) await r.stop();
      await nativeConnection.close();
      await connection.close();
      await database.dispose();
    },
  };
  return harness;
}

/** Polls until `check` returns a value (not undefined) or the timeout passes. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 120_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Risk limits that leave room for every buy signal (no position cap, tiny minimum order), so the orders a tick places
 * are decided by the signal thresholds alone. Lower the fraction when many coins must share the cash.
 */
export function roomForEveryBuy(maxPositionFraction = 0.01): CycleConfig['risk'] {
  return { maxPositionFraction, maxOpenPositions: 1000, minOrderNotional: 1, cooldownTicks: 1 };
}
