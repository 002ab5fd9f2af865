import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextEquityPeaks, windowPeak, type EquityPeaks } from '../../../src/domain/equity-peaks.js';
import {
  DEFAULT_GUARD_CONFIG,
  GUARD_SECTION_DEFAULTS,
  activeLocks,
  buyLock,
  emptyGuardState,
  liftLocks,
  resetDrawdownWindow,
  updateGuards,
  validateGuardConfig,
  type GuardConfig,
  type GuardState,
  type GuardTickInput,
  type GuardUpdate,
} from '../../../src/domain/guards.js';

const OFF: GuardConfig = { maxDrawdown: null, stopLossGuard: null, lowProfitPairs: null };

type TickEvents = Partial<Omit<GuardTickInput, 'tickNo'>>;

/** Runs updateGuards over ticks 0, 1, 2, ... (one entry per tick), returning every tick's update. */
function run(config: GuardConfig, ticks: readonly TickEvents[], state: GuardState = emptyGuardState(), firstTick = 0): GuardUpdate[] {
  const updates: GuardUpdate[] = [];
  ticks.forEach((events, i) => {
    const update = updateGuards(state, { tickNo: firstTick + i, equity: 1000, stopExits: [], closedTrades: [], ...events }, config);
    updates.push(update);
    state = update.state;
  });
  return updates;
}

const lastState = (updates: readonly GuardUpdate[]): GuardState => updates.at(-1)!.state;
const equities = (...values: number[]): TickEvents[] => values.map((equity) => ({ equity }));

describe('validateGuardConfig', () => {
  it('accepts the defaults (every guard off) and each section turned on with its defaults', () => {
    expect(DEFAULT_GUARD_CONFIG).toEqual(OFF);
    expect(validateGuardConfig(DEFAULT_GUARD_CONFIG)).toEqual([]);
    expect(validateGuardConfig({ ...GUARD_SECTION_DEFAULTS })).toEqual([]);
  });

  it('names the dotted key, the value and what is allowed', () => {
    const maxDrawdown = { ...GUARD_SECTION_DEFAULTS.maxDrawdown };
    expect(validateGuardConfig({ ...OFF, maxDrawdown: { ...maxDrawdown, fraction: 1.5 } })).toEqual(['guards.maxDrawdown.fraction must be in (0, 1) (got 1.5)']);
    expect(validateGuardConfig({ ...OFF, maxDrawdown: { ...maxDrawdown, fraction: 0.2, hardLimitFraction: 0.2 } })).toEqual([
      'guards.maxDrawdown.hardLimitFraction (0.2) must be greater than guards.maxDrawdown.fraction (0.2)',
    ]);
    expect(validateGuardConfig({ ...OFF, maxDrawdown: { ...maxDrawdown, hardLimitFraction: 1 } })).toEqual([
      'guards.maxDrawdown.hardLimitFraction must be null (no hard limit) or in (0, 1) (got 1)',
    ]);
    expect(validateGuardConfig({ ...OFF, maxDrawdown: { ...maxDrawdown, windowCandles: 1, blockCandles: 2.5 } })).toEqual([
      'guards.maxDrawdown.windowCandles must be an integer from 2 to 10000 (got 1)',
      'guards.maxDrawdown.blockCandles must be an integer from 1 to 10000 (got 2.5)',
    ]);
    expect(validateGuardConfig({ ...OFF, stopLossGuard: { stops: 0, windowCandles: 24, lockCandles: 12, perPair: 'yes' } })).toEqual([
      'guards.stopLossGuard.stops must be an integer from 1 to 1000 (got 0)',
      'guards.stopLossGuard.perPair must be true or false (got "yes")',
    ]);
    expect(validateGuardConfig({ ...OFF, lowProfitPairs: { windowCandles: 24, minProfitFraction: Number.NaN, minTrades: 2, lockCandles: 20_000 } })).toEqual([
      'guards.lowProfitPairs.minProfitFraction must be a number from -1 to 1 (got NaN)',
      'guards.lowProfitPairs.lockCandles must be an integer from 1 to 10000 (got 20000)',
    ]);
  });

  it('refuses unknown keys, missing or malformed sections and a guards value that is not an object', () => {
    expect(validateGuardConfig('on')).toEqual(['guards must be an object of maxDrawdown, stopLossGuard, lowProfitPairs (got "on")']);
    expect(validateGuardConfig({ maxDrawdown: null, stopLossGuard: 3, maxDrawdowns: null })).toEqual([
      'guards.maxDrawdowns is not a setting (known: maxDrawdown, stopLossGuard, lowProfitPairs)',
      'guards.stopLossGuard must be null (off) or an object of stops, windowCandles, lockCandles, perPair (got 3)',
      'guards.lowProfitPairs must be null (off) or an object of windowCandles, minProfitFraction, minTrades, lockCandles (got undefined)',
    ]);
    expect(validateGuardConfig({ ...OFF, lowProfitPairs: { ...GUARD_SECTION_DEFAULTS.lowProfitPairs, minProfit: 0 } })).toEqual([
      'guards.lowProfitPairs.minProfit is not a setting (known: windowCandles, minProfitFraction, minTrades, lockCandles)',
    ]);
  });
});

