import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { SimulatedMarket } from '../../../src/exchange/simulated-market.js';
import { pauseSignal, resumeSignal, statusQuery, updateConfigUpdate } from '../../../src/contracts/messages.js';
import type { MarketCycleInput } from '../../../src/contracts/workflow-types.js';
import { listTicks } from '../../../src/db/queries/ticks.js';
import { createHarness, waitFor, type Harness } from '../../helpers/keel-harness.js';

describe('pause, resume, config updates and continue-as-new on a running cycle', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await createHarness({ gateway: new SimulatedMarket({ seed: 5, coins: 8 }) });
    await harness.startWorkers();
  });
  afterAll(async () => harness?.teardown());

  it('pause stops new ticks, resume continues, a bad update is rejected and the old config stays', async () => {
    const { handle } = await harness.startCycle({ universe: { symbols: null, maxCoins: 8 }, tickPacingMs: 200 });
    await waitFor('two ticks', async () => ((await handle.query(statusQuery)).tickNo >= 2 ? true : undefined));

    await handle.signal(pauseSignal, 'test pause');
    const paused = await waitFor('the cycle to be paused', async () => {
      const s = await handle.query(statusQuery);
      return s.phase === 'paused' ? s : undefined;
    });
    await new Promise((r) => setTimeout(r, 1_500));
    const stillPaused = await handle.query(statusQuery);
    expect(stillPaused.paused).toBe(true);
    expect(stillPaused.tickNo).toBe(paused.tickNo);

    // Weights that do not add up to 1: rejected by the synchronous validator, with the reason.
    const rejected = await handle
      .executeUpdate(updateConfigUpdate, { args: [{ signal: { weights: { rsi: 0.9 } } }] })
      .then(() => null, (error: unknown) => error);
    expect(rejected).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(String((rejected as WorkflowUpdateFailedError).cause?.message)).toContain('signal.weights must add up to 1 (rsi 0.9 + maCross 0.35 + macd 0.25 = 1.5)');
    const unknownKey = await handle.executeUpdate(updateConfigUpdate, { args: [{ exchange: 'binance' } as never] }).then(() => null, (e: unknown) => e);
    expect(String((unknownKey as WorkflowUpdateFailedError).cause?.message)).toContain('cannot change exchange on a running cycle');
    expect((await handle.query(statusQuery)).config.signal.weights).toEqual({ rsi: 0.4, maCross: 0.35, macd: 0.25 });

    const updated = await handle.executeUpdate(updateConfigUpdate, { args: [{ risk: { maxOpenPositions: 7 }, signal: { buyThreshold: 0.1 } }] });
    expect(updated.risk.maxOpenPositions).toBe(7);

    await handle.signal(resumeSignal);
    const resumed = await waitFor('two more ticks', async () => {
      const s = await handle.query(statusQuery);
      return s.tickNo >= paused.tickNo + 2 ? s : undefined;
    });
    expect(resumed.paused).toBe(false);
    // The update survived continue-as-new (every tick is a new run).
    expect(resumed.config.risk.maxOpenPositions).toBe(7);
    expect(resumed.config.signal.buyThreshold).toBe(0.1);

    // Tick numbers carried across runs: consecutive, none repeated.
    const ticks = (await listTicks(harness.database.db, handle.workflowId, 100)).map((t) => t.tickNo).sort((a, b) => a - b);
    expect(ticks).toEqual(Array.from({ length: ticks.length }, (_, i) => i + 1));
    await handle.terminate('test done');
  });

  it('continue-as-new carries config, the paused flag and the tick number into the next run', async () => {
    const { handle } = await harness.startCycle({ universe: { symbols: null, maxCoins: 8 }, tickPacingMs: 0 });
    // A pause that lands while a tick runs is handed to the next run by continue-as-new. Timing decides where it
    // lands, so try a few times until it lands mid-tick.
    let handover: MarketCycleInput | undefined;
    for (let attempt = 0; attempt < 6 && handover?.state?.paused !== true; attempt++) {
      if (attempt > 0) await handle.signal(resumeSignal);
      await waitFor('a running tick', async () => ((await handle.query(statusQuery)).phase === 'ticking' ? true : undefined), 60_000, 10);
      await handle.signal(pauseSignal, 'pause during a tick');
      await waitFor('paused', async () => ((await handle.query(statusQuery)).phase === 'paused' ? true : undefined));
      handover = await latestHandover(handle.workflowId);
    }
    expect(handover?.state?.paused).toBe(true);
    const status = await handle.query(statusQuery);
    expect(status.paused).toBe(true);
    expect(status.phase).toBe('paused');
    expect(status.tickNo).toBe(handover!.state!.tickNo);
    expect(status.config).toEqual(handover!.config);
    await handle.terminate('test done');
  });

  /** The input the newest finished run handed to its successor through continue-as-new. */
  async function latestHandover(workflowId: string): Promise<MarketCycleInput | undefined> {
    const handedOver: MarketCycleInput[] = [];
    for await (const wf of harness.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
      const history = await harness.client.workflow.getHandle(workflowId, wf.runId).fetchHistory();
      for (const event of history.events ?? []) {
        const payload = event.workflowExecutionContinuedAsNewEventAttributes?.input?.payloads?.[0];
        if (payload) handedOver.push(defaultPayloadConverter.fromPayload<MarketCycleInput>(payload));
      }
    }
    return handedOver.sort((a, b) => a.state!.tickNo - b.state!.tickNo).at(-1);
  }
});
