import { statusQuery } from '../src/contracts/messages.js';
import type { CycleStatus } from '../src/contracts/workflow-types.js';
import { defaultCycleConfig, type CycleConfig } from '../src/domain/cycle-config.js';
import { SimulatedMarket } from '../src/exchange/simulated-market.js';
import { startOrAttachCycle, type CycleHandle } from '../src/temporal/cycle-client.js';
import { resetWorkflowBundleCache } from '../src/workers/workflow-bundle.js';
import { startBenchStack, startBenchWorkers, type BenchStack } from './bench-stack.js';
import { AnthropicAnalyst } from '../src/ai/anthropic-analyst.js';
import { DEFAULT_AI_CONFIG } from '../src/domain/ai-policy.js';
import { taskQueuesFor } from '../src/contracts/task-queues.js';
import { createAiWorker } from '../src/workers/create-ai-worker.js';
import { reply, startFakeAnthropic } from '../test/helpers/fake-anthropic.js';
import { runApiBench } from './api-bench.js';
import { runExchangeBench } from './exchange-bench.js';
import { runBacktestBench } from './backtest-bench.js';
import { runDevBench, processCpuSeconds } from './dev-bench.js';
import { median, type Figure } from './figure.js';

/**
 * `npm run bench`: keel's tick figures on this machine, zero-latency simulated market, local dev server,
 * workers in this process, PostgreSQL when DATABASE_URL is set, else embedded PGlite. Prints a table;
 * `--json` prints {"figures":[{name,value,unit}]}. Nothing here asserts: the figures are for reading.
 */
const HOUR_MS = 3_600_000;
/** Ticks per cycle scenario: tick 1 loads the warm-up window, the rest are the steady state measured. */
const TICKS = 5;
const json = process.argv.includes('--json');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const log = (line: string) => {
  if (!json) process.stderr.write(`${line}\n`);
};

let rssPeakMb = 0;
const rssSampler = setInterval(() => {
  rssPeakMb = Math.max(rssPeakMb, process.memoryUsage().rss / 1_048_576);
}, 200);

interface TickObservation {
  status: CycleStatus;
  calls: { tickers: number; ohlcv: number };
  /** CPU seconds used so far by this process (the workers) and by the dev server. */
  cpu: { workerS: number; serverS: number };
}

function cpuNow(stack: BenchStack): TickObservation['cpu'] {
  const { user, system } = process.cpuUsage();
  return { workerS: (user + system) / 1e6, serverS: processCpuSeconds(stack.server.process.pid) };
}

/** Resident memory and where it is: V8 heaps of this thread, buffers outside them (PGlite's WebAssembly memory among them). */
function memoryLine(): string {
  (globalThis as { gc?: () => void }).gc?.(); // with node --expose-gc: what is live, not what awaits collection
  const m = process.memoryUsage();
  const mb = (bytes: number) => Math.round(bytes / 1_048_576);
  return `rss ${mb(m.rss)} MB (heap ${mb(m.heapUsed)}/${mb(m.heapTotal)}, external ${mb(m.external)}, array buffers ${mb(m.arrayBuffers)})`;
}

