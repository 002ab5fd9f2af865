/**
 * Portfolio guards (issue 11): block new buys after a drawdown of mark-to-market equity (and, past a hard limit, ask
 * the cycle to sell everything and pause), after a run of stop exits, and for pairs whose recent trades lost.
 *
 * The cycle and the backtester call updateGuards once per tick after the tick's fills are booked, and buyLock while
 * planning. The drawdown is checked every tick; the stop-loss guard when a stop closes a position; the low-profit guard
 * when a pair closes a trade (as freqtrade's protections do): a window counts the events of its last windowCandles
 * ticks, this one included. Locks placed at tick t block ticks t+1 .. t+lockCandles (untilTick t+lockCandles+1), like
 * the re-entry cooldown.
 *
 * The state is plain JSON bounded by the windows (never by run length). A tick's work is one copy of each window that
 * changed, one pass over a window per pair with a stop or a closed trade this tick, and a walk of the locks on ticks
 * where one ends; buyLock is O(1). Over 5,400 ticks of 126 pairs with every guard on and ~2 trades a tick, updateGuards
 * costs about 30 µs a tick. Pure, sandbox-safe, never mutates inputs.
 */
import { KeelError } from './errors.js';
import { nextEquityPeaks, windowDrawdown, type EquityPeaks } from './equity-peaks.js';
import type { GuardConfig, LowProfitPairsConfig, MaxDrawdownGuardConfig, StopLossGuardConfig } from './guard-config.js';
import { lockOn, locksAt, noLocks, placeLock, withoutExpiredLocks, withoutGuardLocks, type GuardLocks, type GuardName, type Lock } from './guard-locks.js';

export * from './guard-config.js';
export type { GuardLocks, GuardName, Lock } from './guard-locks.js';
export { windowDrawdown, windowPeak, type EquityPeaks } from './equity-peaks.js';

export interface GuardState {
  /** maxDrawdown: the equity window (see equity-peaks.ts). */
  equityPeaks: EquityPeaks;
  /**
   * stopLossGuard: the window's stop exits, oldest first. A pair's count is taken by a pass over the window when the
   * pair has a stop: cheaper than keeping (and, never changing state in place, copying) a count per pair every tick.
   */
  stopExits: Array<[tick: number, symbol: string]>;
  /** lowProfitPairs: the window's closed trades, oldest first, profit in billionths (see PROFIT_UNITS); as stopExits. */
  closedTrades: Array<[tick: number, symbol: string, profitNanos: number]>;
  /** Buy locks, by pair and of all coins. */
  locks: GuardLocks;
}

export interface GuardTickInput {
  /** Ticks completed before this one (DecisionState.tickNo). */
  tickNo: number;
  /** Mark-to-market equity after this tick's fills. */
  equity: number;
  /** Pairs whose position a stop (stop_loss or trailing_stop) closed this tick; a pair twice for two stops. */
  stopExits: readonly string[];
  /** Trades closed this tick, stop exits included. */
  closedTrades: ReadonlyArray<{ symbol: string; profitFraction: number }>;
  /**
   * The drawdown guard blocks buys once per breach: when the drawdown reaches its fraction after a tick below it, for
   * blockCandles, and not again until it has been below the fraction. False (histories recorded before): every tick
   * in breach extends the block, so a cycle sold out to cash stayed blocked until its high left the window.
   */
  drawdownLockOncePerBreach?: boolean;
}

export interface GuardUpdate {
  state: GuardState;
  /** Locks placed this tick; an active lock a guard extends is not repeated here (activeLocks shows its new end). */
  newLocks: Lock[];
  /**
   * Set when the drawdown reached maxDrawdown.hardLimitFraction this tick: the cycle must sell everything and pause
   * with this reason. Set again on every tick it still holds: after the pause, call resetDrawdownWindow.
   */
  hardStop: string | null;
}

/**
 * Profits are summed in integer billionths, exactly: -0.1 - 0.2 + 0.3 sums to 0 and so is not below a minimum of 0,
 * where in floating point it is -5.6e-17 and would lock the pair.
 */
const PROFIT_UNITS = 1e9;

