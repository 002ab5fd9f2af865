import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { activeLocks, resetDrawdownWindow } from '../domain/guards.js';
import { applyConfigPatch, validateConfigPatch, validateCycleConfig } from '../domain/cycle-config.js';
import { timeframeMs } from '../domain/market-types.js';
import { formatMoney } from '../domain/money-format.js';
import { emptyPortfolio } from '../domain/portfolio-types.js';
import { doubtKindOfFinding } from '../domain/order-doubts.js';
import { acknowledgeFindingSignal, aiVerdictSignal, pauseSignal, resumeSignal, statusQuery, updateConfigUpdate } from '../contracts/messages.js';
import type { FindingAcknowledgement } from '../contracts/messages.js';
import { KEEL_PAUSED, KEEL_TICK } from '../contracts/search-attributes.js';
import { taskQueuesFor } from '../contracts/task-queues.js';
import type { AiVerdictMessage, CycleStatus, CyclePhase, MarketCycleInput, MarketCycleState, TickSummary } from '../contracts/workflow-types.js';
import { exchangeReadActivities } from './activity-profiles.js';
import { reconcileAccount, validateMarketConfig } from './account-checks.js';
import { CONFIG_UPDATE_LOCK_PATCH, PAUSED_CONTINUE_AS_NEW_PATCH, RECONCILE_ACCOUNT_PATCH, VALIDATE_MARKET_CONFIG_PATCH } from './patches.js';
import { runTick } from './market-tick.js';
import { cancelRestingAtEnd } from './maker-first.js';
import { endTwaps, twapStatus } from './twap-step.js';

/** Wall clock: wait this long after a candle closes so the exchange has published it. */
const CANDLE_PUBLISH_GRACE_MS = 3_000;

/**
 * The long-lived market cycle, id `cycle/<exchange>/<name>`. Waits for the next candle close (or, on the market
 * clock, advances one candle per tick), runs a tick, and continues as new after `ticksPerRun` ticks carrying only
 * its small state. Paused with the `pause` signal, resumed with `resume`, reconfigured with the `updateConfig` update.
 */
