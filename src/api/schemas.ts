import { z } from 'zod';
import type { CycleStatus, TickSummary } from '../contracts/workflow-types.js';
import type { AiConfig } from '../domain/ai-policy.js';
import type { CycleConfig, RiskConfig, UniverseConfig } from '../domain/cycle-config.js';
import { FINDING_KINDS } from '../domain/findings.js';
import { TIMEFRAMES, type Candle, type Timeframe } from '../domain/market-types.js';
import type { SignalConfig } from '../domain/signal-types.js';
import type { BacktestOrder, MonthSummary, TradeSummary } from '../domain/backtest-types.js';
import type { AnalysisRecord } from '../db/queries/ai-analyses.js';
import type { BacktestRunDetail, BacktestRunSummary } from '../db/queries/backtest-runs.js';
import type { StoredOrder } from '../db/queries/orders.js';
import type { FindingAcknowledgementRecord } from '../db/queries/acknowledgements.js';
import type { StoredFinding } from '../db/queries/reconciliation.js';
import type { SignalRow, StoredPosition, TickRow } from '../db/queries/ticks.js';
import type { CycleSummary } from './cycles.js';
import { API_ERROR_STATUS, type ApiErrorCode, type ErrorBody } from './errors.js';

/**
 * Response bodies as zod schemas. They are not used to serialize (handlers return plain objects); they are what the
 * OpenAPI document publishes, and each is checked at compile time against the TypeScript type the handler returns,
 * so the document cannot drift from the code: a field added to CycleStatus fails `tsc` here until it is described.
 */

import { apiSchemas, decimal, epochMs, int, named, sameType, type Equals } from './schema-helpers.js';
import { correlationConfigSchema, executionConfigSchema, exitConfigSchema, guardConfigSchema, regimeGateConfigSchema, sizingConfigSchema } from './risk-layer-schemas.js';

export { apiSchemas };

export const timeframeSchema = z.enum(TIMEFRAMES as [Timeframe, ...Timeframe[]]);

export const errorBodySchema = named(
  'Error',
  z
    .object({
      code: z.enum(Object.keys(API_ERROR_STATUS) as [ApiErrorCode, ...ApiErrorCode[]]),
      message: z.string().describe('What went wrong, written for the caller (never a stack trace)'),
    })
    .describe('The one error body of every route'),
);
sameType<Equals<z.output<typeof errorBodySchema>, ErrorBody>>();

const signalConfigSchema = named(
  'SignalConfig',
  z.object({
    rsiPeriod: int(),
    rsiOversold: z.number(),
    rsiOverbought: z.number(),
    maFastPeriod: int(),
    maSlowPeriod: int(),
    macdFastPeriod: int(),
    macdSlowPeriod: int(),
    macdSignalPeriod: int(),
    weights: z.object({ rsi: z.number(), maCross: z.number(), macd: z.number() }).describe('must add up to 1'),
    buyThreshold: z.number(),
    sellThreshold: z.number(),
  }),
);
sameType<Equals<z.output<typeof signalConfigSchema>, SignalConfig>>();

const riskConfigSchema = named(
  'RiskConfig',
  z.object({ maxPositionFraction: z.number(), maxOpenPositions: int(), minOrderNotional: z.number(), cooldownTicks: int() }),
);
sameType<Equals<z.output<typeof riskConfigSchema>, RiskConfig>>();

const universeConfigSchema = named(
  'UniverseConfig',
  z.object({
    symbols: z.array(z.string()).nullable().describe('explicit symbols, or null for the top coins by quote volume'),
    maxCoins: int(),
  }),
);
sameType<Equals<z.output<typeof universeConfigSchema>, UniverseConfig>>();

const aiConfigSchema = named(
  'AiConfig',
  z.object({
    enabled: z.boolean(),
    minAbsScore: z.number(),
    maxCoinsPerTick: int(),
    mode: z.enum(['veto', 'weigh']),
    weight: z.number(),
    minConfidence: z.number(),
    verdictTtlTicks: int(),
  }),
);
sameType<Equals<z.output<typeof aiConfigSchema>, AiConfig>>();

