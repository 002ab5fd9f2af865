// Records a backtest sweep's workflow history for the replay test: `npx tsx test/replay/record-backtest-sweep.ts v6`.
// Two runs over a synthetic candle folder, one of them refused (so the history holds a failed run next to a finished
// one), on a cycle worker and a backtest worker in this process.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { backtestSweepWorkflowId, backtestTaskQueue } from '../../src/contracts/backtest-types.js';
import type { BacktestSweepInput } from '../../src/contracts/backtest-types.js';
import { taskQueuesFor } from '../../src/contracts/task-queues.js';
import { DEFAULT_FILL_COSTS } from '../../src/domain/fill-model.js';
import { createKeelWorkers } from '../../src/workers/create-workers.js';
import { startBenchStack } from '../../bench/bench-stack.js';
import { writeSyntheticCandleDir } from '../helpers/synthetic-candles.js';

const OUT_DIR = path.resolve('test/replay/histories');
const label = process.argv[2] ?? new Date().toISOString().slice(0, 10);
const prefix = 'recbt-';

const stack = await startBenchStack();
const dir = writeSyntheticCandleDir('keel-record-sweep-', 200);
try {
  const workers = await createKeelWorkers({
    connection: stack.nativeConnection,
    namespace: 'default',
    queues: taskQueuesFor(prefix, 'replay'),
    roles: ['cycle', 'backtest'],
    db: stack.database.db,
    backtest: { taskQueue: backtestTaskQueue(prefix), slots: 1 },
  });
  const runs = workers.map((w) => w.run());
  const sweepId = `recorded-${Date.now().toString(36)}`;
  const run = (n: number, pairs: string[] | null) => ({
    runId: `${sweepId}/${n}`,
    label: `run ${n}`,
    dir,
    timeframe: '1h' as const,
    quote: 'USDT',
    pairs,
    config: { risk: { maxPositionFraction: 0.3 } },
    startingCash: '100000',
    fill: { ...DEFAULT_FILL_COSTS },
  });
  // The second run names a pair the folder does not have: refused by the activity, a failed run in the result.
  const input: BacktestSweepInput = { sweepId, runs: [run(1, null), run(2, ['ZZZ/USDT'])], rankBy: 'totalReturn', taskQueuePrefix: prefix };
  const workflowId = backtestSweepWorkflowId(sweepId);
  const handle = await stack.client.workflow.start('backtestSweep', { workflowId, taskQueue: taskQueuesFor(prefix, 'replay').cycle, args: [input] });
  const result = (await handle.result()) as { ranked: Array<{ status: string }> };
  if (result.ranked.map((r) => r.status).join() !== 'finished,failed') throw new Error(`unexpected sweep result ${JSON.stringify(result)}`);
  for (const w of workers) w.shutdown();
  await Promise.allSettled(runs);

  mkdirSync(OUT_DIR, { recursive: true });
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  const file = path.join(OUT_DIR, `${label}-backtest-sweep.json`);
  writeFileSync(file, `${JSON.stringify({ workflowId, history: JSON.parse(historyToJSON(history)) }, null, 1)}\n`);
  console.log(`wrote ${file} (${history.events?.length ?? 0} events)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
  await stack.close();
}
