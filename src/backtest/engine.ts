import type { BacktestOrder, EquityPoint } from '../domain/backtest-types.js';
import { clientOrderIdFor } from '../domain/business-key.js';
import type { CoinHealth } from '../domain/coin-health.js';
import type { CycleConfig } from '../domain/cycle-config.js';
import { portfolioEquity } from '../domain/portfolio-accounting.js';
import type { PortfolioSnapshot } from '../domain/portfolio-types.js';
import { emptyPortfolio } from '../domain/portfolio-types.js';
import { evaluateCloses } from '../domain/signal-kernel.js';
import { decideTick, tickUniverse } from '../domain/tick-decision.js';
import type { TickUniverse } from '../domain/tick-decision.js';
import { settleOrders, type OrderOutcome } from '../domain/tick-settlement.js';
import type { OrderIntent, OrderState } from '../domain/market-types.js';
import { cancelledByRisk, isMakerFirst, placeWorkingOrder, type WorkingOrder } from '../domain/working-orders.js';
import { stepRestingOrders, type RestingMarket } from './resting-orders.js';
import { dueTwapSlices, routeTwaps, twapsAfterSlices, type TwapOrder } from '../domain/twap.js';
import type { Lock } from '../domain/guards.js';
import { riskLayerActive, riskLayerOf } from '../domain/risk-layer-config.js';
import { exitsEnabled } from '../domain/exit-config.js';
import { emptyRiskState, nextRiskState, type RiskState } from '../domain/tick-risk.js';
import { timeframeMs } from '../domain/market-types.js';
import { CORRELATION_REASON, closesOnGrid, correlationDue, correlationGrid, correlationSymbols, measureCorrelation, type CorrelationSnapshot } from '../domain/correlation-snapshot.js';
import { leaderOf } from '../domain/regime-gate.js';
import { CoinEvaluations } from './coin-evaluations.js';
import type { CoinEvaluator } from './coin-evaluations.js';
import { EvaluationsAhead } from './evaluations-ahead.js';
import type { AheadMode, WarmAheadThread } from './evaluations-ahead.js';
import { evaluatedCandleOpenTs } from './evaluations-ahead-layout.js';
import type { BacktestData } from './market-data.js';
import { fillIntent } from './simulated-fill.js';
import { hasFill } from '../domain/fill-model.js';
import type { FillSettings } from './simulated-fill.js';
import { ScanCursor } from './scan.js';

export type { CoinEvaluator } from './coin-evaluations.js';

export interface BacktestRunInput {
  data: BacktestData;
  /** The cycle config a durable replay cycle would run: marketStartMs and maxTicks say which ticks. */
  config: CycleConfig;
  /** The paper account's starting cash in the quote currency (decimal string), as KEEL_PAPER_CASH. */
  startingCash: string;
  fill: FillSettings;
  /** Called every `progressEvery` ticks and after the last: ticks done and in all. */
  onProgress?: (ticksDone: number, ticks: number) => void;
  progressEvery?: number;
  /** The coin evaluation, evaluateCloses unless a test plants another (the look-ahead check's planted bug). */
  evaluate?: CoinEvaluator;
  /**
   * Whether coin evaluations are computed ahead on a second thread (see AheadMode in evaluations-ahead.ts; the
   * results are the same either way); 'auto' by default. Never with `evaluate`: the thread runs the kernel only.
   */
  evaluationsAhead?: AheadMode;
  /** A thread started before the data was loaded, for the evaluations ahead (the caller stops it if unused). */
  aheadThread?: WarmAheadThread | null;
}

export interface BacktestTick {
  tickTs: number;
  /** Cash plus positions at the tick's close, exactly as the cycle records it (decimal string). */
  equity: string;
  cash: string;
}