export const cycleConfigSchema = named(
  'CycleConfig',
  z.object({
    exchange: z.string(),
    name: z.string(),
    quote: z.string(),
    timeframe: timeframeSchema,
    clock: z.enum(['wall', 'market']),
    marketStartMs: epochMs('market clock: close time of the first candle'),
    tickPacingMs: int(),
    maxTicks: int().nullable(),
    universe: universeConfigSchema,
    warmupCandles: int(),
    signal: signalConfigSchema,
    risk: riskConfigSchema,
    childBatchSize: int(),
    ticksPerRun: int(),
    taskQueuePrefix: z.string(),
    ai: aiConfigSchema.optional(),
    exits: exitConfigSchema.optional(),
    guards: guardConfigSchema.optional(),
    sizing: sizingConfigSchema.optional(),
    regimeGate: regimeGateConfigSchema.optional(),
    correlation: correlationConfigSchema.optional(),
    execution: executionConfigSchema.optional(),
    timeouts: z
      .object({ coinRunMs: int(), orderRunMs: int() })
      .optional()
      .describe("run timeouts of a tick's coin and order children, in ms (default 600000 and 900000)"),
  }),
);
sameType<Equals<z.output<typeof cycleConfigSchema>, CycleConfig>>();

const tickSummarySchema = named(
  'TickSummary',
  z.object({
    tickNo: int(),
    tickTs: epochMs('close time of the candle the tick processed'),
    coins: int(),
    evaluated: int(),
    failed: int(),
    skipped: int(),
    buys: int(),
    sells: int(),
    ordersFilled: int(),
    equity: decimal('portfolio value after the tick'),
    cash: decimal('free cash after the tick'),
    durationMs: int(),
    completedAtMs: epochMs('wall time the tick completed'),
  }),
);
sameType<Equals<z.output<typeof tickSummarySchema>, TickSummary>>();

export const cycleStatusSchema = named(
  'CycleStatus',
  z.object({
    cycleId: z.string(),
    phase: z.enum(['waiting', 'ticking', 'paused', 'finished']),
    paused: z.boolean(),
    tickNo: int(),
    currentTickTs: int().nullable(),
    nextTickTs: int().nullable(),
    lastTick: tickSummarySchema.nullable(),
    config: cycleConfigSchema,
    cash: z.string().nullable(),
    openPositions: int().describe('positions that are not dust'),
    dust: z.array(z.string()).describe("held remainders below their market's minimum order: not sold, take no open-position slot, do not block buying the coin again"),
    openCircuits: z.array(z.string()).describe('symbols skipped by their circuit breaker'),
    inDoubt: z.array(z.string()).describe('symbols not traded until a reconciliation with the exchange clears them (an order of unknown outcome, or what the exchange has and keel does not)'),
    reconcileReason: z.string().nullable().describe('why the account is reconciled before the next tick; null when it need not be'),
    orderDoubts: z
      .array(z.object({ symbol: z.string(), clientOrderId: z.string(), kind: z.string(), reason: z.string() }))
      .describe('orders of unknown fate (fate_unknown) or whose fill could not be booked (fill_unapplied): looked up at every reconciliation, never dropped for age; acknowledge the finding to release one'),
    ai: z.object({ enabled: z.boolean(), pending: int(), verdicts: int(), suspendedUntilMs: int().nullable() }),
    risk: z
      .object({
        halt: z.string().nullable().describe('why the drawdown guard halted the cycle (everything sold, then paused); null when trading'),
        marketRegime: z.string().nullable().describe("the market's regime the regime gates use"),
        locks: z.array(z.object({ guard: z.string(), symbol: z.string().nullable(), reason: z.string(), untilTick: int() })).describe('buy locks of the guards; symbol null locks every coin'),
        protectedPositions: int().describe('held coins with exit levels (stops, take-profit, time limit)'),
        stops: z.enum(['checked_each_tick', 'on_exchange']).describe('where exit levels live: checked_each_tick = keel compares each closed candle with them and sells at market when one is reached; on_exchange = besides, each held coin\'s stop rests on the exchange as a stop-market sell (exits.onExchange, live accounts)'),
      })
      .optional()
      .describe('the risk layer, while some part of it is on'),
    working: z
      .array(z.object({ symbol: z.string(), side: z.string(), amount: z.string(), limitPrice: z.string(), attempt: int(), clientOrderId: z.string() }))
      .optional()
      .describe('maker-first orders resting on the book (execution.mode maker_first): re-priced at each tick up to execution.maxReprices, then sent as execution.fallback'),
    twaps: z
      .array(z.object({ symbol: z.string(), side: z.string(), slicesSent: int(), slices: int(), amountLeft: z.string(), nextSliceTick: int(), parentId: z.string() }))
      .optional()
      .describe('TWAPs under way (execution.twap): one market slice per execution.twap.intervalTicks ticks; an exit or a drawdown halt ends them'),
    exchangeStops: z
      .array(z.object({ symbol: z.string(), amount: z.string(), stopPrice: z.string(), clientOrderId: z.string() }))
      .optional()
      .describe('stop-market sells resting on the exchange, one per held coin (exits.onExchange, live accounts); they fire while keel is down'),
  }),
);
sameType<Equals<z.output<typeof cycleStatusSchema>, CycleStatus>>();