export async function marketCycle(input: MarketCycleInput): Promise<CycleStatus> {
  const problems = validateCycleConfig(input.config);
  if (problems.length > 0) {
    throw ApplicationFailure.nonRetryable(`invalid cycle config: ${problems.join('; ')}`, 'InvalidConfig');
  }
  const state: MarketCycleState = input.state ?? {
    config: input.config,
    paused: false,
    tickNo: 0,
    nextTickTs: null,
    portfolio: null,
    coinHealth: {},
    cooldowns: {},
    lastTick: null,
  };
  const cycleId = workflowInfo().workflowId;
  let phase: CyclePhase = 'waiting';
  let currentTickTs: number | null = null;
  /** Bumped by every accepted config update, so a wait between ticks re-plans with the new settings. */
  let configVersion = 0;

  setHandler(pauseSignal, (reason?: string) => {
    if (state.paused) return;
    state.paused = true;
    log.info('cycle paused', { reason: reason ?? 'pause signal' });
    upsertSearchAttributes([{ key: KEEL_PAUSED, value: true }]);
    describe(state, phase === 'ticking' ? 'pausing after the current tick' : 'paused');
  });
  setHandler(resumeSignal, () => {
    if (!state.paused) return;
    state.paused = false;
    log.info('cycle resumed');
    // A drawdown halt ends with the resume; the guard measures from a fresh window, or its old peak would halt again.
    if (state.risk?.halt != null) state.risk = { ...state.risk, halt: null, guards: resetDrawdownWindow(state.risk.guards) };
    upsertSearchAttributes([{ key: KEEL_PAUSED, value: false }]);
    describe(state, 'resumed');
  });
  // One config update at a time: validating on the exchange awaits an activity, and a second update interleaving there
  // would be checked against a config the first is about to replace (each valid alone, the pair never checked).
  let updating = false;
  setHandler(
    updateConfigUpdate,
    async (patch) => {
      const locked = patched(CONFIG_UPDATE_LOCK_PATCH);
      if (locked) {
        // Test and take the lock with no await in between (a condition already true still resolves later, after a
        // second handler of the same activation could have passed it too).
        while (updating) await condition(() => !updating);
        updating = true;
      }
      try {
        if (locked) {
          // The config may have changed while this update waited for the lock: check the patch against it again.
          const issues = validateConfigPatch(state.config, patch);
          if (issues.length > 0) throw ApplicationFailure.nonRetryable(`config update rejected: ${issues.join('; ')}`, 'InvalidConfig');
        }
        // A new universe or timeframe is checked on the exchange first (symbols listed, timeframe served, request plan
        // within budget); a refusal fails the update with the reason and the running config stays as it was.
        // So is switching to maker-first orders or to stops on the exchange (the account and venue must host them).
        const toMakerFirst = (patch.execution as { mode?: unknown } | undefined)?.mode === 'maker_first';
        const toStopsOnExchange = (patch.exits as { onExchange?: unknown } | undefined)?.onExchange === true;
        if ((patch.universe !== undefined || patch.timeframe !== undefined || toMakerFirst || toStopsOnExchange) && patched(VALIDATE_MARKET_CONFIG_PATCH)) {
          const candidate = applyConfigPatch(state.config, patch);
          await validateMarketConfig(candidate, taskQueuesFor(candidate.taskQueuePrefix, candidate.exchange), { lenient: false });
        }
        state.config = applyConfigPatch(state.config, patch);
        configVersion += 1;
        log.info('config updated', { patch });
        return state.config;
      } finally {
        if (locked) updating = false;
      }
    },
    {
      // Synchronous on purpose: an async validator's rejection is ignored by the SDK and the update is accepted.
      validator: (patch) => {
        const issues = validateConfigPatch(state.config, patch);
        if (issues.length > 0) throw new Error(`config update rejected: ${issues.join('; ')}`);
      },
    },
  );
  setHandler(acknowledgeFindingSignal, (ack) => releaseAcknowledged(state, ack));
  setHandler(aiVerdictSignal, (message) => receiveVerdict(state, message));
  setHandler(statusQuery, (): CycleStatus => statusOf(cycleId, state, phase, currentTickTs));

  if (state.portfolio === null) {
    const queues = taskQueuesFor(state.config.taskQueuePrefix, state.config.exchange);
    // First run: refuse market settings the exchange cannot serve (unknown symbols, a timeframe it has no candles
    // for, a request plan over budget) before anything else happens.
    if (patched(VALIDATE_MARKET_CONFIG_PATCH)) await validateMarketConfig(state.config, queues, { lenient: true });
    // The cycle's cash is what the broker account holds (the paper broker seeds it on first use).
    const balances = await exchangeReadActivities(queues).fetchBalances({ exchange: state.config.exchange, account: cycleId, quote: state.config.quote });
    state.portfolio = emptyPortfolio(state.config.quote, balances.find((b) => b.asset === state.config.quote)?.free ?? '0');
    if (patched(RECONCILE_ACCOUNT_PATCH)) state.reconcileReason = 'cycle start';
  }

  let ticksThisRun = 0;
  for (;;) {
    if (state.config.maxTicks !== null && state.tickNo >= state.config.maxTicks) {
      phase = 'finished';
      if (state.working !== undefined) await cancelRestingAtEnd(state, taskQueuesFor(state.config.taskQueuePrefix, state.config.exchange));
      endTwaps(state);
      describe(state, `finished after ${state.tickNo} ticks`);
      await condition(allHandlersFinished);
      return statusOf(cycleId, state, phase, null);
    }
    if (state.paused) {
      phase = 'paused';
      describe(state, 'paused: send the resume signal to continue');
      // Signals, updates and queries keep arriving while paused; when the history grows long enough for Temporal to
      // suggest it, carry the paused state into a fresh run instead of waiting in an ever longer one.
      await condition(() => !state.paused || (workflowInfo().continueAsNewSuggested && patched(PAUSED_CONTINUE_AS_NEW_PATCH)));
      if (state.paused) {
        log.info('continuing as new while paused (history long enough that Temporal suggests it)', { historyLength: workflowInfo().historyLength });
        await condition(allHandlersFinished);
        return await continueAsNew<typeof marketCycle>({ config: state.config, state });
      }
      continue;
    }

    phase = 'waiting';
    const tfMs = timeframeMs(state.config.timeframe);
    const tickTs = nextTickTs(state, tfMs);
    const waitMs = state.config.clock === 'wall' ? tickTs + CANDLE_PUBLISH_GRACE_MS - Date.now() : ticksThisRun > 0 || state.tickNo > 0 ? state.config.tickPacingMs : 0;
    if (waitMs > 0) {
      describe(state, `next tick ${new Date(tickTs).toISOString()}`);
      // Wake early on pause (a paused cycle never starts another tick) and on a config change (new pacing or
      // timeframe applies at once).
      const versionAtWait = configVersion;
      const woke = await condition(() => state.paused || configVersion !== versionAtWait, waitMs);
      if (woke) continue;
    }

    phase = 'ticking';
    currentTickTs = tickTs;
    const queues = taskQueuesFor(state.config.taskQueuePrefix, state.config.exchange);
    // Reconcile before the tick at cycle start, after a tick with an order whose fate is unknown, and while coins are
    // in doubt (so a later reconciliation can clear them).
    if (liveReconcileDue(state)) state.reconcileReason = `periodic check of the live account (every ${LIVE_RECONCILE_EVERY_TICKS} ticks)`;
    if ((state.reconcileReason !== undefined || (state.inDoubt?.length ?? 0) > 0) && patched(RECONCILE_ACCOUNT_PATCH)) {
      describe(state, `reconciling the account (${state.reconcileReason ?? 'coins in doubt'})`);
      await reconcileAccount(state, cycleId, queues);
    }
    describe(state, `tick ${state.tickNo + 1} running (candle close ${new Date(tickTs).toISOString()})`);
    const summary: TickSummary = await runTick(state, tickTs, queues);
    state.tickNo = summary.tickNo;
    state.lastTick = summary;
    state.nextTickTs = tickTs + tfMs;
    currentTickTs = null;
    ticksThisRun += 1;
    upsertSearchAttributes([{ key: KEEL_TICK, value: state.tickNo }]);
    log.info('tick completed', { tickNo: summary.tickNo, tickTs, coins: summary.coins, failed: summary.failed, orders: summary.ordersFilled, equity: summary.equity });
    describe(state, `tick ${summary.tickNo} done: ${summary.evaluated}/${summary.coins} coins, ${summary.buys} buys, ${summary.sells} sells`);

    if (ticksThisRun >= state.config.ticksPerRun || workflowInfo().continueAsNewSuggested) {
      // Children were awaited inside the tick; wait for any update handler still running, then start fresh.
      await condition(allHandlersFinished);
      return await continueAsNew<typeof marketCycle>({ config: state.config, state });
    }
  }
}