export interface BacktestRun {
  orders: BacktestOrder[];
  ticks: BacktestTick[];
  curve: EquityPoint[];
  /**
   * Every pair's last price at each tick, for buy-and-hold: tickPrices[tick * pairCount + pair] (NaN without a ticker),
   * tick by tick as the scan writes them and buy-and-hold reads them.
   */
  tickPrices: Float64Array;
  pairCount: number;
  /** The intents that did not fill, with why (insufficient funds, no price). */
  unfilled: Array<{ tickTs: number; symbol: string; side: string; errorType: string; message: string }>;
  /** Coin evaluations that failed (a missing candle, too short a history). */
  failedEvaluations: number;
  /** Coin evaluations taken from the thread that computed them ahead, and those evaluated on the engine's thread. */
  evaluations: { ahead: number; inline: number };
  /** Buy locks the guards placed, in the order they were placed (the risk layer; empty when it is off). */
  locks: Array<Lock & { tickTs: number }>;
  /** Buys the correlation gate refused (correlation.enabled), with the tick and why. */
  correlationRefusals: Array<{ tickTs: number; symbol: string; reason: string }>;
  /** Maker orders still resting after the last tick (execution.mode maker_first); a run ends with them cancelled. */
  restingAtEnd: WorkingOrder[];
  /** Maker orders an exit or a drawdown halt cancelled, with the tick that did. */
  restingCancelled: Array<WorkingOrder & { cancelledTs: number }>;
  /** TWAPs (execution.twap) started, and those an exit, a drawdown halt or an unfilled slice ended before their last slice. */
  twaps: { started: number; cutShort: number };
  portfolio: PortfolioSnapshot;
}

/**
 * Runs the market cycle's decisions over recorded candles in one process: for each tick the same scan, the same
 * candle window per coin (see StoredCandles), the same signal kernel, the same pure decision (decideTick), the same
 * fill model as the paper broker and the same settlement (settleOrders). What differs is only how: no Temporal, no
 * database, no exchange calls. AI verdicts are not replayed (a backtest runs on its signals alone).
 */