const cycleSummarySchema = named(
  'CycleSummary',
  z.object({
    workflowId: z.string(),
    exchange: z.string().nullable(),
    name: z.string().nullable(),
    status: z.string().describe("Temporal's execution status of the latest run: RUNNING, COMPLETED, TERMINATED, ..."),
    startTime: z.string().describe('start of the latest run, ISO 8601'),
    closeTime: z.string().nullable(),
  }),
);
sameType<Equals<z.output<typeof cycleSummarySchema>, CycleSummary>>();

export const cycleListSchema = named('CycleList', z.object({ namespace: z.string(), items: z.array(cycleSummarySchema) }));

export const startCycleResponseSchema = named(
  'StartCycleResult',
  z.object({
    workflowId: z.string(),
    started: z.boolean().describe('true: a new cycle was started (201); false: it was already running and the given settings were not applied (200)'),
    webUiUrl: z.string().describe("the cycle's page in the Temporal Web UI"),
  }),
);

export const signalSentSchema = named(
  'SignalSent',
  z.object({ workflowId: z.string(), signal: z.enum(['pause', 'resume']) }).describe('the signal was delivered; the cycle acts on it after its current tick'),
);

const tickRowSchema = named(
  'Tick',
  z.object({
    cycleId: z.string(),
    tickNo: int(),
    tickTs: epochMs('close time of the candle the tick processed'),
    startedAtMs: epochMs('wall time'),
    completedAtMs: epochMs('wall time'),
    durationMs: int(),
    coins: int(),
    failedCoins: z.array(z.string()),
    ordersPlaced: int(),
    cash: decimal('free cash'),
    equity: decimal('portfolio value'),
    realizedPnl: decimal('realized PnL since the cycle started'),
  }),
);
sameType<Equals<z.output<typeof tickRowSchema>, TickRow>>();

const positionSchema = named(
  'Position',
  z.object({
    symbol: z.string(),
    quantity: decimal('base quantity'),
    averagePrice: decimal('average entry price'),
    openedTick: int(),
    updatedTickTs: epochMs('market time of the tick that last wrote the position'),
  }),
);
sameType<Equals<z.output<typeof positionSchema>, StoredPosition>>();

