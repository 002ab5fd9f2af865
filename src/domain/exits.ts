import { Dec } from './decimal-math.js';
import { KeelError } from './errors.js';
import type { ExitConfig } from './exit-config.js';
import type { Candle } from './market-types.js';

export { DEFAULT_EXIT_CONFIG, EXIT_CONFIG_KEYS, exitConfigSummary, exitsEnabled, exitWarmupCandles, validateExitConfig, type ExitConfig } from './exit-config.js';

/**
 * Per-position exits: stop-loss (a fraction or an ATR multiple below entry), trailing stop, take-profit and time
 * limit, checked once per tick against the candle that closed at that tick. Pure and sandbox-safe: the market cycle
 * and the backtester call the same functions, so they sell at the same ticks and prices.
 *
 * Within a candle the open comes first, then the low, then the high, then the close (the conservative order freqtrade
 * and jesse use): a stop the open gaps through fills at the open, a stop the low touches fills at the stop, a
 * take-profit fills at its price, and when the stop and the take-profit both lie inside the candle the stop wins.
 */

export const EXIT_REASONS = ['stop_loss', 'trailing_stop', 'take_profit', 'time_limit'] as const;
export type ExitReason = (typeof EXIT_REASONS)[number];

export function isExitReason(value: unknown): value is ExitReason {
  return typeof value === 'string' && (EXIT_REASONS as readonly string[]).includes(value);
}

/**
 * What the cycle carries per held coin, from tick to tick (plain JSON: it travels through workflow history).
 * Changed only by openPositionExit, addToPositionExit and nextPositionExit, which return new objects.
 */
export interface PositionExit {
  /** The price the stops and the take-profit are measured from (the average entry price after adds). */
  entryPrice: number;
  /** tickNo of the tick that bought (ticks completed before it, as in DecisionState). */
  entryTick: number;
  /** Highest candle high since entry (the entry price until a later candle goes higher); the trailing stop's anchor. */
  highest: number;
  /** The fixed stop (fraction or ATR), set at entry; null without one. May be ≤ 0 when multiple × ATR ≥ entry (never hit). */
  stopPrice: number | null;
}

export interface ExitTrigger {
  reason: ExitReason;
  /** The fill price the conservative convention assumes (the open, the stop, the take-profit or the close). */
  price: number;
  /** Short human text, e.g. "low 91.2 ≤ stop 92 (entry 100, -8%)". */
  detail: string;
}

export type ExitCandle = Pick<Candle, 'open' | 'high' | 'low' | 'close'>;

/** The fixed stop for an entry at `entryPrice`: the ATR stop when configured and ATR is usable, else the fraction. */
function fixedStopFor(entryPrice: number, atr: number | null, config: ExitConfig): number | null {
  // NaN (atrOf's "not enough candles") and 0 (a flat window: the stop would sit on the entry price) are unusable.
  if (config.stopLossAtr !== null && atr !== null && atr > 0 && Number.isFinite(atr)) return entryPrice - config.stopLossAtr.multiple * atr;
  if (config.stopLossFraction !== null) return entryPrice * (1 - config.stopLossFraction);
  return null;
}

function assertEntryPrice(entryPrice: number): void {
  if (!(entryPrice > 0 && Number.isFinite(entryPrice))) {
    throw new KeelError('InvalidMarketData', `position exit: entry price must be a finite number > 0 (got ${String(entryPrice)})`);
  }
}

/**
 * The exit state of a position bought at tick `entryTick` for `entryPrice`. `atr` is the coin's ATR at entry
 * (atrOf over the coin's evaluation window with exits.stopLossAtr.period); null or NaN when not measured.
 */
export function openPositionExit(entryPrice: number, entryTick: number, atr: number | null, config: ExitConfig): PositionExit {
  assertEntryPrice(entryPrice);
  if (!Number.isInteger(entryTick) || entryTick < 0) {
    throw new KeelError('Internal', `position exit: entry tick must be a non-negative integer (got ${String(entryTick)})`);
  }
  return { entryPrice, entryTick, highest: entryPrice, stopPrice: fixedStopFor(entryPrice, atr, config) };
}