describe('max drawdown guard', () => {
  const guard = { fraction: 0.1, windowCandles: 168, blockCandles: 2, hardLimitFraction: 0.25 };
  const config: GuardConfig = { ...OFF, maxDrawdown: guard };

  it('blocks new buys at exactly the fraction (1 - 90/100 is 0.09999999999999998 in binary) and not below it', () => {
    const [, atThreshold] = run(config, equities(100, 90));
    expect(atThreshold!.newLocks).toEqual([
      { guard: 'max_drawdown', symbol: null, reason: 'drawdown 10.0% ≥ 10% over 168 candles: no new buys until tick 4', fromTick: 1, untilTick: 4 },
    ]);
    expect(atThreshold!.hardStop).toBeNull();
    const [, below] = run(config, equities(100, 90.01));
    expect(below!.newLocks).toEqual([]);
    expect(buyLock(below!.state, 'BTC/USDT', 2)).toBeNull();
  });

  it('blocks ticks t+1 .. t+blockCandles and drops the lock once it has expired', () => {
    const updates = run(config, equities(100, 89, 100, 100, 100));
    const afterDrop = updates[1]!.state;
    expect([1, 2, 3, 4].map((tick) => buyLock(afterDrop, 'ETH/USDT', tick) !== null)).toEqual([true, true, true, false]);
    expect(activeLocks(afterDrop, 4)).toEqual([]);
    expect(updates[3]!.state.locks.global).toHaveLength(1);
    expect(updates[4]!.state.locks).toEqual({ global: [], byPair: {}, nextExpiryTick: null });
  });

  it('extends the active lock while the drawdown lasts instead of placing another', () => {
    const updates = run(config, equities(100, 88, 87));
    expect(updates[2]!.newLocks).toEqual([]);
    expect(activeLocks(updates[2]!.state, 3)).toEqual([
      { guard: 'max_drawdown', symbol: null, reason: 'drawdown 13.0% ≥ 10% over 168 candles: no new buys until tick 5', fromTick: 1, untilTick: 5 },
    ]);
  });

  it('once per breach (every new cycle): blocks blockCandles ticks, then buys resume while the drawdown lasts, and a new breach blocks again', () => {
    const once = (ticks: TickEvents[]) => run(config, ticks.map((t) => ({ ...t, drawdownLockOncePerBreach: true })));
    // Sold out to cash at 88: equity stays there. Before, the block lasted as long as the 100 stayed in the window.
    const flat = once(equities(100, 88, 88, 88, 88, 88));
    expect(flat.map((u) => u.newLocks.length)).toEqual([0, 1, 0, 0, 0, 0]);
    expect([2, 3, 4, 5].map((tick) => buyLock(flat[1]!.state, 'BTC/USDT', tick) !== null)).toEqual([true, true, false, false]);
    expect(buyLock(flat[5]!.state, 'BTC/USDT', 5)).toBeNull();
    expect(run(config, equities(100, 88, 88, 88, 88, 88)).map((u) => buyLock(u.state, 'BTC/USDT', 5) !== null).at(-1)).toBe(true);
    // Back above the threshold, then down through it again: a second block.
    const twice = once(equities(100, 88, 95, 95, 95, 89));
    expect(twice.map((u) => u.newLocks.length)).toEqual([0, 1, 0, 0, 0, 1]);
    // The hard limit is not once per breach: it asks for the halt on every tick past it.
    const hard = once(equities(100, 75, 74));
    expect(hard.map((u) => u.hardStop !== null)).toEqual([false, true, true]);
  });

  it('measures from the highest equity of the window only: an older peak is forgotten', () => {
    const ticks = equities(100, 95, 95, 89);
    expect(run({ ...OFF, maxDrawdown: { ...guard, windowCandles: 4 } }, ticks)[3]!.newLocks).toHaveLength(1);
    expect(run({ ...OFF, maxDrawdown: { ...guard, windowCandles: 3 } }, ticks)[3]!.newLocks).toEqual([]);
  });

  it('asks for a hard stop at the hard limit, with the reason, until the window is reset', () => {
    const updates = run(config, equities(100, 76, 75));
    expect(updates[1]!.hardStop).toBeNull();
    expect(updates[2]!.hardStop).toBe('drawdown 25.0% ≥ hard limit 25% over 168 candles: sell everything and pause');
    expect(buyLock(updates[2]!.state, 'BTC/USDT', 3)?.guard).toBe('max_drawdown');

    const resumed = resetDrawdownWindow(updates[2]!.state);
    expect(buyLock(resumed, 'BTC/USDT', 3)).toBeNull();
    const [afterResume] = run(config, equities(75), resumed, 3);
    expect(afterResume!.hardStop).toBeNull();
    expect(afterResume!.newLocks).toEqual([]);
  });
});

