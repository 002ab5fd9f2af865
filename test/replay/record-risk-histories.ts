// Records a market cycle with the risk layer on (issue 11) for the replay test: `npx tsx test/replay/record-risk-histories.ts v8`.
// v8: a drawdown guard that trips (its once-per-breach lock, patch drawdown-lock-once) and the busy signal thresholds.
// v9: the correlation gate on as well (measureCorrelation activities every two ticks, refusals by cluster and exposure).
// v10: maker-first orders as well (post-only orders resting between ticks, workingOrderStep children re-pricing them).
// v11: TWAP as well (the larger buys go out as two market slices a tick apart, carried in the state between ticks).
// Exits (an ATR stop, so coin children measure ATR), a trailing stop, guards, risk sizing and regime gates, plus a
// pause and resume: the histories cover the risk state carried through continue-as-new and the resume handler.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { SimulatedMarket } from '../../src/exchange/simulated-market.js';
import { defaultCycleConfig } from '../../src/domain/cycle-config.js';
import { DEFAULT_REGIME_GATE_CONFIG } from '../../src/domain/regime-gate.js';
import { startOrAttachCycle } from '../../src/temporal/cycle-client.js';
import { startBenchStack, startBenchWorkers } from '../../bench/bench-stack.js';
import { DEFAULT_AI_CONFIG } from '../../src/domain/ai-policy.js';
import { pauseSignal, resumeSignal, statusQuery } from '../../src/contracts/messages.js';
import { BUSY_SIGNAL } from '../helpers/busy-signal.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const OUT_DIR = path.resolve('test/replay/histories');
const label = `${process.argv[2] ?? new Date().toISOString().slice(0, 10)}-risk`;

const stack = await startBenchStack();
try {
  const market = new SimulatedMarket({ seed: 7, coins: 10 });
  const stop = await startBenchWorkers(stack, market, 'rrec-');
  const config = defaultCycleConfig({
    exchange: 'sim',
    name: 'recorded-risk',
    taskQueuePrefix: 'rrec-',
    tickPacingMs: 1_500,
    maxTicks: 6,
    universe: { symbols: null, maxCoins: 10 },
    risk: { maxPositionFraction: 0.1, maxOpenPositions: 100, minOrderNotional: 1, cooldownTicks: 1 },
    ai: { ...DEFAULT_AI_CONFIG, enabled: false },
    signal: BUSY_SIGNAL,
    exits: { stopLossFraction: 0.003, stopLossAtr: { multiple: 0.5, period: 14 }, trailingStop: { fraction: 0.002, activationFraction: 0.001 }, takeProfitFraction: 0.01, timeLimitCandles: 3 },
    guards: {
      maxDrawdown: { fraction: 0.002, windowCandles: 24, blockCandles: 2, hardLimitFraction: null },
      stopLossGuard: { stops: 2, windowCandles: 6, lockCandles: 2, perPair: false },
      lowProfitPairs: { windowCandles: 6, minProfitFraction: 0, minTrades: 1, lockCandles: 2 },
    },
    sizing: { mode: 'risk', riskPerTradeFraction: 0.01 },
    regimeGate: { ...DEFAULT_REGIME_GATE_CONFIG, enabled: true },
    correlation: { enabled: true, window: 24, threshold: 0.5, maxPositionsPerCluster: 2, maxBetaWeightedExposure: 0.6, recomputeCandles: 2 },
    execution: { mode: 'maker_first', maxReprices: 1, fallback: 'market', iocLimitBps: 20, twap: { minNotional: 2_000, slices: 2, intervalTicks: 1 } },
  });
  const { handle } = await startOrAttachCycle(stack.client, config);
  const latest = stack.client.workflow.getHandle(handle.workflowId);
  while ((await latest.query(statusQuery)).tickNo < 3) await sleep(100);
  await latest.signal(pauseSignal, 'recording a pause with the risk layer on');
  while ((await latest.query(statusQuery)).phase !== 'paused') await sleep(100);
  await latest.signal(resumeSignal);
  const final = await handle.result();
  await stop();
  console.log(`finished after ${final.tickNo} ticks`);

  mkdirSync(OUT_DIR, { recursive: true });
  const save = async (kind: string, workflowId: string, runId?: string) => {
    const history = await stack.client.workflow.getHandle(workflowId, runId).fetchHistory();
    const file = path.join(OUT_DIR, `${label}-${kind}.json`);
    writeFileSync(file, `${JSON.stringify({ workflowId, history: JSON.parse(historyToJSON(history)) }, null, 1)}\n`);
    console.log(`wrote ${file} (${history.events?.length ?? 0} events)`);
  };
  let run = 0;
  for await (const wf of stack.client.workflow.list({ query: `WorkflowId = "${handle.workflowId}"` })) await save(`market-cycle-run${++run}`, handle.workflowId, wf.runId);
  for await (const wf of stack.client.workflow.list({ query: `WorkflowType = "coinCycle"` })) {
    await save('coin-cycle', wf.workflowId);
    break;
  }
  // The step with the longest history: a re-price or a fallback rather than a plain maker fill, where there is one.
  let longest: { workflowId: string; events: number } | null = null;
  for await (const wf of stack.client.workflow.list({ query: `WorkflowType = "workingOrderStep"` })) {
    const events = (await stack.client.workflow.getHandle(wf.workflowId).fetchHistory()).events?.length ?? 0;
    if (longest === null || events > longest.events) longest = { workflowId: wf.workflowId, events };
  }
  if (longest !== null) await save('working-order-step', longest.workflowId);
} finally {
  await stack.close();
}
