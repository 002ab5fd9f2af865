import type { BacktestOrder, EquityPoint } from '../domain/backtest-types.js';
import { clientOrderIdFor } from '../domain/business-key.js';
import type { CoinHealth } from '../domain/coin-health.js';
import type { CycleConfig } from '../domain/cycle-config.js';
import { portfolioEquity } from '../domain/portfolio-accounting.js';
import type { PortfolioSnapshot } from '../domain/portfolio-types.js';
import { emptyPortfolio } from '../domain/portfolio-types.js';
import { KernelScratch, evaluateCloses } from '../domain/signal-kernel.js';
import { minimumCandlesFor } from '../domain/signal-types.js';
import { decideTick, tickUniverse } from '../domain/tick-decision.js';
import type { CoinOutcome } from '../domain/tick-decision.js';
import { settleOrders } from '../domain/tick-settlement.js';
import { timeframeMs } from '../domain/market-types.js';
import { EvaluationsAhead } from './evaluations-ahead.js';
import type { AheadMode } from './evaluations-ahead.js';
import { evaluatedCandleOpenTs } from './evaluations-ahead-layout.js';
import type { BacktestData } from './market-data.js';
import { fillIntent } from './simulated-fill.js';
import type { FillSettings } from './simulated-fill.js';
import { ScanCursor } from './scan.js';
import { StoredCandles } from './stored-candles.js';

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
}

