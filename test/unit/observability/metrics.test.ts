import { describe, expect, it } from 'vitest';
import { createKeelMetrics } from '../../../src/observability/metrics.js';

const NAMES = [
  'keel_tick_duration_seconds',
  'keel_tick_coins',
  'keel_exchange_calls_total',
  'keel_exchange_call_duration_seconds',
  'keel_db_rows_written_total',
  'keel_ai_calls_total',
  'keel_ai_tokens_total',
  'keel_ai_cost_usd_total',
  'keel_orders_total',
];

describe('keel metrics registry', () => {
  it('documents every series with help text and a type', async () => {
    const text = await createKeelMetrics().exposition();
    for (const name of NAMES) {
      expect(text).toMatch(new RegExp(`^# HELP ${name} \\S.{20,}$`, 'm'));
      expect(text).toMatch(new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, 'm'));
    }
  });

  it('is one registry per factory call: two registries in one process do not share values', async () => {
    const a = createKeelMetrics();
    const b = createKeelMetrics();
    a.rowsWritten('candles', 100);
    expect((await a.dbRowsWritten.get()).values[0]?.value).toBe(100);
    expect((await b.dbRowsWritten.get()).values).toEqual([]);
  });

  it('observes a tick once per cycle and tick, even when recordTick is retried, in seconds', async () => {
    const m = createKeelMetrics();
    m.observeTick({ cycleId: 'cycle/sim/a', tickTs: 1000, durationMs: 2500, coins: 250 });
    m.observeTick({ cycleId: 'cycle/sim/a', tickTs: 1000, durationMs: 2600, coins: 250 }); // a retry
    m.observeTick({ cycleId: 'cycle/sim/b', tickTs: 1000, durationMs: 1000, coins: 10 });
    m.observeTick({ cycleId: 'cycle/sim/a', tickTs: 2000, durationMs: 500, coins: 249 });
    const text = await m.exposition();
    expect(text).toContain('keel_tick_duration_seconds_count{cycle="cycle/sim/a"} 2');
    expect(text).toContain('keel_tick_duration_seconds_sum{cycle="cycle/sim/a"} 3');
    expect(text).toContain('keel_tick_duration_seconds_bucket{le="2.5",cycle="cycle/sim/a"} 2');
    expect(text).toContain('keel_tick_coins{cycle="cycle/sim/a"} 249');
    expect(text).toContain('keel_tick_coins{cycle="cycle/sim/b"} 10');
  });

  it('counts AI tokens by direction and cost when priced, and only the call for statuses without usage', async () => {
    const m = createKeelMetrics();
    m.observeAiCall('ok', { inputTokens: 500, outputTokens: 100, costUsd: 0.001 });
    m.observeAiCall('invalid_output', { inputTokens: 400, outputTokens: 50, costUsd: null });
    m.observeAiCall('budget_exhausted');
    m.observeAiCall('error');
    const text = await m.exposition();
    expect(text).toContain('keel_ai_calls_total{status="ok"} 1');
    expect(text).toContain('keel_ai_calls_total{status="invalid_output"} 1');
    expect(text).toContain('keel_ai_calls_total{status="budget_exhausted"} 1');
    expect(text).toContain('keel_ai_calls_total{status="error"} 1');
    expect(text).toContain('keel_ai_tokens_total{direction="in"} 900');
    expect(text).toContain('keel_ai_tokens_total{direction="out"} 150');
    expect(text).toContain('keel_ai_cost_usd_total 0.001');
  });

  it('counts orders by status and side, and rows by table', async () => {
    const m = createKeelMetrics();
    m.observeOrder({ status: 'closed', side: 'buy' });
    m.observeOrder({ status: 'closed', side: 'buy' });
    m.observeOrder({ status: 'canceled', side: 'sell' });
    m.rowsWritten('signals', 250);
    m.rowsWritten('signals', 250);
    m.rowsWritten('candles', 0);
    const text = await m.exposition();
    expect(text).toContain('keel_orders_total{status="closed",side="buy"} 2');
    expect(text).toContain('keel_orders_total{status="canceled",side="sell"} 1');
    expect(text).toContain('keel_db_rows_written_total{table="signals"} 500');
    expect(text).toContain('keel_db_rows_written_total{table="candles"} 0');
  });

  it('adds Node process metrics only when asked', async () => {
    expect(await createKeelMetrics().exposition()).not.toContain('process_resident_memory_bytes');
    expect(await createKeelMetrics({ processMetrics: true }).exposition()).toContain('process_resident_memory_bytes');
  });
});