function statusOf(cycleId: string, state: MarketCycleState, phase: CyclePhase, currentTickTs: number | null): CycleStatus {
  return {
    cycleId,
    phase,
    paused: state.paused,
    tickNo: state.tickNo,
    currentTickTs,
    nextTickTs: phase === 'finished' ? null : state.nextTickTs,
    lastTick: state.lastTick,
    config: state.config,
    cash: state.portfolio?.cash ?? null,
    openPositions: state.portfolio ? Object.keys(state.portfolio.positions).filter((symbol) => !(state.dust ?? []).includes(symbol)).length : 0,
    dust: state.dust ?? [],
    openCircuits: Object.entries(state.coinHealth).filter(([, h]) => h.skipUntilTick > state.tickNo).map(([s]) => s),
    inDoubt: state.inDoubt ?? [],
    reconcileReason: state.reconcileReason ?? null,
    orderDoubts: (state.orderDoubts ?? []).map((d) => ({ symbol: d.symbol, clientOrderId: d.clientOrderId, kind: d.kind, reason: d.reason })),
    ai: {
      enabled: state.config.ai?.enabled ?? false,
      pending: Object.keys(state.aiPending ?? {}).length,
      verdicts: Object.keys(state.aiVerdicts ?? {}).length,
      suspendedUntilMs: state.aiSuspendedUntilMs ?? null,
    },
    ...(state.risk !== undefined && {
      risk: {
        halt: state.risk.halt,
        marketRegime: state.risk.marketRegime.regime,
        locks: activeLocks(state.risk.guards, state.tickNo).map(({ guard, symbol, reason, untilTick }) => ({ guard, symbol, reason, untilTick })),
        protectedPositions: Object.keys(state.risk.exits).length,
        stops: state.config.exits?.onExchange === true ? 'on_exchange' : 'checked_each_tick',
      },
    }),
    ...(state.working !== undefined && {
      working: state.working.map(({ symbol, side, amount, limitPrice, attempt, clientOrderId }) => ({ symbol, side, amount, limitPrice, attempt, clientOrderId })),
    }),
    ...(state.twaps !== undefined && { twaps: state.twaps.map(twapStatus) }),
    ...(state.exchangeStops !== undefined && { exchangeStops: state.exchangeStops.map(({ symbol, amount, stopPrice, clientOrderId }) => ({ symbol, amount, stopPrice, clientOrderId })) }),
  };
}