/** 1 - 90 / 100 is 0.09999999999999998 in binary: a drawdown this close to its threshold has reached it. */
const RATIO_TOLERANCE = 1e-12;

export function emptyGuardState(): GuardState {
  return { equityPeaks: [], stopExits: [], closedTrades: [], locks: noLocks() };
}

/** The guards after tick `input.tickNo`'s fills: windows slid, expired locks dropped, new locks placed. */
export function updateGuards(state: GuardState, input: GuardTickInput, config: GuardConfig): GuardUpdate {
  const { tickNo } = input;
  if (!Number.isFinite(input.equity)) throw new KeelError('Internal', `updateGuards: equity must be a finite number (got ${String(input.equity)}) at tick ${tickNo}`);
  let locks = withoutExpiredLocks(state.locks, tickNo);
  const newLocks: Lock[] = [];
  const lock = (guard: GuardName, symbol: string | null, lockCandles: number, why: string): void => {
    const untilTick = tickNo + lockCandles + 1;
    const buys = symbol === null ? 'no new buys' : `no buys of ${symbol}`;
    const placing: Lock = { guard, symbol, reason: `${why}: ${buys} until tick ${untilTick}`, fromTick: tickNo, untilTick };
    const placed = placeLock(locks, placing);
    locks = placed.locks;
    if (placed.placed) newLocks.push(placing);
  };

  const drawdown = config.maxDrawdown ? drawdownGuard(state.equityPeaks, input, config.maxDrawdown, lock) : { equityPeaks: none(state.equityPeaks), hardStop: null };
  const stopExits = config.stopLossGuard ? stopLossGuard(state, input, config.stopLossGuard, lock) : none(state.stopExits);
  const closedTrades = config.lowProfitPairs ? lowProfitGuard(state, input, config.lowProfitPairs, lock) : none(state.closedTrades);
  return { state: { equityPeaks: drawdown.equityPeaks, stopExits, closedTrades, locks }, newLocks, hardStop: drawdown.hardStop };
}

type PlaceLock = (guard: GuardName, symbol: string | null, lockCandles: number, why: string) => void;

function drawdownGuard(peaks: EquityPeaks, input: GuardTickInput, guard: MaxDrawdownGuardConfig, lock: PlaceLock): { equityPeaks: EquityPeaks; hardStop: string | null } {
  const equityPeaks = nextEquityPeaks(peaks, input.tickNo, input.equity, guard.windowCandles);
  const drawdown = windowDrawdown(equityPeaks);
  const over = `over ${guard.windowCandles} candles`;
  const breached = (d: number): boolean => d >= guard.fraction - RATIO_TOLERANCE;
  // The previous tick's drawdown is the old deque's (its window, its latest equity).
  if (breached(drawdown) && !(input.drawdownLockOncePerBreach === true && breached(windowDrawdown(peaks)))) {
    lock('max_drawdown', null, guard.blockCandles, `drawdown ${percentLike(drawdown, guard.fraction)} ≥ ${percent(guard.fraction)} ${over}`);
  }
  const hard = guard.hardLimitFraction;
  const hardStop =
    hard !== null && drawdown >= hard - RATIO_TOLERANCE ? `drawdown ${percentLike(drawdown, hard)} ≥ hard limit ${percent(hard)} ${over}: sell everything and pause` : null;
  return { equityPeaks, hardStop };
}

function stopLossGuard(state: GuardState, input: GuardTickInput, guard: StopLossGuardConfig, lock: PlaceLock): GuardState['stopExits'] {
  const start = firstInWindow(state.stopExits, input.tickNo, guard.windowCandles);
  if (start === 0 && input.stopExits.length === 0) return state.stopExits;
  const stopExits = state.stopExits.slice(start);
  for (const symbol of input.stopExits) stopExits.push([input.tickNo, symbol]);
  if (input.stopExits.length === 0) return stopExits;
  const within = `within ${guard.windowCandles} candles`;
  if (!guard.perPair) {
    if (stopExits.length >= guard.stops) lock('stoploss_guard', null, guard.lockCandles, `${stopExits.length} stop exits ≥ ${guard.stops} ${within}`);
    return stopExits;
  }
  for (const symbol of new Set(input.stopExits)) {
    let count = 0;
    for (const exit of stopExits) if (exit[1] === symbol) count++;
    if (count >= guard.stops) lock('stoploss_guard', symbol, guard.lockCandles, `${count} stop exits of ${symbol} ≥ ${guard.stops} ${within}`);
  }
  return stopExits;
}

