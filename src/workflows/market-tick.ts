import { executeChild, log, patched, startChild, workflowInfo } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { CoinEvaluation } from '../domain/signal-types.js';
import { portfolioEquity } from '../domain/allocation.js';
import { decideTick, tickUniverse } from '../domain/tick-decision.js';
import { countOpenPositions, dustSymbols } from '../domain/dust.js';
import { riskLayerActive, riskLayerOf } from '../domain/risk-layer-config.js';
import { emptyRiskState } from '../domain/tick-risk.js';
import { cancelledByRisk, makerPrice } from '../domain/working-orders.js';
import type { OrderState } from '../domain/market-types.js';
import { cancelInTheWay, placeMakerFirst, setWorking, stepWorkingOrders, type BestPrice, type OrdersToSettle } from './maker-first.js';
import { dueSlices, setTwaps, type TakerOrder } from './twap-step.js';
import { cancelStopsOf, coinsBeingSold, settleTriggeredStops, stopsAfterTick } from './exchange-stops-step.js';
import { routeTwaps, twapsAfterSlices } from '../domain/twap.js';
import { hasFill } from '../domain/fill-model.js';
import { applySettlement } from './settle-into-state.js';
import { measureCorrelationIfDue } from './correlation-step.js';
import { advanceRisk } from './risk-step.js';
import { DEFAULT_CHILD_TIMEOUTS } from '../domain/cycle-config.js';
import { clientOrderIdFor } from '../domain/business-key.js';
import { selectForAnalysis } from '../domain/ai-policy.js';
import type { CoinCycleResult, MarketCycleState, OrderExecutionResult, TickSummary } from '../contracts/workflow-types.js';
import type { TaskQueues } from '../contracts/task-queues.js';
import { coinWorkflowId, orderWorkflowId } from '../contracts/workflow-ids.js';
import { KEEL_EXCHANGE, KEEL_MARKET, KEEL_SYMBOL, KEEL_TICK } from '../contracts/search-attributes.js';
import { databaseActivities, exchangeReadActivities } from './activity-profiles.js';
import { coinCycle } from './coin-cycle.js';
import { ORDER_FILL_TIMEOUT_MS, orderExecution } from './order-execution.js';
import { aiAnalysis } from './ai-analysis.js';
import { failureInfo } from './failure-info.js';
import { inWindow } from './in-window.js';
import { FAST_COIN_TICK_PATCH } from './patches.js';

/**
 * One tick of a market cycle: scan, one child per coin (in batches), allocate, one child per order, one bulk write.
 * Mutates `state` (portfolio, coin health, cooldowns) and returns the summary.
 */