const orderSchema = named(
  'Order',
  z.object({
    clientOrderId: z.string(),
    exchangeOrderId: z.string(),
    cycleId: z.string(),
    tickTs: int(),
    symbol: z.string(),
    side: z.enum(['buy', 'sell']),
    type: z.enum(['market', 'limit']),
    status: z.enum(['open', 'closed', 'canceled', 'rejected']),
    amount: decimal('base amount'),
    price: decimal('limit or reference price'),
    filled: decimal('filled base amount'),
    averagePrice: decimal('average fill price'),
    feeQuote: decimal('fee in quote currency'),
    reason: z.string(),
    createdAtMs: epochMs('wall time'),
    updatedAtMs: epochMs('wall time'),
  }),
);
sameType<Equals<z.output<typeof orderSchema>, StoredOrder>>();

const signalActionSchema = z.enum(['buy', 'sell', 'hold']);

const signalRowSchema = named(
  'Signal',
  z.object({
    cycleId: z.string(),
    tickTs: int(),
    symbol: z.string(),
    candleTs: epochMs('open time of the latest closed candle evaluated'),
    price: z.number(),
    score: z.number().describe('combined score in [-1, 1]'),
    action: signalActionSchema,
    volatility: z.number(),
    regime: z.enum(['trending_up', 'trending_down', 'ranging', 'volatile']),
    indicators: z.object({ rsi: z.number(), maFast: z.number(), maSlow: z.number(), macd: z.number(), macdSignal: z.number(), macdHistogram: z.number() }),
  }),
);
sameType<Equals<z.output<typeof signalRowSchema>, SignalRow>>();

const analysisSchema = named(
  'Analysis',
  z.object({
    cycleId: z.string(),
    tickTs: int(),
    symbol: z.string(),
    status: z.enum(['ok', 'invalid_output', 'error', 'budget_exhausted']),
    model: z.string(),
    promptVersion: z.string(),
    promptHash: z.string().nullable(),
    inputTokens: int(),
    outputTokens: int(),
    costUsd: z.number().nullable(),
    latencyMs: int().nullable(),
    signalAction: signalActionSchema,
    signalScore: z.number(),
    action: signalActionSchema.nullable(),
    confidence: z.number().nullable(),
    rationale: z.string().nullable(),
    riskFlags: z.array(z.string()),
    rawOutput: z.string().nullable(),
    errorCode: z.string().nullable(),
    errorMessage: z.string().nullable(),
    attempt: int(),
    analyzedAtMs: epochMs('wall time of the analysis'),
  }),
);
sameType<Equals<z.output<typeof analysisSchema>, AnalysisRecord>>();

const findingKindSchema = z
  .enum(FINDING_KINDS)
  .describe(
    "unknown_order: open at the exchange, not in keel's orders; unknown_trade: a fill of an order keel does not have; balance_short: the exchange holds less than the position; balance_excess: the exchange holds more than keel's records explain; stale_open_order: keel has it open, the exchange does not; order_fate_unknown: an order keel tried to place whose outcome is unknown",
  );

const findingSchema = named(
  'ReconciliationFinding',
  z.object({
    cycleId: z.string(),
    exchange: z.string(),
    kind: findingKindSchema,
    ref: z.string().describe('the exchange order id, trade id, asset or (order_fate_unknown) keel\'s client order id it is about'),
    symbol: z.string(),
    detail: z.string(),
    firstSeenAtMs: epochMs('wall time of the reconciliation that first saw it'),
    lastSeenAtMs: epochMs('wall time of the latest reconciliation that saw it'),
    resolvedAtMs: int().nullable().describe('wall time of the first reconciliation that no longer saw it; null while open (the coin is in doubt unless acknowledged)'),
    acknowledgedAtMs: int().nullable().describe('wall time a person acknowledged it (its coin is then not held in doubt for it); null if nobody has'),
    acknowledgedBy: z.string().nullable().describe('who acknowledged it: cli:<user>, api:token-<sha256 prefix>, dashboard'),
    acknowledgementNote: z.string().nullable().describe('what they did about it'),
  }),
);
sameType<Equals<z.output<typeof findingSchema>, StoredFinding>>();

