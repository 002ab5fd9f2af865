import type { RiskState } from '../domain/tick-risk.js';
import type { CycleConfig } from '../domain/cycle-config.js';
import type { OrderIntent, OrderState, Timeframe } from '../domain/market-types.js';
import type { PortfolioSnapshot, Position } from '../domain/portfolio-types.js';
import type { CoinEvaluation, SignalConfig } from '../domain/signal-types.js';
import type { HeldVerdict } from '../domain/ai-policy.js';
import type { OrderDoubt } from '../domain/order-doubts.js';
import type { CoinHealth } from '../domain/coin-health.js';
import type { WorkingOrder } from '../domain/working-orders.js';
import type { TwapOrder } from '../domain/twap.js';
import type { ExchangeStop } from '../domain/exchange-stops.js';
import type { ExecutionConfig } from '../domain/execution-config.js';
import type { AnalyzeWithAiStatus, AiVerdictSummary } from './ai-types.js';

export type { CoinHealth } from '../domain/coin-health.js';

export interface TickSummary {
  tickNo: number;
  tickTs: number;
  coins: number;
  evaluated: number;
  failed: number;
  skipped: number;
  buys: number;
  sells: number;
  ordersFilled: number;
  equity: string;
  cash: string;
  durationMs: number;
  completedAtMs: number;
}

/** The state a market cycle carries through continue-as-new: config, pause flag, tick counter, money, coin health. */
export interface MarketCycleState {
  config: CycleConfig;
  paused: boolean;
  /** Ticks completed since the cycle started. */
  tickNo: number;
  /** Close time (epoch ms) of the candle the next tick processes. */
  nextTickTs: number | null;
  portfolio: PortfolioSnapshot | null;
  coinHealth: Record<string, CoinHealth>;
  /** symbol -> first tick number at which it may be bought again. */
  cooldowns: Record<string, number>;
  lastTick: TickSummary | null;
  /** Fresh AI verdicts by symbol (absent before AI existed). */
  aiVerdicts?: Record<string, HeldVerdict>;
  /** symbol -> tick number of an analysis asked for and not answered yet. */
  aiPending?: Record<string, number>;
  /** AI is suspended until this epoch ms after the daily budget ran out. */
  aiSuspendedUntilMs?: number;
  /**
   * Symbols whose state is in doubt (an order whose outcome is unknown, or what the last reconciliation could not
   * explain): not traded until a reconciliation clears them. Absent before reconciliation existed.
   */
  inDoubt?: string[];
  /** Why the account must be reconciled before the next tick (cycle start, an order fault); absent when it need not. */
  reconcileReason?: string;
  /**
   * Orders whose fate keel does not know yet, by client order id: reconciliation looks each up until the exchange
   * answers, and adopts its fill. Never dropped for age; a person may acknowledge one. Absent before they existed.
   */
  orderDoubts?: OrderDoubt[];
  /** The broker behind the cycle, as the last reconciliation saw it; live cycles reconcile periodically. */
  brokerMode?: 'paper' | 'live';
  /** Tick number of the last reconciliation that completed. */
  reconciledAtTick?: number;
  /** Quote fees booked since the last reconciliation: what explains a live cash drift (decimal string). */
  feesSinceReconcile?: string;
  /** Held symbols whose position was dust (below its market's minimum) at the last tick. */
  dust?: string[];
  /** The risk layer's state (exit levels per held coin, guards, market regime, a drawdown halt); absent while it is off. */
  risk?: RiskState;
  /** Maker-first orders resting on the book between ticks (execution.mode maker_first); absent when there are none. */
  working?: WorkingOrder[];
  /** TWAPs with slices still to go (execution.twap), each slice sent at its tick; absent when none is under way. */
  twaps?: TwapOrder[];
  /** Stop-market sells resting on the exchange, one per held coin (exits.onExchange, live accounts); absent when none rests. */
  exchangeStops?: ExchangeStop[];
}

export interface MarketCycleInput {
  config: CycleConfig;
  /** Set by continue-as-new; absent on the first run. */
  state?: MarketCycleState;
}

export type CyclePhase = 'waiting' | 'ticking' | 'paused' | 'finished';

/**
 * Where a cycle's stop-loss, trailing and take-profit levels live: checked_each_tick means keel compares each closed
 * candle with them and sells at market when one is reached; on_exchange (exits.onExchange, live accounts) also keeps
 * each held coin's stop resting on the exchange as a stop-market sell, which fires while keel is down.
 */
export type StopPlacement = 'checked_each_tick' | 'on_exchange';

