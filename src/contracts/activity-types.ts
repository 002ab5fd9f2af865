import type { OrderDoubt } from '../domain/order-doubts.js';
import type { Balance, OrderIntent, OrderState, Ticker, Timeframe } from '../domain/market-types.js';
import type { MarketOrderRules } from '../domain/market-rules.js';
import type { CoinEvaluation, SignalConfig } from '../domain/signal-types.js';
import type { CorrelationConfig } from '../domain/correlation.js';
import type { TickRecord } from '../domain/tick-record.js';

/** Inputs and results of keel's activities. Everything here is small: candles stay in PostgreSQL. */

export interface ScanMarketInput {
  exchange: string;
  quote: string;
  symbols: string[] | null;
  maxCoins: number;
  /** The tick's market time (epoch ms); simulated and replayed markets answer "as of" it. */
  asOfMs: number;
}

export interface ScanMarketResult {
  /** `rules`: the market's order-size rules, when the gateway has them (absent in results recorded before rules). */
  tickers: Array<Pick<Ticker, 'symbol' | 'last' | 'quoteVolume' | 'bid' | 'ask'> & { rules?: MarketOrderRules }>;
  /** Requested symbols the exchange does not list. */
  unknownSymbols: string[];
}

export interface SyncCandlesInput {
  exchange: string;
  symbol: string;
  timeframe: Timeframe;
  /** Only candles that have closed by this time (epoch ms) are fetched. */
  untilMs: number;
  warmupCandles: number;
}

export interface SyncCandlesResult {
  /** Candles the exchange returned. */
  fetched: number;
  /** Candles newly written (0 when all were already stored). */
  stored: number;
  /** Open time of the newest stored candle, or null if the exchange had none. */
  lastTs: number | null;
}

/** syncCandles, then evaluateCoin over the stored window, in one activity (coin children since COIN_ONE_ACTIVITY_PATCH). */
export interface SyncAndEvaluateCoinInput extends SyncCandlesInput {
  /** Stored candles to load for the indicators. */
  lookbackCandles: number;
  signal: SignalConfig;
  /** exits.stopLossAtr.period when an ATR stop is configured: the evaluation then carries the window's ATR. */
  atrPeriod?: number;
}

export interface SyncAndEvaluateCoinResult {
  sync: SyncCandlesResult;
  evaluation: CoinEvaluation;
}

export interface EvaluateCoinInput {
  exchange: string;
  symbol: string;
  timeframe: Timeframe;
  /** Evaluate the candle that closed at this time (epoch ms). */
  untilMs: number;
  /** Stored candles to load for the indicators. */
  lookbackCandles: number;
  signal: SignalConfig;
  /** exits.stopLossAtr.period when an ATR stop is configured: the evaluation then carries the window's ATR. */
  atrPeriod?: number;
}

/** The correlation gate's measurement from stored closes (see domain/correlation-snapshot.ts). */
export interface MeasureCorrelationInput {
  exchange: string;
  timeframe: Timeframe;
  /** The tick's coins (and the market's leader when it is not one of them). */
  symbols: string[];
  /** The market's leader betas are measured against, or null. */
  market: string | null;
  /** The tick's close time (epoch ms): the window ends at the candle evaluated this tick. */
  untilMs: number;
  config: CorrelationConfig;
  /** Ticks completed before this one (the measurement's age is counted from it). */
  tickNo: number;
}

export interface BrokerAccountInput {
  exchange: string;
  /** Paper or live account name; for paper trading the cycle id. */
  account: string;
  quote: string;
}

export interface PlaceOrderInput extends BrokerAccountInput {
  clientOrderId: string;
  intent: OrderIntent;
  asOfMs: number;
  /** What a live account's daily cap reserves under (PlaceOrderRequest.capKey): a re-price or slice passes its parent's id. */
  capKey?: string;
}

export interface GetOrderInput extends BrokerAccountInput {
  clientOrderId: string;
  symbol: string;
  /** Market time of the question: the paper broker judges a resting maker order against the candles up to it. */
  asOfMs?: number;
}

export interface OrderRecordInput {
  cycleId: string;
  tickTs: number;
  intent: OrderIntent;
  order: OrderState;
}

/** Config-time check of the market settings a cycle starts with or is changed to. */
export interface ValidateMarketConfigInput {
  exchange: string;
  quote: string;
  /** Explicit universe, or null for the top coins by volume. */
  symbols: string[] | null;
  timeframe: Timeframe;
  maxCoins: number;
  /** Present when the cycle sends maker-first orders: the broker and market must be able to host resting orders. */
  executionMode?: 'maker_first';
  /** Present when the cycle keeps its stops on the exchange (exits.onExchange): a live account on a venue with stop-market sells. */
  stopsOnExchange?: true;
}

export interface ValidateMarketConfigResult {
  ok: true;
  /** The request-budget plan in one sentence (ccxt exchanges), or null where no budget applies (sim, replay). */
  budget: string | null;
}

export interface ReconcileAccountInput {
  exchange: string;
  cycleId: string;
  /** The broker account (the cycle id for paper accounts). */
  account: string;
  quote: string;
  /** Fills older than this (epoch ms, wall time) are not read. */
  sinceMs: number;
  /** What the cycle believes it holds: symbol and base amount (decimal string). */
  positions: Array<{ symbol: string; amount: string }>;
  /**
   * Orders of unknown fate to look up by client order id: a definite answer is recorded in keel's orders table and
   * returned for the cycle to book; anything else stays in doubt as an order_fate_unknown finding.
   */
  pendingOrders?: OrderDoubt[];
}

/** The exchange's answer for one order of unknown fate. */
export type ResolvedOrder =
  /** Found in a final state (after a cancel if it was still open): recorded; the cycle books what it has not yet. */
  | { clientOrderId: string; outcome: 'found'; order: OrderState }
  /** The paper ledger (which is the exchange for a paper account) has no such order: it was never placed. */
  | { clientOrderId: string; outcome: 'never_placed' };

/** An order the exchange (or paper ledger) has and keel's database does not, compactly. */
export interface UnknownOrderSummary {
  symbol: string;
  side: string;
  status: string;
  amount: string;
  exchangeOrderId: string;
  clientOrderId: string;
}

export interface ReconcileAccountResult {
  /** Symbols whose state is in doubt: the cycle does not trade them until a later reconciliation clears them. */
  inDoubt: string[];
  /** Unknown orders, at most 20. */
  unknownOrders: UnknownOrderSummary[];
  /** Findings in all (unknown orders and trades, balance shortfalls, stale open orders). */
  findings: number;
  /** One line for logs and the Web UI. */
  report: string;
  /** Definite answers for `pendingOrders` (those without one are findings and stay pending). Absent in old results. */
  resolvedOrders?: ResolvedOrder[];
  /** `kind|ref` of findings a person acknowledged: the cycle drops the doubts they cover. */
  acknowledged?: string[];
  /** The broker's mode; with 'live', `quoteBalance` is the account's quote currency (free + in orders). */
  mode?: 'paper' | 'live';
  quoteBalance?: string;
}

/** One bulk write per tick. */
export type TickRecordInput = TickRecord;

export type { Balance };
