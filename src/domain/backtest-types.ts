/*
 * What a backtest run hands to its report: the facts the engine recorded (input) and the metrics computed from them
 * (output, src/domain/backtest-metrics.ts). Money is a decimal string, ratios are numbers, times are epoch ms (UTC).
 */

/** One filled order, in fill order. */
export interface BacktestOrder {
  /** Close time (epoch ms) of the tick that placed and filled it. */
  tickTs: number;
  symbol: string;
  side: 'buy' | 'sell';
  /** Decimal strings: base amount, average fill price, fee in quote. */
  amount: string;
  price: string;
  fee: string;
  /** The intent's reason, e.g. "score 0.31 ≥ 0.05 (rsi 28.1, ...)" or "stop-loss: ...". */
  reason: string;
  feeRole: 'maker' | 'taker';
}

/**
 * A filled order as keel lists it to a machine: `keel backtest --json` (and its fingerprint) and `keel orders --json`
 * for a paper cycle, one type so the two lists stay comparable field by field.
 */
export type ReportOrder = Pick<BacktestOrder, 'tickTs' | 'symbol' | 'side' | 'amount' | 'price' | 'fee' | 'reason'>;

/** Mark-to-market state at one tick's close; invested = value of the positions held. */
export interface EquityPoint {
  ts: number;
  equity: number;
  invested: number;
}

export interface BacktestRunFacts {
  quote: string;
  timeframe: string;
  startingCash: number;
  /** First and last tick close. */
  fromMs: number;
  toMs: number;
  /** The universe replayed. */
  pairs: string[];
  /** What an all-taker fill would have paid per unit notional. */
  takerFeeRate: number;
  curve: EquityPoint[];
  /** [ts, value]: startingCash split equally over the pairs at their first usable price, same ts as curve. */
  buyAndHold: Array<[number, number]>;
  orders: BacktestOrder[];
}

/** One closed trade: a sell and the part of the position it closed. */
export interface TradeSummary {
  symbol: string;
  /** Sell proceeds - sell fee - average cost (buy fees included) of the amount sold, in quote. */
  pnl: string;
  /** pnl / that cost, in percent (2.5 = +2.5%). */
  returnPct: number;
  /** Tick of the first buy of the position the sell closed from; tick of the sell. */
  openedTs: number;
  closedTs: number;
}

export interface MonthSummary {
  /** UTC month, "2024-03". */
  month: string;
  /** Last equity of the month / last equity of the month before (startingCash for the first) - 1; null without a tick. */
  return: number | null;
  /** Trades closed (sells) in the month. */
  trades: number;
  /** Fees paid in the month, in quote. */
  fees: string;
}

/** A run's results. Definitions are for a trader reading them; "equity" is cash plus positions at the tick's close. */
export interface BacktestMetrics {
  /** Equity at the last tick, in quote (startingCash when there was no tick). */
  finalEquity: string;
  /** finalEquity / startingCash - 1. */
  totalReturn: number;
  /** Compounded to a 365-day year over toMs - fromMs: (1 + totalReturn)^(365 d / span) - 1; null for a zero span. */
  annualisedReturn: number | null;
  /** Buying every pair with an equal share of startingCash at its first price and holding: last value / startingCash - 1. */
  buyAndHoldReturn: number | null;
  /** Deepest fall of equity below its running peak, as a fraction of that peak (0.1 = 10% down); 0 if never down. */
  maxDrawdown: number;
  /** That deepest drawdown's length: from its peak to the first tick back at the peak, or to the last tick if never. */
  maxDrawdownDurationMs: number;
  /** Mean / sample stddev of daily returns × √365 (no risk-free rate); null with < 2 days or no variation. */
  sharpe: number | null;
  /** Mean daily return / √(mean of min(0, r)² over all days) × √365; null with < 2 days or no losing day. */
  sortino: number | null;
  /** annualisedReturn / maxDrawdown; null with no drawdown or no annualised return. */
  calmar: number | null;
  /** Closed trades: each sell closes a trade for the amount it sold. */
  trades: number;
  /** Share of closed trades with pnl > 0; null with no trades. */
  winRate: number | null;
  /** Sum of winning pnl / |sum of losing pnl|; null with no losing trade. */
  profitFactor: number | null;
  /** Mean pnl per closed trade, in quote; null with no trades. */
  expectancy: string | null;
  /** Time-weighted mean of invested / equity: each tick's share counts until the next tick. */
  exposure: number;
  /** Fees paid over all orders, in quote. */
  feesPaid: string;
  /** What the same fills would have paid all as taker: sum of amount × price × takerFeeRate, in quote. */
  feesAllTaker: string;
  /** Orders filled as a maker (execution.mode maker_first); absent in runs stored before it existed. */
  makerFills?: number;
  /** Closed trades per pair, keys sorted. */
  tradesPerPair: Record<string, number>;
  /** Sells per exit category: the reason's leading "word:" (e.g. "stop-loss"), else "signal"; keys sorted. */
  exitsByReason: Record<string, number>;
  /** The closed trades with the highest and the lowest pnl; null with no trades. */
  bestTrade: TradeSummary | null;
  worstTrade: TradeSummary | null;
  /** Per UTC month, in order. */
  months: MonthSummary[];
  /** Filled orders, buys and sells. */
  orders: number;
  /** Ticks replayed (points on the equity curve). */
  ticks: number;
}