/** Keeps a verdict for the next allocation; a spent daily budget suspends AI until the next UTC day. */
function receiveVerdict(state: MarketCycleState, message: AiVerdictMessage): void {
  if (state.aiPending?.[message.symbol] === message.tickNo) delete state.aiPending[message.symbol];
  if (message.status === 'ok' && message.verdict) {
    state.aiVerdicts = { ...state.aiVerdicts, [message.symbol]: { ...message.verdict, askedAtTick: message.tickNo } };
    return;
  }
  if (message.status === 'budget_exhausted') {
    const nextUtcDayMs = (Math.floor(Date.now() / 86_400_000) + 1) * 86_400_000;
    if (state.aiSuspendedUntilMs !== nextUtcDayMs) {
      state.aiSuspendedUntilMs = nextUtcDayMs;
      log.warn('AI daily budget exhausted: no more AI analyses until the next UTC day; coins trade on their signals alone', { until: new Date(nextUtcDayMs).toISOString(), reason: message.reason });
    }
    return;
  }
  log.info('no AI verdict; the coin keeps its signal', { symbol: message.symbol, status: message.status, reason: message.reason });
}

/**
 * A person acknowledged a finding (the audit row is written by the API or the CLI): the order doubt it covers is
 * dropped, and its coin is traded again unless something else still holds it. A finding of reconciliation itself
 * releases its coin now; the next reconciliation sees the acknowledgement and does not raise it again.
 */
function releaseAcknowledged(state: MarketCycleState, ack: FindingAcknowledgement): void {
  const doubtKind = doubtKindOfFinding(ack.kind);
  const remaining = (state.orderDoubts ?? []).filter((d) => !(doubtKind !== undefined && d.kind === doubtKind && d.clientOrderId === ack.ref));
  if (state.orderDoubts !== undefined) state.orderDoubts = remaining;
  const stillHeld = remaining.some((d) => d.symbol === ack.symbol);
  if (!stillHeld) state.inDoubt = (state.inDoubt ?? []).filter((symbol) => symbol !== ack.symbol);
  log.warn('finding acknowledged by a person', { kind: ack.kind, ref: ack.ref, symbol: ack.symbol, by: ack.by, note: ack.note, released: !stillHeld });
}

/** Ticks between reconciliations of a live account when nothing else asks for one. */
const LIVE_RECONCILE_EVERY_TICKS = 10;

/** A live account is re-read every few ticks, so its cash and holdings never drift far from what keel believes. */
function liveReconcileDue(state: MarketCycleState): boolean {
  return state.brokerMode === 'live' && state.reconcileReason === undefined && state.tickNo - (state.reconciledAtTick ?? 0) >= LIVE_RECONCILE_EVERY_TICKS;
}

/** Close time of the candle the next tick processes. Wall clock: catch up to the newest closed candle after downtime. */
function nextTickTs(state: MarketCycleState, tfMs: number): number {
  if (state.config.clock === 'market') {
    return state.nextTickTs ?? state.config.marketStartMs;
  }
  const newestClosed = Math.floor(Date.now() / tfMs) * tfMs;
  if (state.nextTickTs === null) return newestClosed + tfMs;
  return Math.max(state.nextTickTs, newestClosed);
}

function describe(state: MarketCycleState, headline: string): void {
  const last = state.lastTick;
  setCurrentDetails(
    [
      `**${headline}**`,
      '',
      `- paused: ${state.paused}`,
      `- ticks done: ${state.tickNo}`,
      last ? `- last tick: #${last.tickNo}, ${last.evaluated}/${last.coins} coins in ${last.durationMs} ms, equity ${formatMoney(last.equity, state.config.quote)}` : '- last tick: none yet',
      `- next tick: ${state.nextTickTs === null ? 'at the next candle close' : new Date(state.nextTickTs).toISOString()}`,
      ...((state.inDoubt?.length ?? 0) > 0 ? [`- in doubt, not traded until reconciled: ${state.inDoubt!.join(', ')}`] : []),
      ...(state.risk?.halt ? [`- **halted by the drawdown guard**: ${state.risk.halt} (resume to trade again)`] : []),
      ...(state.risk ? activeLocks(state.risk.guards, state.tickNo).map((l) => `- buys locked (${l.guard}) for ${l.symbol ?? 'all coins'} until tick ${l.untilTick}: ${l.reason}`) : []),
    ].join('\n'),
  );
}
