import { rmSync } from 'node:fs';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runBacktestCli } from '../../../src/cli/backtest.js';
import type { SweepTarget } from '../../../src/cli/backtest-sweep.js';
import { backtestTaskQueue } from '../../../src/contracts/backtest-types.js';
import type { BacktestSweepResult } from '../../../src/contracts/backtest-types.js';
import { listBacktestRuns } from '../../../src/db/queries/backtest-runs.js';
import { ReplayMarket } from '../../../src/exchange/replay-market.js';
import { createKeelWorkers } from '../../../src/workers/create-workers.js';
import { createHarness, type Harness } from '../../helpers/keel-harness.js';
import { writeSyntheticCandleDir } from '../../helpers/synthetic-candles.js';

const settings = { KEEL_REPLAY_DIR: undefined, KEEL_TIMEFRAME: '1h', KEEL_QUOTE: 'USDT', KEEL_PAPER_CASH: '100000', KEEL_PAPER_FEE_RATE: 0.001, KEEL_PAPER_SLIPPAGE_BPS: 5, KEEL_COINS: 250 };

async function cli(args: string[], target: SweepTarget) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runBacktestCli(args, settings, { out: (t) => out.push(t), err: (t) => err.push(t) }, target);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('backtest sweeps on the backtest workers', () => {
  let dir: string;
  let harness: Harness;
  let target: SweepTarget;
  const backtestWorkers: Worker[] = [];
  const running: Promise<void>[] = [];
  const connections: NativeConnection[] = [];

  beforeAll(async () => {
    dir = writeSyntheticCandleDir('keel-sweep-', 300);
    harness = await createHarness({ gateway: new ReplayMarket({ dir }) });
    await harness.startWorkers(['cycle']);
    // Two backtest workers on one queue, one slot each, each with its own connection, as two replicas would be.
    for (let i = 0; i < 2; i++) {
      const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
      connections.push(connection);
      const [worker] = await createKeelWorkers({
        connection,
        namespace: 'default',
        queues: harness.queues,
        roles: ['backtest'],
        db: harness.database.db,
        backtest: { taskQueue: backtestTaskQueue(harness.prefix), slots: 1 },
      });
      backtestWorkers.push(worker!);
      running.push(worker!.run());
    }
    target = { client: harness.client, namespace: 'default', taskQueuePrefix: harness.prefix, webUiUrl: 'http://localhost:8233' };
  });

  afterAll(async () => {
    for (const worker of backtestWorkers) if (worker.getState() === 'RUNNING') worker.shutdown();
    await Promise.allSettled(running);
    for (const connection of connections) await connection.close();
    await harness?.teardown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a 2x2 sweep across both workers, stores 4 runs and ranks them by their stored metrics', async () => {
    // Sample both workers while the sweep runs: each must have had a run in flight at some point.
    const busy = [false, false];
    const sampler = setInterval(() => backtestWorkers.forEach((w, i) => (busy[i] ||= w.getStatus().numInFlightActivities > 0)), 20);
    const result = await cli(['--replay-dir', dir, '--json', '--sweep', 'risk.maxPositionFraction=0.1,0.3', '--sweep', 'risk.maxOpenPositions=1,10', '--rank-by', 'totalReturn'], target).finally(() => clearInterval(sampler));
    expect(result.err).toContain('4 runs on the keel-backtest workers');
    expect(result.code, result.err).toBe(0);
    expect(busy).toEqual([true, true]);

    const sweep = JSON.parse(result.out) as BacktestSweepResult;
    expect(sweep.rankBy).toBe('totalReturn');
    expect(sweep.ranked.map((r) => r.label).sort()).toEqual([
      'risk.maxPositionFraction=0.1 risk.maxOpenPositions=1',
      'risk.maxPositionFraction=0.1 risk.maxOpenPositions=10',
      'risk.maxPositionFraction=0.3 risk.maxOpenPositions=1',
      'risk.maxPositionFraction=0.3 risk.maxOpenPositions=10',
    ]);
    const stored = await listBacktestRuns(harness.database.db, { limit: 10, sweepId: sweep.sweepId });
    expect(stored.map((r) => r.id)).toEqual([1, 2, 3, 4].map((n) => `${sweep.sweepId}/${n}`));
    expect(stored.every((r) => r.status === 'finished')).toBe(true);
    // The ranking agrees with what each run stored, best first.
    const storedById = new Map(stored.map((r) => [r.id, r]));
    for (const ranked of sweep.ranked) {
      const run = storedById.get(ranked.runId)!;
      expect(ranked.value).toBe(run.metrics!.totalReturn);
      expect(ranked.fingerprint).toBe(run.fingerprint);
      expect(ranked.label).toBe(run.label);
    }
    const values = sweep.ranked.map((r) => r.value!);
    expect(values).toEqual([...values].sort((a, b) => b - a));
    expect(new Set(sweep.ranked.map((r) => r.fingerprint)).size).toBeGreaterThan(1);

    // A run of the sweep is the run `keel backtest` makes in-process with the same settings: same orders.
    const single = await cli(['--replay-dir', dir, '--json', '--no-progress', '--config', 'risk.maxPositionFraction=0.3', '--config', 'risk.maxOpenPositions=10'], target);
    expect(single.code, single.err).toBe(0);
    const fingerprint = (JSON.parse(single.out) as { metrics: { fingerprint: string } }).metrics.fingerprint;
    expect(sweep.ranked.find((r) => r.label === 'risk.maxPositionFraction=0.3 risk.maxOpenPositions=10')!.fingerprint).toBe(fingerprint);
  });

  it('refuses a combination with an invalid value before anything starts, naming the key', async () => {
    // No Temporal client: starting the sweep would throw, not return 2.
    const result = await cli(['--replay-dir', dir, '--sweep', 'risk.maxPositionFraction=0.1,7', '--sweep', 'risk.maxOpenPositions=1,10'], { ...target, client: undefined as never });
    expect(result.code).toBe(2);
    expect(result.err).toContain('--sweep risk.maxPositionFraction=7 risk.maxOpenPositions=1: ');
    expect(result.err).toContain('risk.maxPositionFraction');
    expect(await listBacktestRuns(harness.database.db, { limit: 100 })).toHaveLength(4);
  });
});
