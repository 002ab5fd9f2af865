import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { buildApp } from '../src/api/app.js';
import { statusQuery } from '../src/contracts/messages.js';
import { defaultCycleConfig } from '../src/domain/cycle-config.js';
import { SimulatedMarket } from '../src/exchange/simulated-market.js';
import { startOrAttachCycle } from '../src/temporal/cycle-client.js';
import { startBenchStack, startBenchWorkers, type BenchStack } from './bench-stack.js';
import type { Figure } from './figure.js';

/**
 * api_status_p99_ms: the HTTP API under load. A 20-coin cycle ticks on the bench stack (local dev server, database,
 * workers in this process); the API listens on a free port; autocannon, in a child process so the load generator
 * does not share the API's event loop, keeps 50 connections busy for 10 s, alternating GET /v1/cycles/:ex/:name
 * (the status query, through Temporal to the cycle worker) and GET .../positions (PostgreSQL or PGlite).
 *
 *   tsx bench/api-bench.ts [--json] [--paused] [--no-cache]
 *     --paused: the cycle is paused during the load instead of ticking; --no-cache: readCacheMs 0 (every request
 *     queries the workflow or reads the database)
 *
 * `runApiBench(stack)` returns the figures for bench/run.ts.
 */
export interface ApiBenchOptions {
  coins?: number;
  connections?: number;
  durationSeconds?: number;
  /** Keep the cycle ticking during the load (default) or pause it first. */
  tickDuringLoad?: boolean;
  /** The API's read cache (buildApp's readCacheMs); default the API's default, 0 turns it off. */
  readCacheMs?: number;
  log?: (line: string) => void;
}

interface LoadResult {
  p50: number;
  p99: number;
  max: number;
  rps: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

interface LoadRequest {
  url: string;
  token: string;
  paths: string[];
  connections: number;
  durationSeconds: number;
}

const TARGET_P99_MS = 50;

/** Runs autocannon in a child process and returns its summary. */
async function runLoad(request: LoadRequest): Promise<LoadResult> {
  const child = fork(fileURLToPath(import.meta.url), ['--load-child'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise<LoadResult>((resolve, reject) => {
    child.once('message', (message) => resolve(message as LoadResult));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the load generator exited with code ${code} before reporting`)));
    child.send(request);
  });
}

/** The child's side: one autocannon run, summary back over IPC. */
async function loadChild(): Promise<void> {
  const request = await new Promise<LoadRequest>((resolve) => process.once('message', (m) => resolve(m as LoadRequest)));
  const result = await autocannon({
    url: request.url,
    connections: request.connections,
    duration: request.durationSeconds,
    headers: { authorization: `Bearer ${request.token}` },
    requests: request.paths.map((path) => ({ method: 'GET', path })),
  });
  const summary: LoadResult = {
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    rps: result.requests.average,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
  process.send?.(summary, () => process.exit(0));
}

export async function runApiBench(stack?: BenchStack, options: ApiBenchOptions = {}): Promise<Figure[]> {
  const coins = options.coins ?? 20;
  const connections = options.connections ?? 50;
  const durationSeconds = options.durationSeconds ?? 10;
  const tickDuringLoad = options.tickDuringLoad ?? true;
  const log = options.log ?? (() => undefined);
  const ownStack = stack === undefined;
  const bench = stack ?? (await startBenchStack());
  const prefix = 'benchapi-';
  const market = new SimulatedMarket({ seed: 42, coins });
  const stopWorkers = await startBenchWorkers(bench, market, prefix);
  const token = randomBytes(32).toString('hex');
  const app = buildApp({ client: bench.client, namespace: 'default', db: bench.database.db, apiTokens: [token], ...(options.readCacheMs !== undefined && { readCacheMs: options.readCacheMs }) });
  const { handle } = await startOrAttachCycle(
    bench.client,
    defaultCycleConfig({ exchange: 'sim', name: 'benchapi', taskQueuePrefix: prefix, universe: { symbols: null, maxCoins: coins }, tickPacingMs: 1_000, signal: { ...defaultCycleConfig().signal, buyThreshold: 0.01 } }),
  );
  try {
    log(`api: ${coins}-coin cycle ${handle.workflowId}, waiting for 2 ticks`);
    for (;;) {
      const status = await handle.query(statusQuery).catch(() => undefined);
      if (status && status.tickNo >= 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    if (!tickDuringLoad) {
      await handle.signal('pause', 'api bench');
      while ((await handle.query(statusQuery)).phase !== 'paused') await new Promise((r) => setTimeout(r, 100));
    }
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `/v1/cycles/sim/${handle.workflowId.split('/')[2]}`;
    log(`api: ${connections} connections for ${durationSeconds} s against GET ${base} and GET ${base}/positions (cycle ${tickDuringLoad ? 'ticking' : 'paused'})`);
    const result = await runLoad({ url, token, paths: [base, `${base}/positions`], connections, durationSeconds });
    const ticksDuring = (await handle.query(statusQuery)).tickNo;
    log(`api: ${result.requests} requests, ${Math.round(result.rps)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, max ${result.max} ms, ${result.non2xx} non-2xx, ${result.errors} errors`);
    const state = `${tickDuringLoad ? `cycle ticking (tick ${ticksDuring} at the end)` : 'cycle paused'}${options.readCacheMs === 0 ? ', read cache off' : ''}, ${bench.database.kind}`;
    return [
      { name: 'api_status_p99_ms', value: result.p99, unit: 'ms', target: `<= ${TARGET_P99_MS}`, note: `${connections} connections, ${durationSeconds} s, status + positions alternating, ${coins}-coin ${state}` },
      { name: 'api_p50_ms', value: result.p50, unit: 'ms', note: 'same run' },
      { name: 'api_rps', value: Math.round(result.rps), unit: 'req/s', note: `${result.requests} requests in ${durationSeconds} s` },
      { name: 'api_failed_requests', value: result.non2xx + result.errors + result.timeouts, unit: 'requests', target: '= 0', note: 'non-2xx, errors and timeouts' },
    ];
  } finally {
    await app.close();
    await handle.terminate('api bench done').catch(() => undefined);
    await stopWorkers();
    if (ownStack) await bench.close();
  }
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const log = (line: string) => {
    if (!json) process.stderr.write(`${line}\n`);
  };
  const figures = await runApiBench(undefined, {
    log,
    tickDuringLoad: !process.argv.includes('--paused'),
    ...(process.argv.includes('--no-cache') && { readCacheMs: 0 }),
  });
  if (json) {
    console.log(JSON.stringify({ figures: figures.map(({ name, value, unit }) => ({ name, value, unit })) }));
    return;
  }
  for (const f of figures) console.log(`${f.name.padEnd(20)} ${String(f.value).padStart(8)} ${f.unit.padEnd(9)} ${(f.target ?? '').padEnd(7)} ${f.note ?? ''}`);
}

const isEntrypoint = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isEntrypoint && process.argv.includes('--load-child')) {
  loadChild().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else if (isEntrypoint) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