/**
 * The exit state after a buy that adds to a held position, what we recommend over opening afresh: the stop and the
 * take-profit are measured from the new average entry price (ATR as measured at the add), so they keep protecting
 * the whole position's cost; the highest price is kept (a trailing stop never loosens because of an add, and never
 * drops below the new average); the entry tick is kept, so adding does not restart the time limit.
 */
export function addToPositionExit(exit: PositionExit, averageEntryPrice: number, atr: number | null, config: ExitConfig): PositionExit {
  assertEntryPrice(averageEntryPrice);
  return {
    entryPrice: averageEntryPrice,
    entryTick: exit.entryTick,
    highest: Math.max(exit.highest, averageEntryPrice),
    stopPrice: fixedStopFor(averageEntryPrice, atr, config),
  };
}

/**
 * The state after `candle` (call it after checkExit on the same candle, when that kept the position): the highest
 * price takes the candle's high. Returns `exit` itself when nothing changes, so a quiet tick allocates nothing.
 */
export function nextPositionExit(exit: PositionExit, candle: ExitCandle): PositionExit {
  // `>` also keeps a NaN high out of the state (JSON would turn it into null).
  return candle.high > exit.highest ? { ...exit, highest: candle.high } : exit;
}

function assertStopFactor(regimeStopFactor: number): void {
  if (!(regimeStopFactor > 0 && Number.isFinite(regimeStopFactor))) {
    throw new KeelError('InvalidConfig', `regimeStopFactor must be a finite number > 0 (got ${String(regimeStopFactor)})`);
  }
}

/**
 * The fixed stop in force, or -Infinity without one. Only while the config still has a stop-loss: switching stops
 * off releases held positions too; changing the level applies to positions opened (or added to) afterwards.
 */
function fixedStopLevel(exit: PositionExit, config: ExitConfig, regimeStopFactor: number): number {
  if (exit.stopPrice === null || (config.stopLossFraction === null && config.stopLossAtr === null)) return -Infinity;
  // factor 1 returns the stored price itself: entry - (entry - stop) can differ from stop in the last bit.
  if (regimeStopFactor === 1) return exit.stopPrice;
  return exit.entryPrice - (exit.entryPrice - exit.stopPrice) * regimeStopFactor;
}

/** The trailing stop in force (from `highest` as it stood before this candle), or -Infinity while inactive or off. */
function trailingStopLevel(exit: PositionExit, config: ExitConfig, regimeStopFactor: number): number {
  const trailing = config.trailingStop;
  if (trailing === null || exit.highest < exit.entryPrice * (1 + trailing.activationFraction)) return -Infinity;
  return exit.highest * (1 - trailing.fraction * regimeStopFactor);
}

function takeProfitLevel(exit: PositionExit, config: ExitConfig): number {
  return config.takeProfitFraction === null ? Infinity : exit.entryPrice * (1 + config.takeProfitFraction);
}

/** The levels in force for a held position, for status and the API (null where none applies). */
export function positionExitLevels(
  exit: PositionExit,
  config: ExitConfig,
  tickNo: number,
  regimeStopFactor = 1,
): { stop: number | null; stopReason: 'stop_loss' | 'trailing_stop' | null; takeProfit: number | null; candlesLeft: number | null } {
  assertStopFactor(regimeStopFactor);
  const fixed = fixedStopLevel(exit, config, regimeStopFactor);
  const trailing = trailingStopLevel(exit, config, regimeStopFactor);
  const stop = Math.max(fixed, trailing);
  const takeProfit = takeProfitLevel(exit, config);
  return {
    stop: stop === -Infinity ? null : stop,
    stopReason: stop === -Infinity ? null : trailing > fixed ? 'trailing_stop' : 'stop_loss',
    takeProfit: takeProfit === Infinity ? null : takeProfit,
    candlesLeft: config.timeLimitCandles === null ? null : Math.max(0, config.timeLimitCandles - (tickNo - exit.entryTick)),
  };
}