export function runBacktest(input: BacktestRunInput): BacktestRun {
  const { data, config, fill } = input;
  const tfMs = timeframeMs(config.timeframe);
  const ticks = config.maxTicks ?? 0;
  const cycleId = `backtest/${config.exchange}/${config.name}`;
  const lookback = CoinEvaluations.lookbackOf(config);
  const scan = new ScanCursor(data, config);
  const pairIndex = new Map(data.pairs.map((p, i) => [p.symbol, i]));
  const riskLayer = riskLayerOf(config);
  const decisionConfig = { signal: config.signal, risk: config.risk, ...riskLayer };
  // The risk layer's state, only when some part of it acts: a run without it decides exactly as before it existed.
  let riskState: RiskState | null = riskLayerActive(riskLayer) ? emptyRiskState() : null;
  const locks: BacktestRun['locks'] = [];
  const correlationRefusals: BacktestRun['correlationRefusals'] = [];
  // Maker-first orders resting between ticks (execution.mode maker_first); always empty in market mode.
  let working: WorkingOrder[] = [];
  const restingCancelled: BacktestRun['restingCancelled'] = [];
  const makerFirst = riskLayer.execution.mode === 'maker_first';
  // TWAPs with slices still to go (execution.twap); always empty without it.
  let twaps: TwapOrder[] = [];
  const twapCounts = { started: 0, cutShort: 0 };
  let scanPrices: Readonly<Record<string, number>> = {};
  /** The last tick's universe: the next one reuses its rules record when the scan's rules are the same. */
  let previousUniverse: TickUniverse | undefined;
  const restingMarket: RestingMarket = {
    rangeSince: (symbol, sinceMs) => {
      const index = pairIndex.get(symbol);
      return index === undefined ? null : scan.rangeSince(index, sinceMs);
    },
    // The scan's price this tick, as the market cycle has it (a pair outside the scan's coins has none: it rests on).
    lastPrice: (symbol) => {
      const last = scanPrices[symbol];
      return last !== undefined && Number.isFinite(last) && last > 0 ? last : null;
    },
  };

  /** The correlation gate's measurement from the stored closes, as the cycle's measureCorrelation activity makes it. */
  const measuredCorrelation = (from: CoinEvaluations, symbols: readonly string[], untilOpenTs: number, tfMs: number, tickNo: number): CorrelationSnapshot => {
    const grid = correlationGrid(untilOpenTs, tfMs, riskLayer.correlation.window);
    const market = leaderOf(symbols, config.quote, riskLayer.regimeGate.leader);
    const closes: Record<string, Float64Array> = {};
    for (const symbol of correlationSymbols(symbols, market)) closes[symbol] = closesOnGrid(from.storedCloses(symbol, untilOpenTs, grid.count), grid, tfMs);
    return measureCorrelation(closes, market, riskLayer.correlation, tickNo);
  };

  let portfolio = emptyPortfolio(config.quote, input.startingCash);
  let coinHealth: Record<string, CoinHealth> = {};
  let cooldowns: Record<string, number> = {};
  const orders: BacktestOrder[] = [];
  const tickRows: BacktestTick[] = [];
  const curve: EquityPoint[] = [];
  const unfilled: BacktestRun['unfilled'] = [];
  const pairCount = data.pairs.length;
  const tickPrices = new Float64Array(ticks * pairCount);
  let failedEvaluations = 0;
  const progressEvery = input.progressEvery ?? Math.max(1, Math.floor(ticks / 100));
  const ahead =
    input.evaluate === undefined
      ? EvaluationsAhead.start({
          data,
          symbols: config.universe.symbols,
          signal: config.signal,
          lookback,
          marketStartMs: config.marketStartMs,
          timeframeMs: tfMs,
          ticks,
          mode: input.evaluationsAhead ?? 'auto',
          thread: input.aheadThread ?? null,
        })
      : null;
  const evaluations = new CoinEvaluations(data, config, input.evaluate ?? evaluateCloses, ahead, exitsEnabled(riskLayer.exits));
  /** An order's end: a fill joins the orders, anything else the unfilled list. */
  const record = (tickTs: number, intent: OrderIntent, outcome: OrderOutcome, role: 'maker' | 'taker'): void => {
    if (outcome.ok) orders.push({ tickTs, symbol: intent.symbol, side: intent.side, amount: outcome.order.filled, price: outcome.order.averagePrice, fee: outcome.order.feeQuote, reason: intent.reason, feeRole: role });
    else unfilled.push({ tickTs, symbol: intent.symbol, side: intent.side, errorType: outcome.errorType, message: outcome.message });
  };

  try {
    for (let tickNo = 0; tickNo < ticks; tickNo++) {
      const tickTs = config.marketStartMs + tickNo * tfMs;
      ahead?.beginTick(tickNo);
      const tickers = scan.at(tickTs);
      tickPrices.set(tickers.lasts, tickNo * pairCount);
      const universe = tickUniverse(tickers.chosen, portfolio, coinHealth, tickNo, previousUniverse);
      previousUniverse = universe;
      scanPrices = universe.prices;

      const outcomes = evaluations.at(tickTs, evaluatedCandleOpenTs(tickTs, tfMs), universe.symbols);

      const portfolioBefore = portfolio;
      const reasonById = new Map<string, string>();
      // Maker orders from earlier ticks first: filled by the candles since they were placed, re-priced or sent on.
      let restingFilled: OrderState[] = [];
      if (working.length > 0) {
        const step = stepRestingOrders({ working, tickTs, execution: riskLayer.execution, market: restingMarket, cash: portfolio.cash, settings: fill });
        working = step.working;
        const settled = settleOrders({ portfolio, cooldowns, tickNo: tickNo + 1, tickTs, cooldownTicks: config.risk.cooldownTicks, intents: step.intents, outcomes: step.outcomes, strictFate: () => true });
        portfolio = settled.portfolio;
        cooldowns = settled.cooldowns;
        restingFilled = settled.filled;
        step.outcomes.forEach((o, i) => {
          record(step.recordTs[i]!, step.intents[i]!, o, step.makers[i]! ? 'maker' : 'taker');
          if (o.ok) reasonById.set(o.order.clientOrderId, step.intents[i]!.reason);
        });
      }

      if (riskState !== null && correlationDue(riskState.correlation, riskLayer.correlation, tickNo)) {
        riskState = { ...riskState, correlation: measuredCorrelation(evaluations, universe.symbols, evaluatedCandleOpenTs(tickTs, tfMs), tfMs, tickNo) };
      }
      const decision = decideTick({ state: { tickNo, portfolio, coinHealth, cooldowns, ...(riskState !== null && { risk: riskState }), ...(working.length > 0 && { working }), ...(twaps.length > 0 && { twaps }) }, config: decisionConfig, universe, outcomes });
      coinHealth = decision.coinHealth;
      if (riskLayer.correlation.enabled) {
        for (const skip of decision.plan.skipped) if (skip.reason.startsWith(CORRELATION_REASON)) correlationRefusals.push({ tickTs, ...skip });
      }
      failedEvaluations += decision.failedCoins.length;
      let cash = portfolio.cash;
      const intents: OrderIntent[] = [];
      const clientOrderIds: string[] = [];
      const riskSellSymbols = new Set<string>();
      const planned = decision.plan.intents;
      const routed = routeTwaps({ intents: planned, clientOrderIds: planned.map((intent) => clientOrderIdFor({ cycleId, tickTs, symbol: intent.symbol, side: intent.side })), execution: riskLayer.execution, rules: universe.rules, tickNo });
      routed.intents.forEach((intent, i) => {
        const clientOrderId = routed.clientOrderIds[i]!;
        const slice = routed.sliceParents.has(clientOrderId);
        if (makerFirst && !slice && isMakerFirst(intent, riskLayer.execution)) {
          const last = restingMarket.lastPrice(intent.symbol);
          if (last !== null) {
            working.push(placeWorkingOrder(intent, clientOrderId, tickTs, last));
            return;
          }
        } else if (intent.side === 'sell' && !slice) riskSellSymbols.add(intent.symbol);
        intents.push(intent);
        clientOrderIds.push(clientOrderId);
      });
      // A stop or a drawdown halt cancels what rests in its way (nothing of it filled: fills were judged above), and
      // the slices still to go of its coin's TWAP.
      if (working.length > 0) {
        const { kept, cancelled } = cancelledByRisk(working, riskSellSymbols, riskState?.halt != null);
        working = kept;
        for (const order of cancelled) restingCancelled.push({ ...order, cancelledTs: tickTs });
      }
      const sliceParents = routed.sliceParents;
      if (twaps.length > 0) {
        const { kept, cancelled } = cancelledByRisk(twaps, riskSellSymbols, riskState?.halt != null);
        twapCounts.cutShort += cancelled.length;
        // The slices due now go out first, before the tick's new orders (the cycle sends them in this order too).
        const due = dueTwapSlices({ twaps: kept, tickNo, intervalTicks: riskLayer.execution.twap?.intervalTicks ?? 1, prices: decision.prices, portfolio, rules: universe.rules });
        twaps = due.twaps;
        intents.unshift(...due.slices.map((s) => s.intent));
        clientOrderIds.unshift(...due.slices.map((s) => s.clientOrderId));
        for (const s of due.slices) sliceParents.set(s.clientOrderId, s.parentId);
      }
      twapCounts.started += routed.started.length;
      twaps.push(...routed.started);
      const orderOutcomes = intents.map((intent, i) => {
        const clientOrderId = clientOrderIds[i]!;
        reasonById.set(clientOrderId, intent.reason);
        const index = pairIndex.get(intent.symbol);
        const outcome = fillIntent({ intent, clientOrderId, tickTs, cash, ticker: index === undefined ? null : scan.tickerOf(index), settings: fill });
        if (outcome.ok) cash = outcome.cashAfter;
        return outcome;
      });
      const settlement = settleOrders({
        portfolio,
        cooldowns,
        tickNo: tickNo + 1,
        tickTs,
        cooldownTicks: config.risk.cooldownTicks,
        intents,
        outcomes: orderOutcomes.map((o) => (o.ok ? { ok: true as const, order: o.order } : o.failure)),
        strictFate: () => true,
      });
      portfolio = settlement.portfolio;
      cooldowns = settlement.cooldowns;
      orderOutcomes.forEach((o, i) => record(tickTs, intents[i]!, o.ok ? { ok: true, order: o.order } : o.failure, o.ok ? o.role : 'taker'));
      if (sliceParents.size > 0) {
        const before = twaps.length;
        twaps = twapsAfterSlices(twaps, sliceParents, clientOrderIds, orderOutcomes.map((o) => o.ok && hasFill(o.order)));
        twapCounts.cutShort += before - twaps.length;
      }

      const equity = portfolioEquity(portfolio, decision.prices);
      const equityValue = Number(equity);
      tickRows.push({ tickTs, equity, cash: portfolio.cash });
      if (riskState !== null) {
        const filled = restingFilled.length === 0 ? settlement.filled : [...restingFilled, ...settlement.filled];
        const step = nextRiskState({ state: riskState, config: riskLayer, tickNo, quote: config.quote, portfolioBefore, portfolioAfter: portfolio, filled, reasons: reasonById, evaluations: decision.evaluations, equity: equityValue, rules: universe.rules, drawdownLockOncePerBreach: true });
        riskState = step.state;
        for (const lock of step.newLocks) locks.push({ tickTs, ...lock });
      }
      curve.push({ ts: tickTs, equity: equityValue, invested: equityValue - Number(portfolio.cash) });
      if (input.onProgress !== undefined && ((tickNo + 1) % progressEvery === 0 || tickNo + 1 === ticks)) input.onProgress(tickNo + 1, ticks);
    }
  } finally {
    ahead?.stop();
  }
  return { orders, ticks: tickRows, curve, tickPrices, pairCount, unfilled, failedEvaluations, evaluations: { ahead: ahead?.served ?? 0, inline: evaluations.inline }, locks, correlationRefusals, restingAtEnd: working, restingCancelled, twaps: twapCounts, portfolio };
}