/** Polls the status query and snapshots the market's call counters whenever a tick completes. */
async function observeTicks(stack: BenchStack, handle: CycleHandle, market: SimulatedMarket, ticks: number): Promise<TickObservation[]> {
  const seen: TickObservation[] = [];
  let last = 0;
  while (seen.length < ticks) {
    const status = await handle.query(statusQuery).catch(() => undefined);
    if (status && status.tickNo > last) {
      last = status.tickNo;
      seen.push({ status, calls: { tickers: market.calls.tickers, ohlcv: market.calls.ohlcv }, cpu: cpuNow(stack) });
      log(`  tick ${status.tickNo}: ${status.lastTick!.coins} coins, ${status.lastTick!.durationMs} ms, ${status.lastTick!.buys} buys ${status.lastTick!.sells} sells, ${memoryLine()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return seen;
}

function cycleConfig(name: string, coins: number, prefix: string, overrides: Partial<CycleConfig> = {}): CycleConfig {
  return defaultCycleConfig({ exchange: 'sim', name, taskQueuePrefix: prefix, universe: { symbols: null, maxCoins: coins }, tickPacingMs: 1_500, ...overrides });
}

async function historyEventsPerCoinTick(stack: BenchStack, handle: CycleHandle, status: CycleStatus, coins: number): Promise<number> {
  const tickTs = status.lastTick!.tickTs;
  const symbol = 'BTC/USDT';
  const child = await stack.client.workflow.getHandle(`${handle.workflowId}/${tickTs}/${symbol}`).fetchHistory();
  // The parent's share: its events for one tick's run divided by the coins of that tick.
  let parentEvents = 0;
  for await (const wf of stack.client.workflow.list({ query: `WorkflowId = "${handle.workflowId}"` })) {
    const history = await stack.client.workflow.getHandle(handle.workflowId, wf.runId).fetchHistory();
    if ((history.events?.length ?? 0) > parentEvents) {
      parentEvents = history.events?.length ?? 0;
      const byType = new Map<string, number>();
      for (const e of history.events ?? []) byType.set(String(e.eventType), (byType.get(String(e.eventType)) ?? 0) + 1);
      log(`  parent run ${wf.runId}: ${parentEvents} events ${JSON.stringify(Object.fromEntries(byType))}`);
    }
  }
  return (child.events?.length ?? 0) + parentEvents / coins;
}

async function scenario(stack: BenchStack, coins: number, figures: Figure[]): Promise<void> {
  const prefix = `bench${coins}-`;
  const market = new SimulatedMarket({ seed: 42, coins });
  const stopWorkers = await startBenchWorkers(stack, market, prefix);
  log(`${coins} coins: tick 1 loads the warm-up window, ticks 2-${TICKS} are steady state`);
  const { handle } = await startOrAttachCycle(stack.client, cycleConfig(`bench${coins}`, coins, prefix, { maxTicks: TICKS }));
  const ticks = await observeTicks(stack, handle, market, TICKS);
  const steady = ticks.slice(1).map((t) => t.status.lastTick!.durationMs);
  figures.push({ name: `tick_ms_${coins}`, value: Math.round(median(steady)), unit: 'ms', target: coins === 250 ? '<= 2500' : coins === 1000 ? '<= 10000' : undefined, note: `median of steady ticks 2-${TICKS}` });
  const [firstSteady, lastSteady] = [ticks[0]!.cpu, ticks.at(-1)!.cpu];
  const perTick = (a: number, b: number) => Math.round(((b - a) / (ticks.length - 1)) * 100) / 100;
  figures.push({ name: `tick_cpu_s_worker_${coins}`, value: perTick(firstSteady.workerS, lastSteady.workerS), unit: 's', note: 'CPU seconds per steady tick: the worker process (all roles, database included)' });
  figures.push({ name: `tick_cpu_s_server_${coins}`, value: perTick(firstSteady.serverS, lastSteady.serverS), unit: 's', note: 'CPU seconds per steady tick: the Temporal dev server' });
  figures.push({ name: `first_tick_ms_${coins}`, value: ticks[0]!.status.lastTick!.durationMs, unit: 'ms', note: 'tick 1, warm-up sync of 100 candles per coin' });
  if (coins !== 250) {
    await stopWorkers();
    return;
  }
  const [t1, t2] = [ticks[0]!, ticks[1]!];
  // Market-data calls of one steady tick; the paper broker's price check per order is reported apart.
  const orders = t2.status.lastTick!.ordersFilled;
  figures.push({ name: 'exchange_calls_per_tick_250', value: t2.calls.tickers - t1.calls.tickers - orders + (t2.calls.ohlcv - t1.calls.ohlcv), unit: 'calls', target: '= 251', note: 'one tickers call + one OHLCV call per coin' });
  figures.push({ name: 'paper_price_checks_tick2_250', value: orders, unit: 'calls', note: 'one ticker per paper order' });
  figures.push({ name: 'history_events_per_coin_tick', value: Math.round((await historyEventsPerCoinTick(stack, handle, t2.status, coins)) * 10) / 10, unit: 'events', note: 'coin child history + parent events / coins' });
  await handle.result();
  // The worker's figure is its peak while it serves the 250-coin cycle. The restart below starts a second set of
  // workers and bundles again in this same process, which a real restart (a new process) never holds at once with
  // the first set: its peak is reported apart.
  const cyclePeakRssMb = rssPeakMb;
  await stopWorkers();

  // Restart: fresh workers and market (as after a crash), candles already stored; time to the first completed tick.
  resetWorkflowBundleCache();
  const restartStartedAt = Date.now();
  const restartedMarket = new SimulatedMarket({ seed: 42, coins });
  const stopRestarted = await startBenchWorkers(stack, restartedMarket, `${prefix}r-`);
  log(`restart: workers (bundle included) ready after ${Date.now() - restartStartedAt} ms, rss ${Math.round(process.memoryUsage().rss / 1_048_576)} MB`);
  const lastTickTs = ticks.at(-1)!.status.lastTick!.tickTs;
  const restarted = await startOrAttachCycle(stack.client, cycleConfig('bench250r', coins, `${prefix}r-`, { maxTicks: 1, marketStartMs: lastTickTs + HOUR_MS }));
  await restarted.handle.result();
  log(`restart: first tick done after ${Date.now() - restartStartedAt} ms, rss ${Math.round(process.memoryUsage().rss / 1_048_576)} MB`);
  figures.push({ name: 'restart_first_tick_ms_250', value: Date.now() - restartStartedAt, unit: 'ms', target: '<= 5000', note: `new workers + bundle + first tick; ${restartedMarket.calls.ohlcvCandles} candles fetched for ${coins} coins` });
  await stopRestarted();
  figures.push({ name: 'worker_rss_mb_250', value: Math.round(cyclePeakRssMb), unit: 'MB', target: '<= 1024', note: 'peak RSS of the all-in-one worker process over the 250-coin cycle (database included on PGlite)' });
  figures.push({ name: 'bench_rss_mb_250_with_restart', value: Math.round(rssPeakMb), unit: 'MB', note: 'peak RSS including the in-process restart (two sets of workers and bundles)' });
}

/**
 * ai_tick_ratio: steady 250-coin tick time with AI on 10 coins (2 s per model call, one slot) divided by the same
 * tick with AI off. Each cycle starts at its own market time so both pay the same warm-up and sync costs.
 */
async function aiScenario(stack: BenchStack, figures: Figure[]): Promise<void> {
  const coins = 250;
  const fake = await startFakeAnthropic();
  fake.setFallback(reply.slow(2_000));
  const prefix = 'benchai-';
  const market = new SimulatedMarket({ seed: 42, coins });
  const stopWorkers = await startBenchWorkers(stack, market, prefix);
  const aiWorker = await createAiWorker({
    connection: stack.nativeConnection,
    namespace: 'default',
    queues: taskQueuesFor(prefix, 'sim'),
    analyst: new AnthropicAnalyst({ apiKey: 'bench', model: 'claude-haiku-4-5', maxTokens: 300, promptVersion: 'v1', baseURL: fake.baseURL }),
    db: stack.database.db,
    budget: {},
  });
  const aiRun = aiWorker.run();
  const steadyMs = async (name: string, startMs: number, aiOn: boolean): Promise<number> => {
    const ai = { ...DEFAULT_AI_CONFIG, enabled: aiOn, minAbsScore: 0, maxCoinsPerTick: 10 };
    const { handle } = await startOrAttachCycle(stack.client, cycleConfig(name, coins, prefix, { maxTicks: 3, marketStartMs: startMs, ai }));
    log(`${name}: AI ${aiOn ? 'on for 10 coins at 2 s per call' : 'off'}`);
    const ticks = await observeTicks(stack, handle, market, 3);
    const steady = ticks.slice(1).map((t) => t.status.lastTick!.durationMs);
    return steady.reduce((a, b) => a + b, 0) / steady.length;
  };
  const dayMs = 86_400_000;
  const offMs = await steadyMs('benchaioff', Date.UTC(2024, 0, 20), false);
  const onMs = await steadyMs('benchaion', Date.UTC(2024, 0, 20) + 5 * dayMs, true);
  figures.push({ name: 'ai_tick_ratio', value: Math.round((onMs / offMs) * 100) / 100, unit: 'ratio', target: '<= 1.10', note: `steady tick ${Math.round(onMs)} ms with AI vs ${Math.round(offMs)} ms without; ${fake.requests.length} model calls, max ${fake.maxInFlight} in flight` });
  aiWorker.shutdown();
  await aiRun.catch(() => undefined);
  await stopWorkers();
  await fake.close();
}

async function main(): Promise<void> {
  const figures: Figure[] = [];
  // The backtester needs no Temporal and no database: measured on its own when asked for alone.
  if (only === 'dev') {
    figures.push(...(await runDevBench({ log })));
    clearInterval(rssSampler);
    printFigures(figures, process.env.DATABASE_URL ? 'postgresql' : 'pglite');
    return;
  }
  if (only === 'backtest') {
    figures.push(...(await runBacktestBench({ log })));
    clearInterval(rssSampler);
    printFigures(figures, 'none');
    return;
  }
  const stack = await startBenchStack();
  try {
    log(`database: ${stack.database.kind}`);
    if (!only || only === '250') await scenario(stack, 250, figures);
    if (!only || only === '1000') await scenario(stack, 1000, figures);
    if (!only || only === 'ai') await aiScenario(stack, figures);
    if (!only || only === 'api') figures.push(...(await runApiBench(stack, { log })));
    if (!only || only === 'exchange') figures.push(...(await runExchangeBench()));
    if (!only || only === 'dev') figures.push(...(await runDevBench({ log })));
    if (!only) figures.push(...(await runBacktestBench({ log })));
  } finally {
    clearInterval(rssSampler);
    await stack.close();
  }
  printFigures(figures, stack.database.kind);
}

function printFigures(figures: Figure[], database: string): void {
  if (json) {
    console.log(JSON.stringify({ figures: figures.map(({ name, value, unit }) => ({ name, value, unit })) }));
    return;
  }
  const rows = figures.map((f) => [f.name, String(f.value), f.unit, f.target ?? '', f.note ?? '']);
  const header = ['figure', 'value', 'unit', 'target', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(`\nkeel bench (database: ${database}, ${new Date().toISOString()})`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
