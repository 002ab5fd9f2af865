import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { SimulatedMarket } from '../../../src/exchange/simulated-market.js';
import { listOrders } from '../../../src/db/queries/orders.js';
import { createKeelMetrics, type KeelMetrics } from '../../../src/observability/metrics.js';
import type { OpsServer } from '../../../src/observability/ops-server.js';
import { startProcessOps } from '../../../src/workers/ops.js';
import { installTemporalRuntimeWithMetrics } from '../../../src/workers/temporal-runtime.js';
import { createHarness, waitFor, type Harness, type RunningWorkers, roomForEveryBuy } from '../../helpers/keel-harness.js';

const COINS = 8;
const WARMUP = 100;

/** Prometheus text exposition → value by series (`name{label="value",...}` exactly as exposed). */
function parseExposition(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    series.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return series;
}

/** The value of the one series of `name` whose labels include all of `labels` (prom-client and Core order labels differently). */
function valueOf(series: Map<string, number>, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const matches = [...series.entries()].filter(([key]) => {
    const base = key.split('{')[0];
    return base === name && wanted.every((pair) => key.includes(pair));
  });
  if (matches.length > 1) throw new Error(`${matches.length} series of ${name} match ${JSON.stringify(labels)}: ${matches.map(([k]) => k).join(', ')}`);
  return matches[0]?.[1];
}

