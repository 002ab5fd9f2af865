import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { LogEntry } from '@temporalio/worker';
import { routeTemporalLogs, temporalLogFields } from '../../../src/workers/temporal-runtime.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'trace', base: { service: 'keel-test' } }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { lines, route: routeTemporalLogs(logger) };
}

const entry = (level: LogEntry['level'], message: string, meta: Record<string, unknown>): LogEntry => ({ level, message, meta, timestampNanos: 0n });

// The metadata @temporalio/worker 1.24 attaches: workflowLogAttributes (workflow/lib/logs.js) and
// activityLogAttributes (worker/lib/activity.js).
const workflowMeta = { sdkComponent: 'workflow', namespace: 'default', taskQueue: 'keel-cycle', workflowId: 'cycle/sim/main', runId: 'run-1', workflowType: 'marketCycle' };
const activityMeta = {
  sdkComponent: 'activity',
  isLocal: false,
  attempt: 2,
  namespace: 'default',
  taskToken: 'Cg5sb25nLWJhc2U2NC10b2tlbg==',
  activityId: '7',
  activityType: 'placeOrder',
  taskQueue: 'keel-exchange-sim',
  workflowId: 'cycle/sim/main/1704844800000/BTC/USDT/order-buy',
  workflowRunId: 'run-2',
  workflowType: 'orderExecution',
};

describe('Temporal logs in keel\'s structured logs', () => {
  it('keeps the workflow id, run id and type of workflow log lines', () => {
    const { lines, route } = capture();
    route(entry('INFO', 'tick completed', { ...workflowMeta, tickNo: 3 }));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, msg: 'tick completed', service: 'keel-test', source: 'temporal', workflowId: 'cycle/sim/main', runId: 'run-1', workflowType: 'marketCycle', tickNo: 3 });
  });

  it('keeps the workflow id, activity type and attempt of activity log lines, with the run id under runId too, without the task token', () => {
    const { lines, route } = capture();
    route(entry('WARN', 'order placed', activityMeta));
    expect(lines[0]).toMatchObject({ level: 40, msg: 'order placed', workflowId: activityMeta.workflowId, runId: 'run-2', workflowRunId: 'run-2', activityType: 'placeOrder', activityId: '7', attempt: 2 });
    expect(lines[0]).not.toHaveProperty('taskToken');
  });

  it('maps levels and drops the expected "nothing registered" notices of single-purpose workers', () => {
    const { lines, route } = capture();
    route(entry('ERROR', 'boom', {}));
    route(entry('DEBUG', 'detail', {}));
    route(entry('TRACE', 'more detail', {}));
    route(entry('WARN', 'No activities registered, not polling for activity tasks', {}));
    route(entry('WARN', 'No workflows registered, not polling for workflow tasks', {}));
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [50, 'boom'],
      [20, 'detail'],
      [20, 'more detail'],
    ]);
  });

  it('does not alter the entry it was given', () => {
    const meta = { ...activityMeta };
    expect(temporalLogFields({ meta })).toMatchObject({ runId: 'run-2', source: 'temporal' });
    expect(meta).toEqual(activityMeta);
    expect(temporalLogFields({ meta: undefined })).toEqual({ source: 'temporal' });
  });
});
