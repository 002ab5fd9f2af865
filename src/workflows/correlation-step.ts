import { log } from '@temporalio/workflow';
import type { MarketCycleState } from '../contracts/workflow-types.js';
import type { TaskQueues } from '../contracts/task-queues.js';
import { correlationDue, correlationSymbols } from '../domain/correlation-snapshot.js';
import { leaderOf } from '../domain/regime-gate.js';
import type { RiskLayerConfig } from '../domain/risk-layer-config.js';
import type { RiskState } from '../domain/tick-risk.js';
import { databaseActivities } from './activity-profiles.js';
import { failureInfo } from './failure-info.js';

/**
 * The correlation gate's clusters and betas, measured again when due (correlation.recomputeCandles). Only cycles with
 * the gate on call it (a gate that could not be switched on before it existed: older histories never do). A failed
 * measurement keeps the last one and is asked again next tick; without any, the gate counts every coin as its own
 * cluster with a beta of 1.
 */
export async function measureCorrelationIfDue(state: MarketCycleState, risk: RiskState, riskLayer: RiskLayerConfig, symbols: string[], tickTs: number, queues: TaskQueues): Promise<void> {
  const { config } = state;
  if (!riskLayer.correlation.enabled) {
    delete risk.correlation;
    return;
  }
  if (!correlationDue(risk.correlation, riskLayer.correlation, state.tickNo)) return;
  const market = leaderOf(symbols, config.quote, riskLayer.regimeGate.leader);
  const db = databaseActivities(queues, `correlation of ${symbols.length} coins over ${riskLayer.correlation.window} candles, tick ${state.tickNo + 1}`);
  try {
    risk.correlation = await db.measureCorrelation({
      exchange: config.exchange,
      timeframe: config.timeframe,
      symbols: correlationSymbols(symbols, market),
      market,
      untilMs: tickTs,
      config: riskLayer.correlation,
      tickNo: state.tickNo,
    });
    const clusters = new Set(Object.values(risk.correlation.clusters)).size;
    log.info('correlation measured', { coins: symbols.length, clusters, clusteredCoins: Object.keys(risk.correlation.clusters).length, market: risk.correlation.market });
  } catch (error) {
    log.warn('correlation measurement failed; the gate keeps its last measurement and measures again next tick', failureInfo(error));
  }
}