function lowProfitGuard(state: GuardState, input: GuardTickInput, guard: LowProfitPairsConfig, lock: PlaceLock): GuardState['closedTrades'] {
  const start = firstInWindow(state.closedTrades, input.tickNo, guard.windowCandles);
  if (start === 0 && input.closedTrades.length === 0) return state.closedTrades;
  const closedTrades = state.closedTrades.slice(start);
  for (const { symbol, profitFraction } of input.closedTrades) {
    if (!Number.isFinite(profitFraction)) throw new KeelError('Internal', `updateGuards: the profit of ${symbol}'s trade must be a finite number (got ${String(profitFraction)}) at tick ${input.tickNo}`);
    closedTrades.push([input.tickNo, symbol, Math.round(profitFraction * PROFIT_UNITS)]);
  }
  const minNanos = Math.round(guard.minProfitFraction * PROFIT_UNITS);
  for (const symbol of new Set(input.closedTrades.map((t) => t.symbol))) {
    let trades = 0;
    let profitNanos = 0;
    for (const trade of closedTrades) {
      if (trade[1] !== symbol) continue;
      trades++;
      profitNanos += trade[2];
    }
    if (trades >= guard.minTrades && profitNanos < minNanos) {
      const profit = profitNanos / PROFIT_UNITS;
      lock('low_profit', symbol, guard.lockCandles, `${trades} trades of ${symbol} made ${percentLike(profit, guard.minProfitFraction)} < ${percent(guard.minProfitFraction)} within ${guard.windowCandles} candles`);
    }
  }
  return closedTrades;
}

/** Index of the first event of a tick-ordered list still inside the window of the last windowCandles ticks. */
function firstInWindow(events: ReadonlyArray<readonly [number, ...unknown[]]>, tickNo: number, windowCandles: number): number {
  const lastOutsideTick = tickNo - windowCandles;
  let start = 0;
  while (start < events.length && events[start]![0] <= lastOutsideTick) start++;
  return start;
}

// A guard turned off forgets its window (the state stays small); the same object when it is already empty.
const none = <T>(list: T[]): T[] => (list.length === 0 ? list : []);

/** A setting as people write it: 0.1 -> 10, 0.125 -> 12.5 (in percent). */
const percentOf = (fraction: number): number => Number((fraction * 100).toPrecision(6));

function percent(fraction: number): string {
  return `${percentOf(fraction)}%`;
}

/** A measured fraction with one decimal, or as many as the threshold it is compared with (12.3% ≥ 10%, 10.04% ≥ 10.04%). */
function percentLike(fraction: number, threshold: number): string {
  const thresholdDecimals = String(percentOf(threshold)).split('.')[1]?.length ?? 0;
  return `${(fraction * 100).toFixed(Math.max(1, thresholdDecimals))}%`;
}

/** The lock blocking a buy of `symbol` at `tickNo` (a lock of all coins or of the pair; the longest), or null. O(1). */
export function buyLock(state: GuardState, symbol: string, tickNo: number): Lock | null {
  return lockOn(state.locks, symbol, tickNo);
}

/** Every lock blocking at `tickNo`, for status and the API: locks of all coins first, then by pair and guard. */
export function activeLocks(state: GuardState, tickNo: number): Lock[] {
  return locksAt(state.locks, tickNo);
}

/** Locks of one guard (all when omitted) lifted: for a guard a person turned off, whose locks should not outlive it. */
export function liftLocks(state: GuardState, guard?: GuardName): GuardState {
  return { ...state, locks: withoutGuardLocks(state.locks, guard) };
}

/**
 * The drawdown measured afresh from the next tick's equity, and its block lifted: for a cycle resuming after a hard
 * stop, which would otherwise see the old peak and stop again at once.
 */
export function resetDrawdownWindow(state: GuardState): GuardState {
  return { ...state, equityPeaks: [], locks: withoutGuardLocks(state.locks, 'max_drawdown') };
}