export async function runTick(state: MarketCycleState, tickTs: number, queues: TaskQueues): Promise<TickSummary> {
  const { config } = state;
  const cycleId = workflowInfo().workflowId;
  const startedAtMs = Date.now();
  const tickLabel = `tick ${state.tickNo + 1} (${new Date(tickTs).toISOString()})`;
  const exchange = exchangeReadActivities(queues, `scan: one bulk tickers call, top ${config.universe.maxCoins} coins, ${tickLabel}`);
  const db = databaseActivities(queues, `record ${tickLabel}: tick row, signals, positions in one transaction`);
  const portfolioBefore = state.portfolio!;

  // (1) One bulk tickers call picks the universe; coins we hold always stay in it so they can be sold.
  const scan = await exchange.scanMarket({ exchange: config.exchange, quote: config.quote, symbols: config.universe.symbols, maxCoins: config.universe.maxCoins, asOfMs: tickTs });
  if (scan.unknownSymbols.length > 0) {
    log.warn('configured symbols unknown to the exchange are skipped', { unknownSymbols: scan.unknownSymbols });
  }
  const { prices: scanPrices, rules, skipped, symbols } = tickUniverse(scan.tickers, portfolioBefore, state.coinHealth, state.tickNo);

  // (2) One child per coin, at most childBatchSize at once so each workflow task stays small; a finished coin's place
  // goes to the next one at once (before FAST_COIN_TICK_PATCH: waves, each waiting for its slowest coin). Ids are
  // business keys, so a tick redone after a crash finds its finished coins instead of running them again.
  const fast = patched(FAST_COIN_TICK_PATCH);
  const runOne = (symbol: string) => runCoin(cycleId, state, tickTs, symbol, queues, fast);
  let results: CoinCycleResult[] = [];
  if (fast) results = await inWindow(symbols, config.childBatchSize, runOne);
  else {
    for (let i = 0; i < symbols.length; i += config.childBatchSize) results.push(...(await Promise.all(symbols.slice(i, i + config.childBatchSize).map(runOne))));
  }

  // (2b) Maker-first orders resting from earlier ticks: filled, re-priced or sent on, and settled before deciding.
  const riskLayer = riskLayerOf(config);
  const ctx = { cycleId, state, tickTs, queues };
  const tickers = new Map(scan.tickers.map((t) => [t.symbol, t]));
  const bestPrice: BestPrice = (symbol, side) => {
    const ticker = tickers.get(symbol);
    return ticker === undefined ? undefined : makerPrice(ticker, side);
  };
  let restingFilled: OrderState[] = [];
  // Reasons of fills whose client order id is not the tick's own (resting orders, stops), for the risk step.
  const restingReasons: Array<[string, string]> = [];
  /** Books orders that ended outside the tick's own order children, keeping each fill's reason. */
  const bookOthers = (found: OrdersToSettle): OrderState[] => {
    found.intents.forEach((intent, i) => {
      const outcome = found.outcomes[i]!;
      if (outcome.ok) restingReasons.push([outcome.order.clientOrderId, intent.reason]);
    });
    return found.intents.length === 0 ? [] : applySettlement(state, tickTs, found);
  };
  if ((state.working?.length ?? 0) > 0) {
    const stepped = await stepWorkingOrders(ctx, riskLayer.execution, bestPrice);
    setWorking(state, stepped.working);
    restingFilled = bookOthers(stepped);
  }
  // (2c) Stops resting on the exchange (exits.onExchange): one that fired since the last tick is booked before deciding.
  if ((state.exchangeStops?.length ?? 0) > 0) restingFilled = [...restingFilled, ...bookOthers(await settleTriggeredStops(ctx))];
  const portfolio = state.portfolio!;

  // (3) Coin health, AI verdicts applied, allocation and risk: the same pure decision a backtest runs.
  // The risk layer's state exists while some part of it is on (cycles without it decide exactly as before).
  if (riskLayerActive(riskLayer)) state.risk ??= emptyRiskState();
  else delete state.risk;
  if (state.risk !== undefined) await measureCorrelationIfDue(state, state.risk, riskLayer, symbols, tickTs, queues);
  const decision = decideTick({
    state: { ...state, portfolio },
    config,
    universe: { prices: scanPrices, rules },
    outcomes: results,
  });
  state.coinHealth = decision.coinHealth;
  const { evaluations, failedCoins, prices, plan } = decision;
  if (decision.aiVerdicts !== undefined) {
    state.aiVerdicts = decision.aiVerdicts;
    state.aiPending = decision.aiPending;
  }
  if (decision.aiChanged.length > 0) log.info('AI verdicts changed decisions', { changed: decision.aiChanged });
  if (plan.skipped.length > 0) log.info('signals that did not become orders', { count: plan.skipped.length, first: plan.skipped.slice(0, 10).map((s) => `${s.side} ${s.symbol}: ${s.reason}`) });

  // (4) New AI analyses start without being waited for, so the tick never queues behind the one-slot AI worker.
  await requestAiAnalyses(cycleId, state, tickTs, evaluations, queues);

  // (5) One child per order intent; the client order id comes from business keys only. Orders of a TWAP go out as
  // slices (the first now, the rest at later ticks); maker-first signal orders are placed post-only and rest; a resting
  // order or a TWAP an exit sells through is cancelled first.
  const planned = routeTwaps({ intents: plan.intents, clientOrderIds: plan.intents.map((intent) => clientOrderIdFor({ cycleId, tickTs, symbol: intent.symbol, side: intent.side })), execution: riskLayer.execution, rules, tickNo: state.tickNo });
  const sliceParents = planned.sliceParents;
  let takers: TakerOrder[] = planned.intents.map((intent, i) => ({ intent, clientOrderId: planned.clientOrderIds[i]! }));
  const early: OrdersToSettle = { intents: [], outcomes: [] };
  const riskSellSymbols = (): Set<string> => new Set(takers.filter((t) => t.intent.side === 'sell' && !sliceParents.has(t.clientOrderId)).map((t) => t.intent.symbol));
  if ((state.exchangeStops?.length ?? 0) > 0) {
    // A stop on the exchange holds its coins: every coin sold this tick (a signal, an exit, a TWAP slice) loses it first.
    const selling = new Set([...planned.intents.filter((intent) => intent.side === 'sell').map((intent) => intent.symbol), ...coinsBeingSold(state)]);
    const found = await cancelStopsOf(ctx, selling, 'the coin is sold this tick');
    early.intents.push(...found.intents);
    early.outcomes.push(...found.outcomes);
    found.intents.forEach((intent, i) => {
      const outcome = found.outcomes[i]!;
      if (outcome.ok) restingReasons.push([outcome.order.clientOrderId, intent.reason]);
    });
  }
  if (riskLayer.execution.mode === 'maker_first' || (state.working?.length ?? 0) > 0) {
    const placed = riskLayer.execution.mode === 'maker_first' ? await placeMakerFirst(ctx, riskLayer.execution, planned.intents, planned.clientOrderIds, bestPrice, sliceParents) : null;
    if (placed !== null) {
      takers = placed.taker.map((i) => takers[i]!);
      early.intents.push(...placed.settle.intents);
      early.outcomes.push(...placed.settle.outcomes);
    }
    const { kept, cancelled } = cancelledByRisk([...(state.working ?? []), ...(placed?.working ?? [])], riskSellSymbols(), state.risk?.halt != null);
    setWorking(state, kept);
    if (cancelled.length > 0) {
      const found = await cancelInTheWay(ctx, cancelled);
      early.intents.unshift(...found.intents);
      early.outcomes.unshift(...found.outcomes);
    }
  }
  if ((state.twaps?.length ?? 0) > 0) takers = [...dueSlices(state, riskLayer.execution, riskSellSymbols(), { prices, rules }), ...takers];
  const twapsAfter = [...(state.twaps ?? []), ...planned.started];
  const takerResults = await Promise.all(
    takers.map(({ intent, clientOrderId }) =>
      executeChild(orderExecution, {
        workflowId: `${orderWorkflowId(cycleId, tickTs, intent.symbol, intent.side)}${sliceParents.has(clientOrderId) ? '/twap' : ''}`,
        taskQueue: queues.cycle,
        args: [{ cycleId, exchange: config.exchange, account: cycleId, quote: config.quote, tickTs, clientOrderId, intent, fillTimeoutMs: ORDER_FILL_TIMEOUT_MS, taskQueuePrefix: config.taskQueuePrefix }],
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        workflowRunTimeout: (config.timeouts ?? DEFAULT_CHILD_TIMEOUTS).orderRunMs,
        staticSummary: `${intent.side} ${intent.amount} ${intent.symbol}: ${intent.reason}${sliceParents.has(clientOrderId) ? ' (TWAP slice)' : ''}`,
        typedSearchAttributes: [
          { key: KEEL_MARKET, value: config.name },
          { key: KEEL_EXCHANGE, value: config.exchange },
          { key: KEEL_SYMBOL, value: intent.symbol },
          { key: KEEL_TICK, value: state.tickNo + 1 },
        ],
      }).catch((error: unknown): OrderExecutionResult => ({ ok: false, symbol: intent.symbol, clientOrderId, ...childFailure(error) })),
    ),
  );
  if (twapsAfter.length > 0 || state.twaps !== undefined) {
    setTwaps(state, twapsAfterSlices(twapsAfter, sliceParents, takers.map((t) => t.clientOrderId), takerResults.map((r) => r.ok && hasFill(r.order))));
  }

  // Fills booked, cooldowns, doubts: the same pure settlement a backtest runs.
  const takerIntents = takers.map((t) => t.intent);
  const tickFilled = applySettlement(state, tickTs, { intents: early.intents.length === 0 ? takerIntents : [...early.intents, ...takerIntents], outcomes: early.outcomes.length === 0 ? takerResults : [...early.outcomes, ...takerResults] });
  const filled = restingFilled.length === 0 ? tickFilled : [...restingFilled, ...tickFilled];
  for (const t of takers) if (sliceParents.has(t.clientOrderId)) restingReasons.push([t.clientOrderId, t.intent.reason]);
  const portfolioAfter = state.portfolio!;

  // Remainders below their market's minimum: not open positions, and shown as dust in the status.
  const dust = dustSymbols(portfolioAfter, rules, prices);
  if (dust.length > 0 || state.dust !== undefined) state.dust = dust;

  // (6) One bulk, idempotent write of the whole tick.
  const equity = portfolioEquity(portfolioAfter, prices);
  if (state.risk !== undefined) advanceRisk(state, { cycleId, tickTs, riskLayer, portfolioBefore, portfolioAfter, intents: plan.intents, filled, evaluations, equity, openPositions: countOpenPositions(portfolioAfter, rules, prices), rules, otherReasons: restingReasons });
  // Stops on the exchange follow the positions and levels the tick left (placed, replaced, or cancelled).
  if (config.exits?.onExchange === true || state.exchangeStops !== undefined) filled.push(...bookOthers(await stopsAfterTick(ctx, { riskLayer, evaluations, prices, rules })));
  const recorded = state.portfolio!;
  const recordedEquity = recorded === portfolioAfter ? equity : portfolioEquity(recorded, prices);
  const completedAtMs = Date.now();
  await db.recordTick({
    cycleId,
    tickNo: state.tickNo + 1,
    tickTs,
    startedAtMs,
    completedAtMs,
    coins: symbols.length,
    failedCoins,
    evaluations,
    ordersPlaced: filled.length,
    cash: recorded.cash,
    equity: recordedEquity,
    realizedPnl: recorded.realizedPnl,
    positions: Object.values(recorded.positions),
  });

  return {
    tickNo: state.tickNo + 1,
    tickTs,
    coins: symbols.length,
    evaluated: evaluations.length,
    failed: failedCoins.length,
    skipped: skipped.length,
    buys: filled.filter((o) => o.side === 'buy').length,
    sells: filled.filter((o) => o.side === 'sell').length,
    ordersFilled: filled.length,
    equity: recordedEquity,
    cash: recorded.cash,
    durationMs: completedAtMs - startedAtMs,
    completedAtMs,
  };
}