describe('metrics, health and structured logs of a worker process after one tick (real Temporal, real database)', () => {
  const logLines: Array<Record<string, unknown>> = [];
  let harness: Harness;
  let market: SimulatedMarket;
  let metrics: KeelMetrics;
  let running: RunningWorkers;
  let ops: OpsServer | null;
  let sdkMetricsUrl: string | null;

  beforeAll(async () => {
    // As the entrypoints do, before any connection: the runtime with the SDK's Prometheus exporter, logs into pino.
    const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) });
    sdkMetricsUrl = await installTemporalRuntimeWithMetrics(logger, 'INFO');
    market = new SimulatedMarket({ seed: 7, coins: COINS });
    harness = await createHarness({ gateway: market });
    metrics = createKeelMetrics({ processMetrics: true });
    running = await harness.startWorkers(['cycle', 'exchange', 'db'], market, metrics);
    ops = await startProcessOps({
      port: 0,
      host: '127.0.0.1',
      logger,
      metrics,
      sdkMetricsUrl,
      workers: () => running.workers,
      db: harness.database.db,
      whenPortTaken: 'fail',
    });
  });
  afterAll(async () => {
    await ops?.close();
    await harness?.teardown();
  });

  const get = async (path: string) => {
    const response = await fetch(`${ops!.url}${path}`);
    return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text() };
  };

  it('is live, and ready once every worker runs and the database answers', async () => {
    expect(sdkMetricsUrl, 'the runtime must be installed with the SDK exporter by this file, before any other install').toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect((await get('/healthz')).status).toBe(200);
    const ready = await waitFor('readiness', async () => {
      const r = await get('/readyz');
      return r.status === 200 ? r : undefined;
    }, 30_000);
    const report = JSON.parse(ready.text) as { ready: boolean; workers: Array<{ taskQueue: string; state: string }>; checks: Record<string, string> };
    expect(report.ready).toBe(true);
    expect(report.workers.map((w) => w.taskQueue).sort()).toEqual([harness.queues.cycle, harness.queues.db, harness.queues.exchange].sort());
    expect(report.checks).toEqual({ database: 'ok' });
  });

  it('exposes keel\'s series and the SDK\'s worker metrics after one tick', async () => {
    const { handle } = await harness.startCycle({
      maxTicks: 1,
      warmupCandles: WARMUP,
      universe: { symbols: null, maxCoins: COINS },
      risk: roomForEveryBuy(),
    });
    const final = await handle.result();
    expect(final.lastTick).toMatchObject({ evaluated: COINS, failed: 0 });
    const cycle = handle.workflowId;
    const orders = await listOrders(harness.database.db, { cycleId: cycle, limit: 1000 });

    const response = await get('/metrics');
    expect(response.status).toBe(200);
    expect(response.type).toContain('text/plain');
    const series = parseExposition(response.text);
    for (const name of ['keel_tick_duration_seconds', 'keel_tick_coins', 'keel_exchange_calls_total', 'keel_db_rows_written_total', 'keel_ai_calls_total', 'keel_ai_tokens_total', 'keel_ai_cost_usd_total', 'keel_orders_total']) {
      expect(response.text, name).toContain(`# HELP ${name} `);
    }

    // Tick: one observation for the cycle, its duration within reason, the coins of its universe.
    expect(valueOf(series, 'keel_tick_duration_seconds_count', { cycle })).toBe(1);
    const seconds = valueOf(series, 'keel_tick_duration_seconds_sum', { cycle })!;
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(240);
    expect(valueOf(series, 'keel_tick_coins', { cycle })).toBe(COINS);

    // Exchange calls through the metered ports: one OHLCV call per coin, one bulk tickers call, one placement per order.
    expect(valueOf(series, 'keel_exchange_calls_total', { exchange: 'sim', method: 'fetchOhlcv', outcome: 'ok' })).toBe(COINS);
    expect(valueOf(series, 'keel_exchange_calls_total', { exchange: 'sim', method: 'fetchTickers', outcome: 'ok' })).toBe(1);
    expect(market.calls.ohlcv).toBe(COINS);
    expect(valueOf(series, 'keel_exchange_call_duration_seconds_count', { exchange: 'sim', method: 'fetchOhlcv' })).toBe(COINS);

    // Rows: every warm-up candle once, the tick row, a signal per coin.
    expect(valueOf(series, 'keel_db_rows_written_total', { table: 'candles' })).toBe(COINS * WARMUP);
    expect(valueOf(series, 'keel_db_rows_written_total', { table: 'ticks' })).toBe(1);
    expect(valueOf(series, 'keel_db_rows_written_total', { table: 'signals' })).toBe(COINS);

    // Orders by status and side, as recorded.
    expect(orders.length, 'the seeded market should produce buys on the first tick').toBeGreaterThan(0);
    expect(valueOf(series, 'keel_exchange_calls_total', { exchange: 'sim', method: 'placeOrder', outcome: 'ok' })).toBe(orders.length);
    expect(valueOf(series, 'keel_db_rows_written_total', { table: 'orders' })).toBe(orders.length);
    for (const o of orders) expect(o.status).toBe('closed');
    expect(valueOf(series, 'keel_orders_total', { status: 'closed', side: 'buy' })).toBe(orders.length);

    // Node process metrics (RSS is one of the tracked benchmark figures).
    expect(valueOf(series, 'process_resident_memory_bytes')).toBeGreaterThan(0);

    // The Temporal SDK's own series, from the Core runtime, on the same endpoint.
    expect(response.text).not.toContain('Temporal SDK metrics unavailable');
    const sdkNames = new Set([...series.keys()].map((k) => k.split('{')[0]!).filter((n) => n.startsWith('temporal_')));
    expect(sdkNames).toContain('temporal_worker_task_slots_available');
    expect(sdkNames).toContain('temporal_workflow_completed');
    expect(sdkNames).toContain('temporal_activity_execution_latency_count');
    expect(valueOf(series, 'temporal_workflow_completed', { workflow_type: 'marketCycle', task_queue: harness.queues.cycle })).toBe(1);
  });

  it('logs workflow and activity lines with their workflow id, run id and activity type', async () => {
    // The SDK holds log entries ~100 ms to order them by time before they reach the logger.
    const tickDone = await waitFor('the marketCycle workflow\'s "tick completed" log', async () => logLines.find((l) => l.msg === 'tick completed'), 10_000);
    expect(tickDone).toMatchObject({ source: 'temporal', sdkComponent: 'workflow', workflowType: 'marketCycle', workflowId: expect.stringMatching(/^cycle\/sim\//) });
    expect(tickDone.runId).toEqual(expect.any(String));

    const placed = await waitFor('placeOrder\'s "order placed" log', async () => logLines.find((l) => l.msg === 'order placed'), 10_000);
    expect(placed).toMatchObject({ source: 'temporal', activityType: 'placeOrder', workflowType: 'orderExecution', workflowId: expect.stringContaining('/order-buy') });
    expect(placed.runId).toEqual(placed.workflowRunId);
    expect(placed).not.toHaveProperty('taskToken');
  });

  it('is not ready once the workers are shut down, and says why', async () => {
    await running.stop();
    const response = await get('/readyz');
    expect(response.status).toBe(503);
    const report = JSON.parse(response.text) as { ready: boolean; reason: string };
    expect(report.ready).toBe(false);
    expect(report.reason).toMatch(/worker of task queue .+ is (STOPPED|DRAINED|STOPPING)/);
    expect((await get('/healthz')).status).toBe(200);
  });
});