export const findingAcknowledgedSchema = named(
  'FindingAcknowledged',
  z.object({
    workflowId: z.string(),
    finding: findingSchema,
    signalled: z.boolean().describe('true: the running cycle was told and releases the coin; false: it was not reachable (see message) and honours the acknowledgement at its next reconciliation'),
    message: z.string(),
  }),
);

const acknowledgementSchema = named(
  'FindingAcknowledgement',
  z.object({
    id: int(),
    cycleId: z.string(),
    kind: findingKindSchema,
    ref: z.string(),
    symbol: z.string(),
    acknowledgedBy: z.string(),
    acknowledgedAtMs: epochMs('wall time of the acknowledgement'),
    note: z.string(),
  }),
);
sameType<Equals<z.output<typeof acknowledgementSchema>, FindingAcknowledgementRecord>>();

const candleSchema = named(
  'Candle',
  z.object({ ts: epochMs('open time'), open: z.number(), high: z.number(), low: z.number(), close: z.number(), volume: z.number() }),
);
sameType<Equals<z.output<typeof candleSchema>, Candle>>();

const cycleItems = <S extends z.ZodType>(id: string, item: S) => named(id, z.object({ cycleId: z.string(), items: z.array(item) }));

export const tickListSchema = cycleItems('TickList', tickRowSchema);
export const positionListSchema = cycleItems('PositionList', positionSchema);
export const orderListSchema = cycleItems('OrderList', orderSchema);
export const signalListSchema = cycleItems('SignalList', signalRowSchema);
export const analysisListSchema = cycleItems('AnalysisList', analysisSchema);
export const findingListSchema = cycleItems('ReconciliationFindingList', findingSchema);
export const acknowledgementListSchema = cycleItems('FindingAcknowledgementList', acknowledgementSchema);
export const candleListSchema = named(
  'CandleList',
  z.object({ exchange: z.string(), symbol: z.string(), timeframe: timeframeSchema, items: z.array(candleSchema).describe('oldest first') }),
);

export const healthSchema = z.object({ status: z.literal('ok') });
export const openApiDocumentSchema = z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) }).describe('this document');

// ---- backtests --------------------------------------------------------------------------------------------------

const tradeSummarySchema = named(
  'BacktestTrade',
  z.object({
    symbol: z.string(),
    pnl: decimal('sell proceeds - fees - average cost of the amount sold, in quote'),
    returnPct: z.number().describe('pnl / cost, in percent'),
    openedTs: epochMs('tick of the first buy of the position'),
    closedTs: epochMs('tick of the sell'),
  }),
);
sameType<Equals<z.output<typeof tradeSummarySchema>, TradeSummary>>();

const monthSummarySchema = named(
  'BacktestMonth',
  z.object({ month: z.string().describe('UTC month, "2024-03"'), return: z.number().nullable(), trades: int(), fees: decimal('fees paid in the month') }),
);
sameType<Equals<z.output<typeof monthSummarySchema>, MonthSummary>>();

const backtestMetricsSchema = named(
  'BacktestMetrics',
  z
    .object({
      finalEquity: decimal('equity at the last tick, in quote'),
      totalReturn: z.number().describe('finalEquity / startingCash - 1'),
      annualisedReturn: z.number().nullable(),
      buyAndHoldReturn: z.number().nullable(),
      maxDrawdown: z.number().describe('deepest fall below the running peak, as a fraction of the peak'),
      maxDrawdownDurationMs: int(),
      sharpe: z.number().nullable().describe('daily returns, annualised by √365, no risk-free rate'),
      sortino: z.number().nullable(),
      calmar: z.number().nullable(),
      trades: int().describe('closed trades (each sell closes one)'),
      winRate: z.number().nullable(),
      profitFactor: z.number().nullable(),
      expectancy: decimal('mean pnl per closed trade').nullable(),
      exposure: z.number().describe('time-weighted share of equity invested'),
      feesPaid: decimal('fees paid'),
      feesAllTaker: decimal('what the fills would have paid all as taker'),
      makerFills: int().optional().describe('orders filled as a maker (execution.mode maker_first); absent in runs stored before it existed'),
      tradesPerPair: z.record(z.string(), int()),
      exitsByReason: z.record(z.string(), int()),
      bestTrade: tradeSummarySchema.nullable(),
      worstTrade: tradeSummarySchema.nullable(),
      months: z.array(monthSummarySchema),
      orders: int(),
      ticks: int(),
      fingerprint: z.string().optional(),
    })
    .describe("the run's results (src/domain/backtest-types.ts)"),
);