describe('stop-loss guard', () => {
  const guard = { stops: 2, windowCandles: 24, lockCandles: 12, perPair: false };

  /** Ticks 0..lastTick with stop exits at the given ticks. */
  const stopsAt = (stops: Record<number, string[]>, lastTick: number): TickEvents[] =>
    Array.from({ length: lastTick + 1 }, (_, tick) => ({ stopExits: stops[tick] ?? [] }));

  it('locks buys of all coins at exactly `stops` stop exits within the window, not at one fewer', () => {
    const updates = run({ ...OFF, stopLossGuard: guard }, stopsAt({ 10: ['A/USDT'], 20: ['B/USDT'] }, 20));
    expect(updates[10]!.newLocks).toEqual([]);
    expect(updates[20]!.newLocks).toEqual([
      { guard: 'stoploss_guard', symbol: null, reason: '2 stop exits ≥ 2 within 24 candles: no new buys until tick 33', fromTick: 20, untilTick: 33 },
    ]);
    expect(buyLock(updates[20]!.state, 'C/USDT', 32)?.guard).toBe('stoploss_guard');
    expect(buyLock(updates[20]!.state, 'C/USDT', 33)).toBeNull();
  });

  it('forgets a stop once it is windowCandles ticks old', () => {
    const inside = run({ ...OFF, stopLossGuard: guard }, stopsAt({ 10: ['A/USDT'], 33: ['A/USDT'] }, 33));
    expect(inside[33]!.newLocks).toHaveLength(1);
    const outside = run({ ...OFF, stopLossGuard: guard }, stopsAt({ 10: ['A/USDT'], 34: ['A/USDT'] }, 34));
    expect(outside[34]!.newLocks).toEqual([]);
    expect(lastState(outside).stopExits).toEqual([[34, 'A/USDT']]);
  });

  it('perPair counts and locks each pair on its own', () => {
    const updates = run({ ...OFF, stopLossGuard: { ...guard, perPair: true } }, stopsAt({ 10: ['A/USDT'], 12: ['B/USDT'], 14: ['A/USDT'] }, 14));
    expect(updates[12]!.newLocks).toEqual([]);
    expect(updates[14]!.newLocks).toEqual([
      { guard: 'stoploss_guard', symbol: 'A/USDT', reason: '2 stop exits of A/USDT ≥ 2 within 24 candles: no buys of A/USDT until tick 27', fromTick: 14, untilTick: 27 },
    ]);
    const state = lastState(updates);
    expect(buyLock(state, 'A/USDT', 15)?.symbol).toBe('A/USDT');
    expect(buyLock(state, 'B/USDT', 15)).toBeNull();
  });

  it('counts two stops of one pair in one tick twice', () => {
    const [update] = run({ ...OFF, stopLossGuard: { ...guard, perPair: true } }, [{ stopExits: ['A/USDT', 'A/USDT'] }]);
    expect(update!.newLocks.map((l) => l.symbol)).toEqual(['A/USDT']);
  });
});

