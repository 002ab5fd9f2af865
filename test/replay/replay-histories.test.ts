import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../src/workers/workflow-bundle.js';
import * as patches from '../../src/workflows/patches.js';

const HISTORY_DIR = path.resolve('test/replay/histories');

/** The few fields of a recorded history event (JSON form) that the coverage check reads. */
interface HistoryEvent {
  markerRecordedEventAttributes?: { markerName: string; details?: Record<string, { payloads?: Array<{ data?: string }> }> };
  workflowExecutionUpdateCompletedEventAttributes?: { outcome: { success?: unknown; failure?: unknown } };
  workflowExecutionSignaledEventAttributes?: { signalName: string };
}
const files = readdirSync(HISTORY_DIR).filter((f) => f.endsWith('.json')).sort();

/**
 * Every recorded history must replay against the current workflow code. A change that would break running cycles
 * (a reordered activity, a removed timer) fails here with a determinism error: guard it with patched() instead.
 */
describe('recorded workflow histories replay against the current workflow code', () => {
  it('has recorded histories of every workflow type', () => {
    const kinds = new Set(files.map((f) => f.replace(/^.*?-(market-cycle|coin-cycle|order-execution|ai-analysis|backtest-sweep|working-order-step).*$/, '$1')));
    expect([...kinds].sort()).toEqual(['ai-analysis', 'backtest-sweep', 'coin-cycle', 'market-cycle', 'order-execution', 'working-order-step']);
  });

  it('covers the operator messages: config updates (accepted and refused), pause and resume', () => {
    const events = files
      .filter((f) => f.includes('market-cycle'))
      .flatMap((f) => (JSON.parse(readFileSync(path.join(HISTORY_DIR, f), 'utf8')) as { history: { events: HistoryEvent[] } }).history.events);
    const updates = events.flatMap((e) => (e.workflowExecutionUpdateCompletedEventAttributes ? [e.workflowExecutionUpdateCompletedEventAttributes.outcome] : []));
    expect(updates.some((o) => o.success !== undefined)).toBe(true);
    expect(updates.some((o) => o.failure !== undefined)).toBe(true);
    const signals = new Set(events.flatMap((e) => (e.workflowExecutionSignaledEventAttributes ? [e.workflowExecutionSignaledEventAttributes.signalName] : [])));
    expect([...signals]).toEqual(expect.arrayContaining(['pause', 'resume', 'aiVerdict']));
  });

  it('covers the risk layer: a cycle whose exits fired and whose risk state travelled through continue-as-new', () => {
    const payloads = (file: string) =>
      [...readFileSync(path.join(HISTORY_DIR, file), 'utf8').matchAll(/"data": "([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1]!, 'base64').toString('utf8')).join(' ');
    const riskRuns = files.filter((f) => f.includes('risk-market-cycle')).map(payloads);
    expect(riskRuns.some((text) => /"reason":"(stop_loss|take_profit|trailing_stop|time_limit): /.test(text))).toBe(true);
    expect(riskRuns.filter((text) => text.includes('"risk":{"exits"')).length).toBeGreaterThan(1);
    // The correlation gate: measured by its activity (clusters found) and carried in the risk state to later runs.
    const scheduled = files.filter((f) => f.includes('risk-market-cycle') && readFileSync(path.join(HISTORY_DIR, f), 'utf8').includes('"measureCorrelation"'));
    expect(scheduled.length).toBeGreaterThan(1);
    expect(riskRuns.some((text) => /"correlation":\{"measuredAtTick":\d+,"window":24,"threshold":0\.5,"market":"BTC\/USDT","clusters":\{"[A-Z]+\/USDT"/.test(text))).toBe(true);
    // Maker-first: resting orders carried in the state through continue-as-new, stepped by workingOrderStep children.
    expect(riskRuns.filter((text) => /"working":\[\{"parentId":"[a-z0-9]+"/.test(text)).length).toBeGreaterThan(1);
    expect(files.filter((f) => f.includes('risk-market-cycle') && readFileSync(path.join(HISTORY_DIR, f), 'utf8').includes('"workingOrderStep"')).length).toBeGreaterThan(1);
    expect(files).toContain('v10-risk-working-order-step.json');
    // TWAP: slices still to go carried in the state through continue-as-new, and slices sent as their own children.
    expect(riskRuns.filter((text) => /"twaps":\[\{"parentId":"[a-z0-9]+","symbol":"[A-Z]+\/USDT","side":"buy"/.test(text)).length).toBeGreaterThan(1);
    expect(files.filter((f) => f.includes('risk-market-cycle') && /\/order-buy\/twap"/.test(readFileSync(path.join(HISTORY_DIR, f), 'utf8'))).length).toBeGreaterThan(1);
  });

  it('covers every patched() branch: each patch id in src/workflows/patches.ts is recorded in some history', () => {
    const recorded = new Set<string>();
    for (const file of files) {
      const { history } = JSON.parse(readFileSync(path.join(HISTORY_DIR, file), 'utf8')) as { history: { events: HistoryEvent[] } };
      for (const event of history.events) {
        const marker = event.markerRecordedEventAttributes;
        const data = marker?.markerName === 'core_patch' ? marker.details?.['patch-data']?.payloads?.[0]?.data : undefined;
        if (data !== undefined) recorded.add((JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { id: string }).id);
      }
    }
    const ids: string[] = Object.values(patches);
    expect(ids.length).toBeGreaterThanOrEqual(6);
    expect(ids.filter((id) => !recorded.has(id))).toEqual([]);
  });

  it.each(files)('%s replays without a determinism error', async (file) => {
    const { workflowId, history } = JSON.parse(readFileSync(path.join(HISTORY_DIR, file), 'utf8')) as { workflowId: string; history: unknown };
    await expect(Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH, replayName: file }, history, workflowId)).resolves.toBeUndefined();
  });
});
