import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Outcome label of a successful exchange call; a failed one is labelled with its KeelError code. */
export const OK = 'ok';

export type AiCallStatus = 'ok' | 'invalid_output' | 'budget_exhausted' | 'error' | 'cancelled' | 'reused';

export interface KeelMetricsOptions {
  /** Also export Node's process metrics (CPU, memory, event-loop lag, GC) under their standard names. Default false. */
  processMetrics?: boolean;
}

/**
 * keel's own Prometheus series, one registry per process (created here, never a module-level global, so tests can
 * hold several). The Temporal SDK's worker metrics come from the Core runtime and are served next to these by the
 * ops server. Metrics are recorded in activities and adapters only: workflow code stays deterministic.
 */
export interface KeelMetrics {
  readonly registry: Registry;
  readonly tickDuration: Histogram<'cycle'>;
  readonly tickCoins: Gauge<'cycle'>;
  readonly exchangeCalls: Counter<'exchange' | 'method' | 'outcome'>;
  readonly exchangeCallDuration: Histogram<'exchange' | 'method'>;
  readonly dbRowsWritten: Counter<'table'>;
  readonly aiCalls: Counter<'status'>;
  readonly aiTokens: Counter<'direction'>;
  readonly aiCostUsd: Counter;
  readonly orders: Counter<'status' | 'side'>;

  /** A recorded tick. A retried recordTick of a tick already observed for the cycle is not observed twice. */
  observeTick(tick: { cycleId: string; tickTs: number; durationMs: number; coins: number }): void;
  /** One call through an exchange port: outcome 'ok' or the KeelError code. */
  observeExchangeCall(call: { exchange: string; method: string; outcome: string; seconds: number }): void;
  /** Rows a statement inserted or updated, by table. */
  rowsWritten(table: string, rows: number): void;
  /** One analyzeWithAi outcome; tokens and cost are counted for the calls that paid for a model answer. */
  observeAiCall(status: AiCallStatus, usage?: { inputTokens: number; outputTokens: number; costUsd: number | null }): void;
  /** An order recorded in its final state. */
  observeOrder(order: { status: string; side: string }): void;
  /** The Prometheus text exposition of keel's series. */
  exposition(): Promise<string>;
}

/** Tick durations run from well under a second (a handful of coins) to minutes (1000 coins on a slow exchange). */
const TICK_BUCKETS_SECONDS = [0.5, 1, 2.5, 5, 10, 15, 30, 60, 120, 300, 600];
/** Exchange calls: a simulated market answers in microseconds, a real one in tens to thousands of milliseconds. */
const CALL_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Cycles whose last observed tick is remembered, to ignore a retried recordTick; far above the cycles a worker serves. */
const MAX_REMEMBERED_CYCLES = 1_000;

export function createKeelMetrics(options: KeelMetricsOptions = {}): KeelMetrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const tickDuration = new Histogram({
    name: 'keel_tick_duration_seconds',
    help: 'Wall-clock duration of a completed market-cycle tick, from its start to its recordTick (scan, coin children, orders), by cycle id.',
    labelNames: ['cycle'] as const,
    buckets: TICK_BUCKETS_SECONDS,
    registers,
  });
  const tickCoins = new Gauge({
    name: 'keel_tick_coins',
    help: 'Coins in the universe of the last recorded tick, by cycle id.',
    labelNames: ['cycle'] as const,
    registers,
  });
  const exchangeCalls = new Counter({
    name: 'keel_exchange_calls_total',
    help: 'Calls through the exchange ports (market gateway and order broker), by exchange, port method and outcome ("ok" or the KeelError code, e.g. RateLimitExceeded).',
    labelNames: ['exchange', 'method', 'outcome'] as const,
    registers,
  });
  const exchangeCallDuration = new Histogram({
    name: 'keel_exchange_call_duration_seconds',
    help: 'Duration of calls through the exchange ports, successful or not, by exchange and port method.',
    labelNames: ['exchange', 'method'] as const,
    buckets: CALL_BUCKETS_SECONDS,
    registers,
  });
  const dbRowsWritten = new Counter({
    name: 'keel_db_rows_written_total',
    help: 'Rows written to keel\'s database by activities, by table (candles: newly stored candles; ticks, signals, positions: the tick transaction; orders; ai_analyses).',
    labelNames: ['table'] as const,
    registers,
  });
  const aiCalls = new Counter({
    name: 'keel_ai_calls_total',
    help: 'analyzeWithAi outcomes, by status: ok, invalid_output (answered, unusable), budget_exhausted (no model call), error (failed attempt, retried by Temporal when retryable), cancelled, reused (an earlier attempt\'s recorded analysis).',
    labelNames: ['status'] as const,
    registers,
  });
  const aiTokens = new Counter({
    name: 'keel_ai_tokens_total',
    help: 'Model tokens paid for by AI analyses, by direction: in (prompt) or out (completion).',
    labelNames: ['direction'] as const,
    registers,
  });
  const aiCostUsd = new Counter({
    name: 'keel_ai_cost_usd_total',
    help: 'Cost in US dollars of AI analyses at the known model prices (answers from an unpriced model count tokens but no cost).',
    registers,
  });
  const orders = new Counter({
    name: 'keel_orders_total',
    help: 'Orders recorded in their final state, by exchange order status (closed, canceled, open, ...) and side.',
    labelNames: ['status', 'side'] as const,
    registers,
  });

  const lastTickTs = new Map<string, number>();

  return {
    registry,
    tickDuration,
    tickCoins,
    exchangeCalls,
    exchangeCallDuration,
    dbRowsWritten,
    aiCalls,
    aiTokens,
    aiCostUsd,
    orders,
    observeTick({ cycleId, tickTs, durationMs, coins }) {
      const last = lastTickTs.get(cycleId);
      if (last !== undefined && tickTs <= last) return;
      lastTickTs.delete(cycleId);
      lastTickTs.set(cycleId, tickTs);
      if (lastTickTs.size > MAX_REMEMBERED_CYCLES) lastTickTs.delete(lastTickTs.keys().next().value as string);
      tickDuration.observe({ cycle: cycleId }, Math.max(0, durationMs) / 1000);
      tickCoins.set({ cycle: cycleId }, coins);
    },
    observeExchangeCall({ exchange, method, outcome, seconds }) {
      exchangeCalls.inc({ exchange, method, outcome });
      exchangeCallDuration.observe({ exchange, method }, seconds);
    },
    rowsWritten(table, rows) {
      if (rows >= 0) dbRowsWritten.inc({ table }, rows);
    },
    observeAiCall(status, usage) {
      aiCalls.inc({ status });
      if (usage === undefined) return;
      aiTokens.inc({ direction: 'in' }, usage.inputTokens);
      aiTokens.inc({ direction: 'out' }, usage.outputTokens);
      if (usage.costUsd !== null) aiCostUsd.inc(usage.costUsd);
    },
    observeOrder({ status, side }) {
      orders.inc({ status, side });
    },
    exposition() {
      return registry.metrics();
    },
  };
}