describe('low-profit pair lock', () => {
  const guard = { windowCandles: 10, minProfitFraction: 0, minTrades: 2, lockCandles: 5 };
  const config: GuardConfig = { ...OFF, lowProfitPairs: guard };
  const trades = (...profits: number[]): TickEvents[] => profits.map((profitFraction) => ({ closedTrades: [{ symbol: 'A/USDT', profitFraction }] }));

  it('locks a pair whose trades in the window sum below minProfitFraction, not one that sums to it', () => {
    const losing = run(config, trades(-0.01, 0.009));
    expect(losing[1]!.newLocks).toEqual([
      { guard: 'low_profit', symbol: 'A/USDT', reason: '2 trades of A/USDT made -0.1% < 0% within 10 candles: no buys of A/USDT until tick 7', fromTick: 1, untilTick: 7 },
    ]);
    expect(buyLock(losing[1]!.state, 'B/USDT', 2)).toBeNull();
    expect(run(config, trades(-0.01, 0.01))[1]!.newLocks).toEqual([]);
    // -0.1 - 0.2 + 0.3 is -5.6e-17 in floating point: summed in billionths it is exactly 0, which is not below 0.
    expect(run({ ...OFF, lowProfitPairs: { ...guard, minTrades: 3 } }, trades(-0.1, -0.2, 0.3))[2]!.newLocks).toEqual([]);
  });

  it('needs at least minTrades trades in the window', () => {
    expect(run(config, trades(-0.5))[0]!.newLocks).toEqual([]);
    const ticks: TickEvents[] = [...trades(-0.5), ...Array.from({ length: 9 }, () => ({})), ...trades(-0.01)];
    const updates = run(config, ticks);
    expect(updates[10]!.newLocks).toEqual([]);
    expect(lastState(updates).closedTrades).toEqual([[10, 'A/USDT', -10_000_000]]);
  });
});

describe('locks', () => {
  it('buyLock gives the longest of the pair and global locks; activeLocks lists global first, then by pair', () => {
    const config: GuardConfig = {
      maxDrawdown: { fraction: 0.1, windowCandles: 10, blockCandles: 3, hardLimitFraction: null },
      stopLossGuard: { stops: 1, windowCandles: 10, lockCandles: 8, perPair: true },
      lowProfitPairs: { windowCandles: 10, minProfitFraction: 0, minTrades: 1, lockCandles: 2 },
    };
    const [, update] = run(config, [
      { equity: 100 },
      { equity: 80, stopExits: ['B/USDT'], closedTrades: [{ symbol: 'B/USDT', profitFraction: -0.05 }, { symbol: 'A/USDT', profitFraction: -0.01 }] },
    ]);
    const state = update!.state;
    expect(activeLocks(state, 2).map((l) => [l.guard, l.symbol, l.untilTick])).toEqual([
      ['max_drawdown', null, 5],
      ['low_profit', 'A/USDT', 4],
      ['stoploss_guard', 'B/USDT', 10],
      ['low_profit', 'B/USDT', 4],
    ]);
    expect(buyLock(state, 'A/USDT', 2)?.guard).toBe('max_drawdown');
    expect(buyLock(state, 'B/USDT', 2)?.guard).toBe('stoploss_guard');
    expect(buyLock(state, 'C/USDT', 5)).toBeNull();
    expect(activeLocks(liftLocks(state, 'stoploss_guard'), 2).map((l) => l.guard)).toEqual(['max_drawdown', 'low_profit', 'low_profit']);
  });

  it('never changes its inputs, and its state survives JSON (continue-as-new) unchanged', () => {
    const config: GuardConfig = { ...GUARD_SECTION_DEFAULTS, stopLossGuard: { stops: 1, windowCandles: 3, lockCandles: 2, perPair: false } };
    let state = emptyGuardState();
    for (let tickNo = 0; tickNo < 40; tickNo++) {
      const input: GuardTickInput = {
        tickNo,
        equity: 100 - (tickNo % 7) * 5,
        stopExits: tickNo % 5 === 0 ? ['A/USDT'] : [],
        closedTrades: tickNo % 3 === 0 ? [{ symbol: 'A/USDT', profitFraction: -0.02 }] : [],
      };
      const frozen = deepFreeze(structuredClone(state));
      const update = updateGuards(frozen, deepFreeze(input), config);
      expect(frozen).toEqual(state);
      expect(updateGuards(JSON.parse(JSON.stringify(state)) as GuardState, input, config)).toEqual(update);
      state = update.state;
    }
  });
});

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

