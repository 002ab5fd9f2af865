import { Worker, type NativeConnection } from '@temporalio/worker';
import { createBacktestActivities, createDbActivities, createExchangeActivities } from '../activities/index.js';
import type { TaskQueues } from '../contracts/task-queues.js';
import type { Database } from '../db/client.js';
import type { AccountReader, ExchangeGateway, MarketRules, OrderBroker } from '../exchange/port.js';
import { marketRulesOf } from '../exchange/port.js';
import type { Timeframe } from '../domain/market-types.js';
import { meterAccountReader, meterBroker, meterGateway, meterMarketRules } from '../observability/metered-exchange.js';
import type { KeelMetrics } from '../observability/metrics.js';
import { workflowBundle } from './workflow-bundle.js';

export type WorkerRole = 'cycle' | 'exchange' | 'db' | 'backtest';

export interface WorkerPlan {
  connection: NativeConnection;
  namespace: string;
  queues: TaskQueues;
  roles: WorkerRole[];
  /** Needed by exchange and db workers. */
  db?: Database;
  gateway?: ExchangeGateway;
  broker?: OrderBroker;
  /**
   * The exchange's request budget for the whole task queue, enforced by the Temporal server across every replica.
   * Every exchange worker must send the same value (the last poller's value wins).
   */
  exchangeRequestsPerSecond?: number;
  /** keel's metrics registry: the exchange ports are metered and the activities record into it. */
  metrics?: KeelMetrics;
  /** Symbol and timeframe rules for config checks; default: the gateway's own, if it has them (ccxt). */
  marketRules?: MarketRules;
  /** Live account reads for reconciliation (the ccxt gateway with keys); not needed with the paper broker. */
  accountReader?: AccountReader;
  /**
   * Plan the request budget at config time against `exchangeRequestsPerSecond` (ccxt exchanges), with the timeframes
   * the exchange serves. Absent: no budget is planned (sim, replay).
   */
  requestBudget?: { supportedTimeframes?: Timeframe[] };
  /** Needed by a backtest worker (with db): its queue (backtestTaskQueue(prefix)), slots, and KEEL_REPLAY_DIR. */
  backtest?: BacktestWorkerPlan;
}

export interface BacktestWorkerPlan {
  taskQueue: string;
  /** Backtests run at once in this process (KEEL_BACKTEST_SLOTS): each keeps a core busy for minutes. */
  slots: number;
  /** The folder of runs that name none. */
  replayDir?: string;
}

/** One Worker per task queue this process serves. */
export async function createKeelWorkers(plan: WorkerPlan): Promise<Worker[]> {
  const base = { connection: plan.connection, namespace: plan.namespace };
  const workers: Worker[] = [];
  for (const role of plan.roles) {
    if (role === 'cycle') {
      workers.push(
        await Worker.create({
          ...base,
          taskQueue: plan.queues.cycle,
          workflowBundle: await workflowBundle(),
          maxConcurrentWorkflowTaskExecutions: 100,
          maxCachedWorkflows: 1000,
          workflowThreadPoolSize: Number(process.env.KEEL_WORKFLOW_THREADS ?? 1),
          // Pollers stay parked between ticks. Autoscaling let the server shrink them to the minimum once a poll had
          // waited a second, so a tick's first few hundred tasks went to the persisted backlog and were read back.
          workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: 40 },
          enableNonLocalActivities: false,
        }),
      );
    } else if (role === 'exchange') {
      if (!plan.gateway || !plan.broker || !plan.db) throw new Error('an exchange worker needs a database, an exchange gateway and an order broker');
      const { metrics } = plan;
      const gateway = metrics ? meterGateway(plan.gateway, metrics) : plan.gateway;
      const broker = metrics ? meterBroker(plan.broker, metrics, plan.gateway.exchangeId) : plan.broker;
      const rules = plan.marketRules ?? marketRulesOf(plan.gateway);
      const marketRules = rules && metrics ? meterMarketRules(rules, metrics, plan.gateway.exchangeId) : rules;
      const accountReader = plan.accountReader && metrics ? meterAccountReader(plan.accountReader, metrics, plan.gateway.exchangeId) : plan.accountReader;
      if (plan.requestBudget !== undefined && plan.exchangeRequestsPerSecond === undefined) {
        throw new Error('planning the request budget needs exchangeRequestsPerSecond (the server-side budget of the exchange queue)');
      }
      const requestBudget = plan.requestBudget === undefined ? undefined : { ...plan.requestBudget, requestsPerSecond: plan.exchangeRequestsPerSecond! };
      workers.push(
        await Worker.create({
          ...base,
          taskQueue: plan.queues.exchange,
          activities: createExchangeActivities({ gateway, broker, db: plan.db, metrics, marketRules, accountReader, requestBudget }),
          maxConcurrentActivityTaskExecutions: 100,
          activityTaskPollerBehavior: { type: 'simple-maximum', maximum: 40 }, // parked, as the cycle queue's
          ...(plan.exchangeRequestsPerSecond !== undefined && { maxTaskQueueActivitiesPerSecond: plan.exchangeRequestsPerSecond }),
        }),
      );
    } else if (role === 'backtest') {
      if (!plan.db || !plan.backtest) throw new Error('a backtest worker needs a database and its plan (task queue, slots)');
      const { taskQueue, slots, replayDir } = plan.backtest;
      workers.push(
        await Worker.create({
          ...base,
          taskQueue,
          activities: createBacktestActivities({ db: plan.db, ...(replayDir !== undefined && { replayDir }) }),
          // Few slots, and no more pollers than slots: a poll could only hold a run no slot can start, while another
          // replica with a free slot waits for work.
          maxConcurrentActivityTaskExecutions: slots,
          activityTaskPollerBehavior: { type: 'simple-maximum', maximum: slots },
        }),
      );
    } else {
      if (!plan.db) throw new Error('a db worker needs a database');
      workers.push(
        await Worker.create({
          ...base,
          taskQueue: plan.queues.db,
          activities: createDbActivities({ db: plan.db, metrics: plan.metrics }),
          // A little above the connection pool size: queries queue in the pool rather than in Temporal.
          maxConcurrentActivityTaskExecutions: 40,
          activityTaskPollerBehavior: { type: 'simple-maximum', maximum: 20 }, // parked, as the cycle queue's
        }),
      );
    }
  }
  return workers;
}
