import { spawn, type ChildProcess } from 'node:child_process';
import { inject } from 'vitest';
import type { Harness } from './keel-harness.js';

export interface WorkerProcessOptions {
  seed: number;
  coins: number;
  /** Comma-separated roles (cycle, exchange, db); all three when omitted. */
  roles?: string;
  latencyMs?: number;
}

/**
 * Starts keel's workers in a separate OS process (test/helpers/worker-process.ts) on the harness's task queues and
 * PostgreSQL database, resolving once they poll. Tests kill it with SIGKILL to imitate a crash.
 */
export async function spawnWorkerProcess(harness: Harness, options: WorkerProcessOptions): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/worker-process.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: harness.database.url,
      KEEL_TEST_TEMPORAL_ADDRESS: inject('temporalAddress'),
      KEEL_TEST_PREFIX: harness.prefix,
      KEEL_TEST_SEED: String(options.seed),
      KEEL_TEST_COINS: String(options.coins),
      KEEL_TEST_LATENCY_MS: String(options.latencyMs ?? 0),
      ...(options.roles !== undefined && { KEEL_TEST_ROLES: options.roles }),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('worker-process ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker process exited early with code ${code}`)));
  });
  return child;
}