/** The signal kernel's call, as the engine makes it. */
export type CoinEvaluator = typeof evaluateCloses;

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
  /** Every pair's last price at each tick, for buy-and-hold: pairPrices[pair][tick] (NaN before its first ticker). */
  pairPrices: Float64Array[];
  /** The intents that did not fill, with why (insufficient funds, no price). */
  unfilled: Array<{ tickTs: number; symbol: string; side: string; errorType: string; message: string }>;
  /** Coin evaluations that failed (a missing candle, too short a history). */
  failedEvaluations: number;
  /** Coin evaluations taken from the thread that computed them ahead, and those evaluated on the engine's thread. */
  evaluations: { ahead: number; inline: number };
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
  const lookback = Math.max(config.warmupCandles, minimumCandlesFor(config.signal));
  const minimum = minimumCandlesFor(config.signal);
  const scan = new ScanCursor(data, config);
  const stored = data.pairs.map((p) => (p.candles === undefined ? undefined : new StoredCandles(p.candles.ts, tfMs, config.warmupCandles)));
  const pairIndex = new Map(data.pairs.map((p, i) => [p.symbol, i]));
  // One scratch per pair: the kernel reuses what it learned of a pair's previous window (its median's neighbourhood).
  const scratches = data.pairs.map(() => new KernelScratch());
  const signalConfig = { signal: config.signal, risk: config.risk };
  const evaluate = input.evaluate ?? evaluateCloses;

  let portfolio = emptyPortfolio(config.quote, input.startingCash);
  let coinHealth: Record<string, CoinHealth> = {};
  let cooldowns: Record<string, number> = {};
  const orders: BacktestOrder[] = [];
  const tickRows: BacktestTick[] = [];
  const curve: EquityPoint[] = [];
  const unfilled: BacktestRun['unfilled'] = [];
  const pairPrices = data.pairs.map(() => new Float64Array(ticks).fill(Number.NaN));
  let failedEvaluations = 0;
  let inlineEvaluations = 0;
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
        })
      : null;

  try {
    for (let tickNo = 0; tickNo < ticks; tickNo++) {
      const tickTs = config.marketStartMs + tickNo * tfMs;
      ahead?.beginTick(tickNo);
      const tickers = scan.at(tickTs);
      for (const t of tickers.all) pairPrices[t.index]![tickNo] = t.last;
      const universe = tickUniverse(tickers.chosen, portfolio, coinHealth, tickNo);

      const untilOpenTs = evaluatedCandleOpenTs(tickTs, tfMs);
      const outcomes: CoinOutcome[] = [];
      for (const symbol of universe.symbols) {
        const index = pairIndex.get(symbol);
        const pair = index === undefined ? undefined : data.pairs[index];
        const candles = stored[index ?? -1];
        if (pair?.candles === undefined || candles === undefined) {
          outcomes.push({ ok: false, symbol, errorType: 'InvalidConfig', message: `replay: no ${config.timeframe} candles for ${symbol}` });
          continue;
        }
        candles.sync(tickTs);
        const window = candles.window(untilOpenTs, lookback);
        const newest = window.at(-1);
        if (newest === undefined || pair.candles.ts[newest[1] - 1] !== untilOpenTs) {
          outcomes.push({ ok: false, symbol, errorType: 'InvalidMarketData', message: `${symbol}: no stored ${config.timeframe} candle opening at ${new Date(untilOpenTs).toISOString()}` });
          continue;
        }
        const size = window.reduce((n, [from, to]) => n + to - from, 0);
        if (size < minimum) {
          outcomes.push({ ok: false, symbol, errorType: 'InvalidMarketData', message: `${symbol}: ${size} candles, the signal needs at least ${minimum}` });
          continue;
        }
        let evaluation = window.length === 1 ? ahead?.take(index!, symbol, untilOpenTs, pair.candles.close, window[0]![0], window[0]![1]) : undefined;
        if (evaluation === undefined) {
          inlineEvaluations++;
          evaluation =
            window.length === 1
              ? evaluate(symbol, untilOpenTs, { closes: pair.candles.close, logReturns: pair.logReturns }, window[0]![0], window[0]![1], config.signal, scratches[index!]!)
              : evaluate(symbol, untilOpenTs, { closes: gather(pair.candles.close, window) }, 0, size, config.signal, scratches[index!]!);
        }
        outcomes.push({ ok: true, evaluation });
      }

      const decision = decideTick({ state: { tickNo, portfolio, coinHealth, cooldowns }, config: signalConfig, universe, outcomes });
      coinHealth = decision.coinHealth;
      failedEvaluations += decision.failedCoins.length;
      const { intents } = decision.plan;
      let cash = portfolio.cash;
      const orderOutcomes = intents.map((intent) => {
        const clientOrderId = clientOrderIdFor({ cycleId, tickTs, symbol: intent.symbol, side: intent.side });
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
      orderOutcomes.forEach((o, i) => {
        const intent = intents[i]!;
        if (o.ok) {
          orders.push({ tickTs, symbol: intent.symbol, side: intent.side, amount: o.order.filled, price: o.order.averagePrice, fee: o.order.feeQuote, reason: intent.reason, feeRole: o.role });
        } else {
          unfilled.push({ tickTs, symbol: intent.symbol, side: intent.side, errorType: o.failure.errorType, message: o.failure.message });
        }
      });

      const equity = portfolioEquity(portfolio, decision.prices);
      const equityValue = Number(equity);
      tickRows.push({ tickTs, equity, cash: portfolio.cash });
      curve.push({ ts: tickTs, equity: equityValue, invested: equityValue - Number(portfolio.cash) });
      if (input.onProgress !== undefined && ((tickNo + 1) % progressEvery === 0 || tickNo + 1 === ticks)) input.onProgress(tickNo + 1, ticks);
    }
  } finally {
    ahead?.stop();
  }
  return { orders, ticks: tickRows, curve, pairPrices, unfilled, failedEvaluations, evaluations: { ahead: ahead?.served ?? 0, inline: inlineEvaluations }, portfolio };
}

/** The closes of a window with a hole in the stored candles, copied into one array (rare: a coin long absent). */
function gather(closes: Float64Array, window: Array<[number, number]>): Float64Array {
  const out = new Float64Array(window.reduce((n, [from, to]) => n + to - from, 0));
  let at = 0;
  for (const [from, to] of window) {
    out.set(closes.subarray(from, to), at);
    at += to - from;
  }
  return out;
}