describe('windows (properties)', () => {
  it('the deque front is the naive maximum of the last windowCandles equities, and the deque never outgrows the window', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 200 }), fc.integer({ min: 1, max: 30 }), (values, windowCandles) => {
        let peaks: EquityPeaks = [];
        values.forEach((equity, tickNo) => {
          peaks = nextEquityPeaks(peaks, tickNo, equity, windowCandles);
          expect(windowPeak(peaks)).toBe(Math.max(...values.slice(Math.max(0, tickNo - windowCandles + 1), tickNo + 1)));
          expect(peaks.length).toBeLessThanOrEqual(windowCandles);
        });
      }),
    );
  });

  it('stays bounded by the windows over 10,000 ticks, expired events and locks dropped', () => {
    const symbols = ['A/USDT', 'B/USDT', 'C/USDT', 'D/USDT', 'E/USDT'];
    const config: GuardConfig = {
      maxDrawdown: { fraction: 0.05, windowCandles: 50, blockCandles: 7, hardLimitFraction: 0.5 },
      stopLossGuard: { stops: 3, windowCandles: 40, lockCandles: 9, perPair: true },
      lowProfitPairs: { windowCandles: 30, minProfitFraction: 0.001, minTrades: 2, lockCandles: 11 },
    };
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const random = mulberry32(seed);
        let state = emptyGuardState();
        let equity = 1000;
        let largestJson = 0;
        for (let tickNo = 0; tickNo < 10_000; tickNo++) {
          // A slow decline makes the monotonic deque as long as it can get.
          equity = Math.max(1, equity * (tickNo < 5000 ? 0.999 : 1 + (random() - 0.5) * 0.04));
          const pick = (): string[] => symbols.filter(() => random() < 0.1);
          const stopExits = pick();
          const closedTrades = pick().map((symbol) => ({ symbol, profitFraction: (random() - 0.55) * 0.1 }));
          state = updateGuards(state, { tickNo, equity, stopExits, closedTrades }, config).state;

          // Plain checks each tick (expect per tick would cost most of the test's time); expect names the first failure.
          const problem = boundProblem(state, tickNo, symbols.length);
          if (problem !== null) expect.fail(`tick ${tickNo}: ${problem}`);
          if (tickNo % 1000 === 999) largestJson = Math.max(largestJson, JSON.stringify(state).length);
        }
        // 50 equity pairs, ~5 x 40 x 0.1 stops, ~5 x 30 x 0.1 trades and a few locks: a few kilobytes, whatever the run length.
        expect(largestJson).toBeLessThan(8_000);
      }),
      { numRuns: 3 },
    );
  });
  it('blocks exactly the buys a naive recount of the whole history blocks, until the same tick', () => {
    const symbols = ['A/USDT', 'B/USDT', 'C/USDT'];
    const candles = (max: number) => fc.integer({ min: 1, max });
    const arbitraryConfig = fc.record({
      maxDrawdown: fc.record({ fraction: fc.constantFrom(0.02, 0.05, 0.1), windowCandles: candles(12).map((w) => w + 1), blockCandles: candles(6), hardLimitFraction: fc.constantFrom(null, 0.15) }),
      stopLossGuard: fc.record({ stops: candles(3), windowCandles: candles(10), lockCandles: candles(6), perPair: fc.boolean() }),
      lowProfitPairs: fc.record({ windowCandles: candles(10), minProfitFraction: fc.constantFrom(-0.01, 0, 0.01), minTrades: candles(3), lockCandles: candles(6) }),
    });
    const arbitraryTick = fc.record({
      equity: fc.integer({ min: 80, max: 100 }),
      stopExits: fc.subarray(symbols),
      closedTrades: fc.array(fc.record({ symbol: fc.constantFrom(...symbols), profitFraction: fc.integer({ min: -30, max: 20 }).map((p) => p / 1000) }), { maxLength: 2 }),
    });
    fc.assert(
      fc.property(arbitraryConfig, fc.array(arbitraryTick, { minLength: 1, maxLength: 80 }), (config, ticks) => {
        let state = emptyGuardState();
        // Per symbol (null: all coins), the latest untilTick any guard has asked for so far.
        const until = new Map<string | null, number>();
        const ask = (symbol: string | null, untilTick: number) => until.set(symbol, Math.max(until.get(symbol) ?? 0, untilTick));
        ticks.forEach((tick, tickNo) => {
          const update = updateGuards(state, { tickNo, ...tick }, config);
          state = update.state;
          const inWindow = (windowCandles: number) => ticks.slice(Math.max(0, tickNo - windowCandles + 1), tickNo + 1);

          const { maxDrawdown, stopLossGuard, lowProfitPairs } = config;
          const peak = Math.max(...inWindow(maxDrawdown.windowCandles).map((t) => t.equity));
          const drawdown = 1 - tick.equity / peak;
          if (drawdown >= maxDrawdown.fraction - 1e-12) ask(null, tickNo + maxDrawdown.blockCandles + 1);
          expect(update.hardStop !== null).toBe(maxDrawdown.hardLimitFraction !== null && drawdown >= maxDrawdown.hardLimitFraction - 1e-12);

          const stops = inWindow(stopLossGuard.windowCandles).flatMap((t) => t.stopExits);
          if (!stopLossGuard.perPair && tick.stopExits.length > 0 && stops.length >= stopLossGuard.stops) ask(null, tickNo + stopLossGuard.lockCandles + 1);
          for (const symbol of stopLossGuard.perPair ? tick.stopExits : []) {
            if (stops.filter((s) => s === symbol).length >= stopLossGuard.stops) ask(symbol, tickNo + stopLossGuard.lockCandles + 1);
          }
          for (const symbol of new Set(tick.closedTrades.map((t) => t.symbol))) {
            const own = inWindow(lowProfitPairs.windowCandles).flatMap((t) => t.closedTrades).filter((t) => t.symbol === symbol);
            const permille = own.reduce((sum, t) => sum + Math.round(t.profitFraction * 1000), 0);
            if (own.length >= lowProfitPairs.minTrades && permille < Math.round(lowProfitPairs.minProfitFraction * 1000)) ask(symbol, tickNo + lowProfitPairs.lockCandles + 1);
          }

          for (const symbol of symbols) {
            const expected = Math.max(until.get(null) ?? 0, until.get(symbol) ?? 0);
            const lock = buyLock(state, symbol, tickNo + 1);
            expect(lock?.untilTick ?? null).toBe(expected > tickNo + 1 ? expected : null);
          }
        });
      }),
      { numRuns: 150 },
    );
  });
});

/** What is wrong with the state after tick `tickNo` of the bounded run, or null. */
function boundProblem(state: GuardState, tickNo: number, symbolCount: number): string | null {
  if (state.equityPeaks.length > 50) return `${state.equityPeaks.length} equity pairs`;
  if (!state.stopExits.every(([tick]) => tick > tickNo - 40)) return 'a stop exit older than its window';
  if (!state.closedTrades.every(([tick]) => tick > tickNo - 30)) return 'a closed trade older than its window';
  const locks = activeLocks(state, tickNo + 1).length;
  if (locks > 1 + 2 * symbolCount) return `${locks} locks`;
  const stored = state.locks.global.length + Object.values(state.locks.byPair).flat().length;
  if (stored !== activeLocks(state, tickNo).length) return `${stored} stored locks, ${activeLocks(state, tickNo).length} active`;
  return null;
}

/** A small seeded generator: the same ticks for the same seed, so a failure replays. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