async function requestAiAnalyses(cycleId: string, state: MarketCycleState, tickTs: number, evaluations: CoinEvaluation[], queues: TaskQueues): Promise<void> {
  const { config } = state;
  const ai = config.ai;
  if (!ai?.enabled) return;
  const tickNo = state.tickNo + 1;
  if (state.aiSuspendedUntilMs !== undefined && Date.now() < state.aiSuspendedUntilMs) return;

  const pending = (state.aiPending ??= {});
  const chosen = selectForAnalysis(evaluations, ai, pending);
  await Promise.all(
    chosen.map(async (symbol) => {
      const evaluation = evaluations.find((e) => e.symbol === symbol)!;
      pending[symbol] = tickNo;
      try {
        await startChild(aiAnalysis, {
          workflowId: `${coinWorkflowId(cycleId, tickTs, symbol)}/ai`,
          taskQueue: queues.cycle,
          // The cycle continues as new every tick; the analysis must outlive the run that asked for it.
          parentClosePolicy: 'ABANDON',
          workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
          args: [{ cycleId, exchange: config.exchange, timeframe: config.timeframe, tickNo, tickTs, evaluation, position: state.portfolio?.positions[symbol] ?? null, taskQueuePrefix: config.taskQueuePrefix }],
          staticSummary: `AI analysis of ${symbol} @ tick ${tickNo} (score ${evaluation.score})`,
          typedSearchAttributes: [
            { key: KEEL_MARKET, value: config.name },
            { key: KEEL_EXCHANGE, value: config.exchange },
            { key: KEEL_SYMBOL, value: symbol },
            { key: KEEL_TICK, value: tickNo },
          ],
        });
      } catch (error) {
        // Already started by an earlier attempt of this tick: its verdict is on the way.
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) {
          delete pending[symbol];
          log.warn('could not start AI analysis', { symbol, ...failureInfo(error) });
        }
      }
    }),
  );
}

