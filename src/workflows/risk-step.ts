import { log, patched, upsertSearchAttributes } from '@temporalio/workflow';
import { clientOrderIdFor } from '../domain/business-key.js';
import type { RiskLayerConfig } from '../domain/risk-layer-config.js';
import type { MarketOrderRules } from '../domain/market-rules.js';
import type { OrderIntent, OrderState } from '../domain/market-types.js';
import type { PortfolioSnapshot } from '../domain/portfolio-types.js';
import type { CoinEvaluation } from '../domain/signal-types.js';
import { nextRiskState } from '../domain/tick-risk.js';
import type { MarketCycleState } from '../contracts/workflow-types.js';
import { KEEL_PAUSED } from '../contracts/search-attributes.js';
import { DRAWDOWN_LOCK_ONCE_PATCH } from './patches.js';

export interface RiskStepInput {
  cycleId: string;
  tickTs: number;
  riskLayer: RiskLayerConfig;
  portfolioBefore: PortfolioSnapshot;
  portfolioAfter: PortfolioSnapshot;
  intents: readonly OrderIntent[];
  filled: readonly OrderState[];
  evaluations: readonly CoinEvaluation[];
  /** Mark-to-market equity after the fills (decimal string, as recorded). */
  equity: string;
  /** Held coins that are not dust, after the fills. */
  openPositions: number;
  /** The tick's order-size rules (what a sell leaves below them is dust, and gets no exit levels). */
  rules: Readonly<Record<string, MarketOrderRules>>;
  /** Reasons of fills whose client order id is not the tick's own (resting maker orders), by client order id. */
  otherReasons?: ReadonlyArray<readonly [string, string]>;
}

/**
 * The risk layer after a tick's fills, as the backtester moves it (nextRiskState): exit levels, guard locks (logged),
 * the market regime. A drawdown past the hard limit halts the cycle: the next ticks sell everything, and once
 * nothing is held the cycle pauses with the reason (resume clears the halt).
 */
export function advanceRisk(state: MarketCycleState, input: RiskStepInput): void {
  const reasons = new Map(input.intents.map((intent) => [clientOrderIdFor({ cycleId: input.cycleId, tickTs: input.tickTs, symbol: intent.symbol, side: intent.side }), intent.reason]));
  for (const [clientOrderId, reason] of input.otherReasons ?? []) reasons.set(clientOrderId, reason);
  const step = nextRiskState({
    state: state.risk!,
    config: input.riskLayer,
    tickNo: state.tickNo,
    quote: state.config.quote,
    portfolioBefore: input.portfolioBefore,
    portfolioAfter: input.portfolioAfter,
    filled: input.filled,
    reasons,
    evaluations: input.evaluations,
    equity: Number(input.equity),
    rules: input.rules,
    // Asked only where it matters (a drawdown guard is on), so other cycles' histories get no marker.
    drawdownLockOncePerBreach: input.riskLayer.guards.maxDrawdown !== null && patched(DRAWDOWN_LOCK_ONCE_PATCH),
  });
  state.risk = step.state;
  for (const lock of step.newLocks) log.info('guard lock: buys blocked', { guard: lock.guard, symbol: lock.symbol ?? 'all coins', untilTick: lock.untilTick, reason: lock.reason });
  if (step.hardStop !== null) log.warn('drawdown hard limit reached: selling everything, then pausing', { reason: step.hardStop });
  const halt = state.risk.halt;
  if (halt !== null && input.openPositions === 0 && !state.paused) {
    state.paused = true;
    upsertSearchAttributes([{ key: KEEL_PAUSED, value: true }]);
    log.warn('cycle paused by the drawdown guard; resume to trade again (the guard starts a fresh window)', { reason: halt });
  }
}