const backtestRunSummaryShape = {
  id: z.string().describe('`<sweep id>/<n>`'),
  sweepId: z.string().nullable(),
  status: z.enum(['running', 'finished', 'failed']),
  label: z.string(),
  fingerprint: z.string().nullable().describe('digest of the filled orders: equal fingerprints, equal orders'),
  metrics: backtestMetricsSchema.nullable().describe('null until the run has finished'),
  error: z.string().nullable().describe('why a failed run failed'),
  createdAtMs: epochMs('wall time the run was taken by a worker'),
  finishedAtMs: int().nullable().describe('wall time it finished or failed, epoch milliseconds'),
};
const backtestRunSummarySchema = named('BacktestRunSummary', z.object(backtestRunSummaryShape));
// The stored metrics type is an intersection (BacktestMetrics & {fingerprint?}); Equals compares it field by field.
type Fields<T> = { [K in keyof T]: T[K] };
type MetricsOf<T extends { metrics: unknown }> = Fields<NonNullable<T['metrics']>> | Extract<T['metrics'], null>;
sameType<Equals<Omit<z.output<typeof backtestRunSummarySchema>, 'metrics'>, Omit<BacktestRunSummary, 'metrics'>>>();
sameType<Equals<MetricsOf<z.output<typeof backtestRunSummarySchema>>, MetricsOf<BacktestRunSummary>>>();

const curveSchema = (what: string) => z.array(z.tuple([int(), z.number()])).nullable().describe(`${what}: [[tick close epoch ms, value in quote], ...]; null until finished`);
export const backtestRunDetailSchema = named(
  'BacktestRun',
  z.object({
    ...backtestRunSummaryShape,
    request: z.unknown().describe('the run as it was asked for (settings, window, cash, fees)'),
    equity: curveSchema('equity per tick'),
    buyAndHold: curveSchema('the same universe bought with equal shares at the start and held'),
  }),
);
sameType<Equals<Omit<z.output<typeof backtestRunDetailSchema>, 'metrics'>, Omit<BacktestRunDetail, 'metrics'>>>();

export const backtestRunListSchema = named('BacktestRunList', z.object({ items: z.array(backtestRunSummarySchema).describe('newest first; a sweep\'s runs in run order') }));

const backtestOrderSchema = named(
  'BacktestOrder',
  z.object({
    tickTs: epochMs('close of the tick that placed and filled it'),
    symbol: z.string(),
    side: z.enum(['buy', 'sell']),
    amount: decimal('base amount'),
    price: decimal('average fill price'),
    fee: decimal('fee in quote'),
    reason: z.string(),
    feeRole: z.enum(['maker', 'taker']),
  }),
);
sameType<Equals<z.output<typeof backtestOrderSchema>, BacktestOrder>>();

export const backtestOrderPageSchema = named(
  'BacktestOrderPage',
  z.object({ runId: z.string(), total: int().describe("the run's filled orders in all"), offset: int(), items: z.array(backtestOrderSchema).describe('in fill order') }),
);

export const startBacktestsResponseSchema = named(
  'BacktestsStarted',
  z.object({
    sweepId: z.string(),
    runIds: z.array(z.string()).describe('GET /v1/backtests/{id} once a backtest worker has taken the run (404 before)'),
    workflowId: z.string().describe('the sweep workflow, `backtest/<sweepId>`'),
    webUiUrl: z.string().describe("the sweep's page in the Temporal Web UI"),
  }),
);