export interface CycleStatus {
  cycleId: string;
  phase: CyclePhase;
  paused: boolean;
  tickNo: number;
  currentTickTs: number | null;
  nextTickTs: number | null;
  lastTick: TickSummary | null;
  config: CycleConfig;
  cash: string | null;
  /** Positions that are not dust. */
  openPositions: number;
  /** Held remainders below their market's minimum order: not sold, take no slot, do not block a re-buy. */
  dust: string[];
  openCircuits: string[];
  /** Coins not traded until a reconciliation with the exchange clears them (see reconciliation_findings). */
  inDoubt: string[];
  /** Why the account is reconciled before the next tick, or null when it need not be. */
  reconcileReason: string | null;
  /** Orders of unknown fate (or with a fill that could not be booked), looked up at every reconciliation. */
  orderDoubts: Array<{ symbol: string; clientOrderId: string; kind: string; reason: string }>;
  ai: { enabled: boolean; pending: number; verdicts: number; suspendedUntilMs: number | null };
  /**
   * The risk layer while some part of it is on (absent otherwise): a drawdown halt, the market regime the gates
   * use, the guards' buy locks (reason and expiry) and how many held coins have exit levels.
   */
  risk?: { halt: string | null; marketRegime: string | null; locks: Array<{ guard: string; symbol: string | null; reason: string; untilTick: number }>; protectedPositions: number; stops: StopPlacement };
  /** Maker-first orders resting on the book (execution.mode maker_first); absent when none rests. */
  working?: Array<{ symbol: string; side: string; amount: string; limitPrice: string; attempt: number; clientOrderId: string }>;
  /** TWAPs under way (execution.twap): slices sent and in all, what is left to send and the tick of the next slice. */
  twaps?: Array<{ symbol: string; side: string; slicesSent: number; slices: number; amountLeft: string; nextSliceTick: number; parentId: string }>;
  /** Stops resting on the exchange (exits.onExchange): one stop-market sell per held coin. */
  exchangeStops?: Array<{ symbol: string; amount: string; stopPrice: string; clientOrderId: string }>;
}

export interface CoinCycleInput {
  cycleId: string;
  exchange: string;
  symbol: string;
  timeframe: Timeframe;
  /** Close time of the candle this tick evaluates. */
  tickTs: number;
  warmupCandles: number;
  signal: SignalConfig;
  taskQueuePrefix: string;
  /** exits.stopLossAtr.period when an ATR stop is configured (absent in children started before exits existed). */
  atrPeriod?: number;
  /** Sync and evaluate in one activity (syncAndEvaluateCoin); absent in children started before FAST_COIN_TICK_PATCH. */
  syncAndEvaluate?: true;
}

export type CoinCycleResult =
  | { ok: true; evaluation: CoinEvaluation; candlesStored: number }
  | { ok: false; symbol: string; errorType: string; message: string };

export interface OrderExecutionInput {
  cycleId: string;
  exchange: string;
  account: string;
  quote: string;
  tickTs: number;
  clientOrderId: string;
  intent: OrderIntent;
  /** How long to wait for a fill before cancelling. */
  fillTimeoutMs: number;
  taskQueuePrefix: string;
  /** A maker-first order: return once it is placed (resting); the cycle steps it at its next ticks (workingOrderStep). */
  rest?: boolean;
  /** The client order id a live account's daily cap counts this order under: a maker-first order's re-prices and fallback pass their parent's, so one decision counts once. */
  capKey?: string;
}

/** One resting maker-first order at a tick: judged, then re-priced or sent on (src/workflows/working-order-step.ts). */
export interface WorkingOrderStepInput {
  cycleId: string;
  exchange: string;
  account: string;
  quote: string;
  /** The stepping tick's close time. */
  tickTs: number;
  order: WorkingOrder;
  execution: ExecutionConfig;
  /** The price a re-price rests at this tick (the best bid or ask, else the last price), or null without a ticker (the order then keeps resting). */
  lastPrice: number | null;
  fillTimeoutMs: number;
  taskQueuePrefix: string;
}

/**
 * How the step ended, as the backtester's stepRestingOrders ends it: `ended` (filled as a maker, whole or in part,
 * or failed) and `fallback` carry an order outcome for settlement with the intent it settles; `working` is the order
 * resting after the tick (the same one when it keeps resting, a re-priced one), absent when it ended.
 */
export type WorkingOrderStepResult =
  | { kind: 'working'; order: WorkingOrder }
  | { kind: 'ended' | 'fallback'; intent: OrderIntent; outcome: OrderExecutionResult };

export type OrderExecutionResult =
  | { ok: true; order: OrderState }
  | {
      ok: false;
      clientOrderId: string;
      symbol: string;
      errorType: string;
      message: string;
      /**
       * Whether an order can exist at the exchange: 'no' only when the first placement attempt was refused; 'unknown'
       * when anything failed later (a refusal after a lost reply, the fill poll, the cancel, the record). Absent from
       * results recorded before it existed (then the error type alone decides).
       */
      placed?: 'no' | 'unknown';
    };

export interface AiAnalysisInput {
  cycleId: string;
  exchange: string;
  timeframe: Timeframe;
  tickNo: number;
  tickTs: number;
  evaluation: CoinEvaluation;
  position: Position | null;
  taskQueuePrefix: string;
}

/** What an aiAnalysis child tells its cycle: a verdict, or the reason there is none. */
export interface AiVerdictMessage {
  symbol: string;
  /** The tick number the analysis was asked in. */
  tickNo: number;
  status: AnalyzeWithAiStatus | 'failed';
  verdict: AiVerdictSummary | null;
  reason: string | null;
}
