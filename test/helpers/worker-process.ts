// A keel worker process for crash tests, worker-pool tests and benchmarks: the given roles over PostgreSQL and either a
// seeded simulated market or (KEEL_TEST_EXCHANGE=kraken|coinbase|binance) a ccxt exchange at KEEL_TEST_EXCHANGE_BASE_URL
// (the loopback fake), paper trading. Tests kill it with SIGKILL mid-tick, the way a real process dies.
import { NativeConnection } from '@temporalio/worker';
import { createDatabase } from '../../src/db/client.js';
import { createPaperLedger } from '../../src/db/queries/paper-ledger.js';
import { supportedTimeframes } from '../../src/exchange/capabilities.js';
import { createCcxtGateway } from '../../src/exchange/create-gateway.js';
import type { ExchangeGateway } from '../../src/exchange/port.js';
import { PaperBroker } from '../../src/exchange/paper-broker.js';
import { SimulatedMarket } from '../../src/exchange/simulated-market.js';
import { taskQueuesFor } from '../../src/contracts/task-queues.js';
import { createKeelWorkers, type WorkerRole } from '../../src/workers/create-workers.js';
import { installTemporalRuntime } from '../../src/workers/temporal-runtime.js';
import { createLogger } from '../../src/observability/logger.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`worker-process needs ${name}`);
  return value;
};

installTemporalRuntime(createLogger('error'), 'ERROR');
const database = await createDatabase({ url: env('DATABASE_URL') });
const exchangeId = process.env.KEEL_TEST_EXCHANGE;
/** The exchange queue's server-side budget; ccxt's own limiter takes this replica's share (as src/workers/adapters.ts). */
const rps = process.env.KEEL_TEST_EXCHANGE_RPS === undefined ? undefined : Number(process.env.KEEL_TEST_EXCHANGE_RPS);
const gateway: ExchangeGateway =
  exchangeId === undefined
    ? new SimulatedMarket({ seed: Number(env('KEEL_TEST_SEED')), coins: Number(env('KEEL_TEST_COINS')), latencyMs: Number(process.env.KEEL_TEST_LATENCY_MS ?? 0) })
    : await createCcxtGateway({ exchangeId, baseUrl: env('KEEL_TEST_EXCHANGE_BASE_URL'), ...(rps !== undefined && { rateLimitPerSecond: rps / Number(process.env.KEEL_TEST_EXCHANGE_REPLICAS ?? 1) }) });
const connection = await NativeConnection.connect({ address: env('KEEL_TEST_TEMPORAL_ADDRESS') });
const workers = await createKeelWorkers({
  connection,
  namespace: 'default',
  queues: taskQueuesFor(env('KEEL_TEST_PREFIX'), gateway.exchangeId),
  // KEEL_TEST_ROLES=cycle or =exchange runs a single-pool process, as production deploys them.
  roles: (process.env.KEEL_TEST_ROLES ?? 'cycle,exchange,db').split(',') as WorkerRole[],
  db: database.db,
  gateway,
  broker: new PaperBroker({ gateway, ledger: createPaperLedger(database.db) }),
  ...(rps !== undefined && { exchangeRequestsPerSecond: rps }),
  ...(exchangeId !== undefined && rps !== undefined && { requestBudget: { supportedTimeframes: supportedTimeframes(exchangeId) } }),
});
const runs = workers.map((w) => w.run());
console.log('worker-process ready');
await Promise.all(runs);
