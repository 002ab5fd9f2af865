// A keel worker process for crash tests: all three roles over PostgreSQL and a seeded simulated market.
// The test kills it with SIGKILL mid-tick, the way a real process dies.
import { NativeConnection } from '@temporalio/worker';
import { createDatabase } from '../../src/db/client.js';
import { createPaperLedger } from '../../src/db/queries/paper-ledger.js';
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
const gateway = new SimulatedMarket({ seed: Number(env('KEEL_TEST_SEED')), coins: Number(env('KEEL_TEST_COINS')), latencyMs: Number(process.env.KEEL_TEST_LATENCY_MS ?? 0) });
const connection = await NativeConnection.connect({ address: env('KEEL_TEST_TEMPORAL_ADDRESS') });
const workers = await createKeelWorkers({
  connection,
  namespace: 'default',
  queues: taskQueuesFor(env('KEEL_TEST_PREFIX'), 'sim'),
  // KEEL_TEST_ROLES=cycle or =exchange runs a single-pool process, as production deploys them.
  roles: (process.env.KEEL_TEST_ROLES ?? 'cycle,exchange,db').split(',') as WorkerRole[],
  db: database.db,
  gateway,
  broker: new PaperBroker({ gateway, ledger: createPaperLedger(database.db) }),
});
const runs = workers.map((w) => w.run());
console.log('worker-process ready');
await Promise.all(runs);