/**
 * Whether the position exits on `candle`, the candle that closed at tick `tickNo`, and at what price. Candles up to
 * the entry tick never trigger (they closed before the buy). `regimeStopFactor` (> 0) scales the stop distances from
 * entry and from the highest price: above 1 widens the stops, below 1 tightens them; the take-profit stays.
 * O(1), and allocates only when the position exits.
 */
export function checkExit(exit: PositionExit, candle: ExitCandle, config: ExitConfig, tickNo: number, regimeStopFactor = 1): ExitTrigger | null {
  assertStopFactor(regimeStopFactor);
  if (tickNo <= exit.entryTick) return null;
  const fixed = fixedStopLevel(exit, config, regimeStopFactor);
  const trailing = trailingStopLevel(exit, config, regimeStopFactor);
  // The higher level is the one the price meets first; on a tie the fixed stop names it.
  const isTrailing = trailing > fixed;
  const stop = isTrailing ? trailing : fixed;
  const takeProfit = takeProfitLevel(exit, config);
  const { open } = candle;

  if (open <= stop) return stopTrigger(exit, isTrailing, 'open', open, stop, open, regimeStopFactor);
  if (open >= takeProfit) return { reason: 'take_profit', price: open, detail: `open ${price(open)} ≥ take-profit ${price(takeProfit)} (${fromEntry(exit, open)})` };
  if (candle.low <= stop) return stopTrigger(exit, isTrailing, 'low', candle.low, stop, stop, regimeStopFactor);
  if (candle.high >= takeProfit) {
    return { reason: 'take_profit', price: takeProfit, detail: `high ${price(candle.high)} ≥ take-profit ${price(takeProfit)} (${fromEntry(exit, takeProfit)})` };
  }
  const held = tickNo - exit.entryTick;
  if (config.timeLimitCandles !== null && held >= config.timeLimitCandles) {
    const close = candle.close;
    return { reason: 'time_limit', price: close, detail: `held ${held} candles, limit ${config.timeLimitCandles} (close ${price(close)}, ${fromEntry(exit, close)})` };
  }
  return null;
}

function stopTrigger(exit: PositionExit, isTrailing: boolean, seen: 'open' | 'low', seenPrice: number, stop: number, fill: number, regimeStopFactor: number): ExitTrigger {
  const regime = regimeStopFactor === 1 ? '' : `, stop distance ×${Number(regimeStopFactor.toPrecision(4))}`;
  const anchor = isTrailing ? `high ${price(exit.highest)}, ` : '';
  return {
    reason: isTrailing ? 'trailing_stop' : 'stop_loss',
    price: fill,
    detail: `${seen} ${price(seenPrice)} ≤ ${isTrailing ? 'trailing stop' : 'stop'} ${price(stop)} (${anchor}${fromEntry(exit, fill)}${regime})`,
  };
}

/** The order reason for an exit: "stop_loss: low 91.2 ≤ stop 92 (entry 100, -8%)" (exitCategory reads the word). */
export function exitOrderReason(trigger: ExitTrigger): string {
  return `${trigger.reason}: ${trigger.detail}`;
}

/** At most 8 significant digits, never in exponent form: 91.2, 0.000012345678. */
function price(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return new Dec(value.toPrecision(8)).toFixed();
}

/** "entry 100, -8%": the fill's change from the entry price, to 0.01%. */
function fromEntry(exit: PositionExit, fill: number): string {
  const change = Number((((fill / exit.entryPrice) - 1) * 100).toFixed(2)) + 0;
  return `entry ${price(exit.entryPrice)}, ${change > 0 ? '+' : ''}${change}%`;
}