function runCoin(cycleId: string, state: MarketCycleState, tickTs: number, symbol: string, queues: TaskQueues, syncAndEvaluate: boolean): Promise<CoinCycleResult> {
  const { config } = state;
  return executeChild(coinCycle, {
    workflowId: coinWorkflowId(cycleId, tickTs, symbol),
    taskQueue: queues.cycle,
    args: [
      {
        cycleId,
        exchange: config.exchange,
        symbol,
        timeframe: config.timeframe,
        tickTs,
        warmupCandles: config.warmupCandles,
        signal: config.signal,
        taskQueuePrefix: config.taskQueuePrefix,
        ...(config.exits?.stopLossAtr && { atrPeriod: config.exits.stopLossAtr.period }),
        ...(syncAndEvaluate && { syncAndEvaluate: true as const }),
      },
    ],
    workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
    workflowRunTimeout: (config.timeouts ?? DEFAULT_CHILD_TIMEOUTS).coinRunMs,
    staticSummary: `${symbol} @ tick ${state.tickNo + 1}`,
    typedSearchAttributes: [
      { key: KEEL_MARKET, value: config.name },
      { key: KEEL_EXCHANGE, value: config.exchange },
      { key: KEEL_SYMBOL, value: symbol },
      { key: KEEL_TICK, value: state.tickNo + 1 },
    ],
  }).catch((error: unknown): CoinCycleResult => ({ ok: false, symbol, ...childFailure(error) }));
}

/** A child id that already completed (a redone tick) is not an error to retry: that coin or order is done. */
function childFailure(error: unknown): { errorType: string; message: string } {
  if (error instanceof WorkflowExecutionAlreadyStartedError) {
    return { errorType: 'AlreadyCompleted', message: 'this tick already ran this child; its result belongs to an earlier run' };
  }
  return failureInfo(error);
}

