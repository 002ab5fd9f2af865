import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createDatabase, type KeelDatabase } from '../src/db/client.js';
import { createScratchDatabase } from '../test/helpers/fresh-db.js';
import { createPaperLedger } from '../src/db/queries/paper-ledger.js';
import type { ExchangeGateway } from '../src/exchange/port.js';
import { PaperBroker } from '../src/exchange/paper-broker.js';
import { taskQueuesFor } from '../src/contracts/task-queues.js';
import { createKeelWorkers } from '../src/workers/create-workers.js';
import { installTemporalRuntime } from '../src/workers/temporal-runtime.js';
import { createLogger } from '../src/observability/logger.js';
import { findTemporalCli } from '../src/temporal/temporal-cli.js';
import { startDevServer, type DevServer } from '../src/temporal/dev-server.js';

/** What the benchmark runs on: a local dev server, the database, and keel's workers in this process. */
export interface BenchStack {
  server: DevServer;
  client: Client;
  nativeConnection: NativeConnection;
  database: KeelDatabase;
  close(): Promise<void>;
}

export async function startBenchStack(): Promise<BenchStack> {
  installTemporalRuntime(createLogger('error'), 'ERROR');
  const cliPath = findTemporalCli(process.env.TEMPORAL_CLI_PATH);
  if (!cliPath) throw new Error('the benchmark needs the Temporal CLI: run `bash .ci/run` once or set TEMPORAL_CLI_PATH');
  const server = await startDevServer({ cliPath });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  // On PostgreSQL, a throw-away database per run: candles left by an earlier run would make syncs free and the
  // figures wrong.
  const scratch = process.env.DATABASE_URL ? await createScratchDatabase() : undefined;
  // Else PGlite in a fresh folder, as `npm start` keeps it (an in-memory PGlite holds its whole data directory in memory).
  const pgliteDir = scratch ? undefined : mkdtempSync(path.join(tmpdir(), 'keel-bench-pglite-'));
  const database = await createDatabase(scratch ? { url: scratch.url } : { dataDir: pgliteDir });
  return {
    server,
    client,
    nativeConnection,
    database,
    async close() {
      await nativeConnection.close();
      await connection.close();
      await database.close();
      await scratch?.drop();
      if (pgliteDir) rmSync(pgliteDir, { recursive: true, force: true });
      await server.stop();
    },
  };
}

/** Starts cycle, exchange and db workers for `gateway` on queues with `prefix`; returns a stop function. */
export async function startBenchWorkers(stack: BenchStack, gateway: ExchangeGateway, prefix: string): Promise<() => Promise<void>> {
  const broker = new PaperBroker({ gateway, ledger: createPaperLedger(stack.database.db) });
  const workers = await createKeelWorkers({
    connection: stack.nativeConnection,
    namespace: 'default',
    queues: taskQueuesFor(prefix, gateway.exchangeId),
    roles: ['cycle', 'exchange', 'db'],
    db: stack.database.db,
    gateway,
    broker,
  });
  const runs = workers.map((w) => w.run());
  return async () => {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    await Promise.allSettled(runs);
  };
}
