import { Dec, decimalString, fromNumber, isPositiveDecimal } from './decimal-math.js';
import { positionExitLevels } from './exits.js';
import { dustReason, formatAmount, roundAmountDown, type MarketOrderRules } from './market-rules.js';
import type { OrderIntent } from './market-types.js';
import type { PortfolioSnapshot } from './portfolio-types.js';
import { regimeStopFactor } from './regime-gate.js';
import type { RiskLayerConfig } from './risk-layer-config.js';
import type { CoinEvaluation } from './signal-types.js';
import type { RiskState } from './tick-risk.js';

/*
 * Stops that rest on the exchange (exits.onExchange, live accounts on venues with stop-market sells): after each tick
 * every held coin with a stop level in force (positionExitLevels: the fixed or trailing stop) has one stop-market sell
 * of the whole position at the exchange, replaced when the level moves or the position changes, so the stop fires
 * even while keel is down. keel still checks each candle itself and sells at market when the exchange's stop has not
 * fired; any sell of a coin first cancels its stop (the stop holds the coins). Pure and sandbox-safe.
 */

/** A stop-market sell resting at the exchange for one held coin. Small and JSON: carried in the cycle's state. */
export interface ExchangeStop {
  symbol: string;
  clientOrderId: string;
  /** The trigger price (decimal string). */
  stopPrice: string;
  /** Base amount: the position on the market's step (decimal string). */
  amount: string;
  /** The tick (close time) that placed it: its order record's tick. */
  placedTs: number;
}

/** A level moving by less than this fraction does not replace a resting stop (a trailing stop creeps every candle). */
export const STOP_REPLACE_MIN_MOVE = 0.001;

/** Every reason of a sell the exchange's stop made starts with the stop's category word, as keel's own stops do. */
export function exchangeStopReason(stop: Pick<ExchangeStop, 'stopPrice'>): string {
  return `stop_loss: triggered on the exchange at stop ${stop.stopPrice}`;
}

/** The order that rests at the exchange: a market sell of the position once the price trades at or below the stop. */
export function exchangeStopIntent(stop: Pick<ExchangeStop, 'symbol' | 'amount' | 'stopPrice'>): OrderIntent {
  return { symbol: stop.symbol, side: 'sell', type: 'market', amount: stop.amount, price: stop.stopPrice, reason: exchangeStopReason(stop), stopPrice: stop.stopPrice };
}

export interface StopPlan {
  /** Stops to cancel: their coin is no longer held, has no stop level, or its level or amount changed. */
  cancel: ExchangeStop[];
  /** Stops to place (after the cancels): symbol, amount and trigger. */
  place: Array<Pick<ExchangeStop, 'symbol' | 'amount' | 'stopPrice'>>;
  /** Stops that stay as they are. */
  keep: ExchangeStop[];
  /** Coins whose stop level is at or above the price: not placed (the exchange would fire it at once); keel's own check sells them. */
  skipped: Array<{ symbol: string; reason: string }>;
}

/**
 * What the exchange should hold after a tick: for each held, non-dust coin with a stop level in force, a stop of the
 * whole position (on the market's step) at that level. A resting stop whose amount differs, or whose level moved by at
 * least STOP_REPLACE_MIN_MOVE, is replaced; one without a coin or level is cancelled.
 */
export function planExchangeStops(input: {
  resting: readonly ExchangeStop[];
  portfolio: PortfolioSnapshot;
  risk: RiskState;
  config: RiskLayerConfig;
  evaluations: readonly CoinEvaluation[];
  prices: Readonly<Record<string, number>>;
  rules: Readonly<Record<string, MarketOrderRules>>;
  /** Ticks completed, this one included (the state after the tick). */
  tickNo: number;
}): StopPlan {
  const regimes = new Map(input.evaluations.map((e) => [e.symbol, e.regime]));
  const wanted = new Map<string, Pick<ExchangeStop, 'symbol' | 'amount' | 'stopPrice'>>();
  const skipped: StopPlan['skipped'] = [];
  for (const position of Object.values(input.portfolio.positions)) {
    const exit = input.risk.exits[position.symbol];
    const price = input.prices[position.symbol];
    const rules = input.rules[position.symbol];
    if (exit === undefined || price === undefined || !isPositiveDecimal(position.quantity) || dustReason(position.quantity, price, rules) !== null) continue;
    const levels = positionExitLevels(exit, input.config.exits, input.tickNo, regimeStopFactor(regimes.get(position.symbol) ?? null, input.config.regimeGate));
    if (levels.stop === null || !(levels.stop > 0)) continue;
    if (levels.stop >= price) {
      skipped.push({ symbol: position.symbol, reason: `stop ${levels.stop} is at or above the price ${price}` });
      continue;
    }
    const amount = rules?.amountStep === undefined ? position.quantity : formatAmount(roundAmountDown(position.quantity, rules), rules);
    wanted.set(position.symbol, { symbol: position.symbol, amount, stopPrice: decimalString(fromNumber(Number(levels.stop.toPrecision(10)))) });
  }
  const plan: StopPlan = { cancel: [], place: [], keep: [], skipped };
  for (const stop of input.resting) {
    const want = wanted.get(stop.symbol);
    if (want !== undefined && want.amount === stop.amount && !movedEnough(stop.stopPrice, want.stopPrice)) {
      plan.keep.push(stop);
      wanted.delete(stop.symbol);
    } else {
      plan.cancel.push(stop);
    }
  }
  plan.place.push(...[...wanted.values()].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0)));
  return plan;
}

function movedEnough(from: string, to: string): boolean {
  return new Dec(to).minus(from).abs().div(from).gte(STOP_REPLACE_MIN_MOVE);
}
