import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exitCategory } from '../../../src/domain/backtest-trades.js';
import {
  addToPositionExit,
  checkExit,
  DEFAULT_EXIT_CONFIG,
  EXIT_REASONS,
  exitOrderReason,
  isExitReason,
  nextPositionExit,
  openPositionExit,
  positionExitLevels,
  type ExitCandle,
  type ExitConfig,
  type PositionExit,
} from '../../../src/domain/exits.js';

const config = (overrides: Partial<ExitConfig>): ExitConfig => ({ ...DEFAULT_EXIT_CONFIG, ...overrides });
const candle = (open: number, high: number, low: number, close: number): ExitCandle => ({ open, high, low, close });

/** Bought at 100 on tick 10; checked on tick 11 unless a test says otherwise. */
const ENTRY_TICK = 10;
const stop8 = config({ stopLossFraction: 0.08 });
const opened = (exitConfig: ExitConfig, atr: number | null = null): PositionExit => openPositionExit(100, ENTRY_TICK, atr, exitConfig);

describe('exits: the stop-loss', () => {
  it('fills at the OPEN when the candle gaps down through the stop', () => {
    expect(checkExit(opened(stop8), candle(90, 93, 85, 91), stop8, 11)).toEqual({ reason: 'stop_loss', price: 90, detail: 'open 90 ≤ stop 92 (entry 100, -10%)' });
  });

  it('fills at the STOP price when the low touches it, never at the lower low', () => {
    expect(checkExit(opened(stop8), candle(95, 96, 91.2, 95.5), stop8, 11)).toEqual({ reason: 'stop_loss', price: 92, detail: 'low 91.2 ≤ stop 92 (entry 100, -8%)' });
    expect(checkExit(opened(stop8), candle(95, 96, 92, 95.5), stop8, 11)?.price).toBe(92);
    expect(checkExit(opened(stop8), candle(95, 96, 92.01, 95.5), stop8, 11)).toBeNull();
  });

  it('never triggers on the candle of the entry tick or before (that candle closed before the buy)', () => {
    expect(checkExit(opened(stop8), candle(90, 93, 85, 91), stop8, ENTRY_TICK)).toBeNull();
    expect(checkExit(opened(stop8), candle(90, 93, 85, 91), stop8, ENTRY_TICK - 1)).toBeNull();
  });

  it('uses the ATR stop (entry - multiple × ATR at entry) instead of the fraction, and the fraction when ATR is unknown', () => {
    const atrAndFraction = config({ stopLossFraction: 0.08, stopLossAtr: { multiple: 3, period: 14 } });
    const withAtr = opened(atrAndFraction, 2);
    expect(withAtr.stopPrice).toBe(94);
    expect(checkExit(withAtr, candle(97, 98, 93.5, 95), atrAndFraction, 11)).toMatchObject({ reason: 'stop_loss', price: 94 });
    expect(opened(atrAndFraction, Number.NaN).stopPrice).toBe(92);
    expect(opened(atrAndFraction, 0).stopPrice).toBe(92);
    expect(opened(config({ stopLossAtr: { multiple: 3, period: 14 } }), null).stopPrice).toBeNull();
  });

  it('keeps the stop fixed at entry, and releases held positions when stops are switched off', () => {
    const exit = opened(stop8);
    expect(checkExit(exit, candle(95, 96, 93, 95), config({ stopLossFraction: 0.05 }), 11)).toBeNull(); // still 92, not 95
    expect(checkExit(exit, candle(95, 96, 91, 95), DEFAULT_EXIT_CONFIG, 11)).toBeNull();
  });

  it('scales the stop distance by the regime factor: wider above 1, tighter below', () => {
    const exit = opened(stop8);
    const dip = candle(95, 96, 90, 94);
    expect(checkExit(exit, dip, stop8, 11, 1.5)).toBeNull(); // stop 88
    expect(checkExit(exit, candle(95, 96, 87, 94), stop8, 11, 1.5)).toMatchObject({ reason: 'stop_loss', price: 100 - 8 * 1.5 });
    expect(checkExit(exit, candle(97, 98, 95.5, 97), stop8, 11, 0.5)).toMatchObject({ reason: 'stop_loss', price: 96 });
    expect(checkExit(exit, dip, stop8, 11, 1)?.detail).toBe('low 90 ≤ stop 92 (entry 100, -8%)');
    expect(checkExit(exit, candle(95, 96, 87, 94), stop8, 11, 1.5)?.detail).toBe('low 87 ≤ stop 88 (entry 100, -12%, stop distance ×1.5)');
    expect(() => checkExit(exit, dip, stop8, 11, 0)).toThrow('regimeStopFactor must be a finite number > 0 (got 0)');
  });
});

describe('exits: take-profit and the order inside a candle', () => {
  const takeProfit20 = config({ takeProfitFraction: 0.2 });

  it('fills at the take-profit price when the high reaches it, and at the open when the candle opens above it', () => {
    expect(checkExit(opened(takeProfit20), candle(110, 121, 109, 115), takeProfit20, 11)).toEqual({ reason: 'take_profit', price: 120, detail: 'high 121 ≥ take-profit 120 (entry 100, +20%)' });
    expect(checkExit(opened(takeProfit20), candle(125, 130, 118, 126), takeProfit20, 11)).toEqual({ reason: 'take_profit', price: 125, detail: 'open 125 ≥ take-profit 120 (entry 100, +25%)' });
    expect(checkExit(opened(takeProfit20), candle(110, 119.99, 100, 115), takeProfit20, 11)).toBeNull();
  });

  it('sells at the stop when the stop and the take-profit both lie inside one candle (low before high)', () => {
    const both = config({ stopLossFraction: 0.08, takeProfitFraction: 0.2 });
    expect(checkExit(opened(both), candle(100, 125, 90, 120), both, 11)).toMatchObject({ reason: 'stop_loss', price: 92 });
  });
});

describe('exits: the trailing stop', () => {
  const trailing = config({ trailingStop: { fraction: 0.03, activationFraction: 0.05 } });

  it('activates only once the highest price BEFORE the candle reached entry × (1 + activation)', () => {
    let exit = opened(trailing);
    // This candle's high (110) would activate a stop at 106.7 above its low, but the high comes after the low.
    const spike = candle(101, 110, 101, 108);
    expect(checkExit(exit, spike, trailing, 11)).toBeNull();
    exit = nextPositionExit(exit, spike);
    expect(exit.highest).toBe(110);
    expect(checkExit(exit, candle(108, 109, 106.6, 107), trailing, 12)).toEqual({
      reason: 'trailing_stop',
      price: 110 * 0.97,
      detail: 'low 106.6 ≤ trailing stop 106.7 (high 110, entry 100, +6.7%)',
    });
  });

  it('stays inactive below the activation price', () => {
    const exit = nextPositionExit(opened(trailing), candle(101, 104.9, 100, 104));
    expect(checkExit(exit, candle(104, 104, 100.5, 101), trailing, 12)).toBeNull(); // would be under 104.9 × 0.97
  });

  it("does not let this candle's high move this candle's trailing level", () => {
    const exit: PositionExit = { ...opened(trailing), highest: 110 };
    // Trailing from 120 would put the stop at 116.4, above this low; from 110 it is 106.7, below it.
    expect(checkExit(exit, candle(109, 120, 107, 119), trailing, 12)).toBeNull();
    expect(nextPositionExit(exit, candle(109, 120, 107, 119)).highest).toBe(120);
  });

  it('fills at the open when the candle gaps through the trailing level, and the higher of the two stops names the exit', () => {
    const both = config({ stopLossFraction: 0.08, trailingStop: { fraction: 0.03, activationFraction: 0.05 } });
    const high: PositionExit = { ...opened(both), highest: 110 };
    expect(checkExit(high, candle(100, 101, 99, 100), both, 12)).toEqual({ reason: 'trailing_stop', price: 100, detail: 'open 100 ≤ trailing stop 106.7 (high 110, entry 100, 0%)' });
    // Trailing from entry (activation 0) at 15% sits at 85, under the fixed stop at 92: the fixed stop names the exit.
    const loose = config({ stopLossFraction: 0.08, trailingStop: { fraction: 0.15, activationFraction: 0 } });
    expect(checkExit(opened(loose), candle(95, 96, 90, 91), loose, 11)).toMatchObject({ reason: 'stop_loss', price: 92 });
  });

  it('scales the trailing distance by the regime factor', () => {
    const exit: PositionExit = { ...opened(trailing), highest: 110 };
    expect(checkExit(exit, candle(108, 109, 104, 105), trailing, 12, 2)).toBeNull(); // 110 × (1 - 0.06) = 103.4
    expect(checkExit(exit, candle(108, 109, 103, 105), trailing, 12, 2)).toMatchObject({ reason: 'trailing_stop', price: 110 * (1 - 0.03 * 2) });
  });
});

describe('exits: the time limit', () => {
  const limit5 = config({ timeLimitCandles: 5 });

  it('sells at the close once tickNo - entryTick reaches the limit', () => {
    const exit = opened(limit5);
    expect(checkExit(exit, candle(100, 101, 99, 97), limit5, ENTRY_TICK + 4)).toBeNull();
    expect(checkExit(exit, candle(100, 101, 99, 97), limit5, ENTRY_TICK + 5)).toEqual({ reason: 'time_limit', price: 97, detail: 'held 5 candles, limit 5 (close 97, entry 100, -3%)' });
    expect(positionExitLevels(exit, limit5, ENTRY_TICK + 3).candlesLeft).toBe(2);
  });

  it('comes after the stop within the same candle', () => {
    const both = config({ stopLossFraction: 0.08, timeLimitCandles: 5 });
    expect(checkExit(opened(both), candle(95, 96, 91, 93), both, ENTRY_TICK + 5)?.reason).toBe('stop_loss');
  });
});

describe('exits: state', () => {
  it('is plain JSON, and nextPositionExit neither mutates nor allocates on a candle without a new high', () => {
    const exit = opened(config({ stopLossFraction: 0.08, trailingStop: { fraction: 0.05, activationFraction: 0 } }));
    expect(JSON.parse(JSON.stringify(exit))).toEqual(exit);
    const frozen = Object.freeze({ ...exit });
    expect(nextPositionExit(frozen, candle(99, 99.5, 98, 99))).toBe(frozen);
    expect(nextPositionExit(frozen, candle(99, Number.NaN, 98, 99))).toBe(frozen);
    expect(nextPositionExit(frozen, candle(99, 103, 98, 99))).toEqual({ ...exit, highest: 103 });
  });

  it('after an add: measures stops from the new average, keeps the highest price and the entry tick', () => {
    const exit: PositionExit = { ...opened(stop8), highest: 112 };
    expect(addToPositionExit(exit, 105, null, stop8)).toEqual({ entryPrice: 105, entryTick: ENTRY_TICK, highest: 112, stopPrice: 105 * 0.92 });
    expect(addToPositionExit(opened(stop8), 104, null, stop8).highest).toBe(104);
    expect(exit).toEqual({ entryPrice: 100, entryTick: ENTRY_TICK, highest: 112, stopPrice: 92 });
  });

  it('refuses an entry price that would poison the state', () => {
    expect(() => openPositionExit(Number.NaN, 3, null, stop8)).toThrow('position exit: entry price must be a finite number > 0 (got NaN)');
    expect(() => openPositionExit(0, 3, null, stop8)).toThrow('(got 0)');
    expect(() => openPositionExit(100, -1, null, stop8)).toThrow('entry tick must be a non-negative integer (got -1)');
  });

  it('reports the levels in force for status', () => {
    const every = config({ stopLossFraction: 0.08, trailingStop: { fraction: 0.03, activationFraction: 0.05 }, takeProfitFraction: 0.2, timeLimitCandles: 48 });
    expect(positionExitLevels(opened(every), every, 11)).toEqual({ stop: 92, stopReason: 'stop_loss', takeProfit: 120, candlesLeft: 47 });
    expect(positionExitLevels({ ...opened(every), highest: 110 }, every, 11)).toMatchObject({ stop: 106.7, stopReason: 'trailing_stop' });
    expect(positionExitLevels(opened(DEFAULT_EXIT_CONFIG), DEFAULT_EXIT_CONFIG, 11)).toEqual({ stop: null, stopReason: null, takeProfit: null, candlesLeft: null });
  });
});

describe('exit reasons', () => {
  it('are the four exits, and an order reason built from a trigger is counted under its word', () => {
    expect(EXIT_REASONS).toEqual(['stop_loss', 'trailing_stop', 'take_profit', 'time_limit']);
    expect(EXIT_REASONS.every(isExitReason)).toBe(true);
    expect(isExitReason('signal')).toBe(false);
    expect(isExitReason(3)).toBe(false);
    const trigger = checkExit(opened(stop8), candle(95, 96, 91.2, 95.5), stop8, 11)!;
    expect(exitOrderReason(trigger)).toBe('stop_loss: low 91.2 ≤ stop 92 (entry 100, -8%)');
    expect(exitCategory(exitOrderReason(trigger))).toBe('stop_loss');
  });

  it('prints prices with at most 8 significant digits and no exponent', () => {
    const tiny = config({ stopLossFraction: 0.1 });
    const exit = openPositionExit(0.000012345678912, 0, null, tiny);
    expect(checkExit(exit, candle(0.0000115, 0.0000116, 0.00000001, 0.0000112), tiny, 1)?.detail).toBe('low 0.00000001 ≤ stop 0.000011111111 (entry 0.000012345679, -10%)');
  });
});

describe('exits: properties', () => {
  const price = fc.double({ min: 0.01, max: 1000, noNaN: true });
  const fraction = fc.double({ min: 0.001, max: 0.5, noNaN: true });
  const anyConfig = fc.record({
    stopLossFraction: fc.option(fraction),
    stopLossAtr: fc.constant(null),
    trailingStop: fc.option(fc.record({ fraction, activationFraction: fc.double({ min: 0, max: 0.5, noNaN: true }) })),
    takeProfitFraction: fc.option(fc.double({ min: 0.001, max: 2, noNaN: true })),
    timeLimitCandles: fc.option(fc.integer({ min: 1, max: 10 })),
  });
  const anyCandle = fc.tuple(price, price, fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })).map(([open, close, down, up]) => {
    const low = Math.min(open, close) * (1 - 0.5 * down);
    const high = Math.max(open, close) * (1 + up);
    return candle(open, high, low, close);
  });

  it('a stop exit never fills above the stop in force nor above the open, and no exit fills outside the candle', () => {
    fc.assert(
      fc.property(price, fc.double({ min: 1, max: 3, noNaN: true }), anyConfig, anyCandle, fc.double({ min: 0.25, max: 4, noNaN: true }), fc.integer({ min: 1, max: 12 }),
        (entry, highestRatio, exitConfig, bar, factor, held) => {
          const exit: PositionExit = { ...openPositionExit(entry, 0, null, exitConfig), highest: entry * highestRatio };
          const trigger = checkExit(exit, bar, exitConfig, held, factor);
          if (trigger === null) return;
          expect(trigger.price).toBeGreaterThanOrEqual(bar.low);
          expect(trigger.price).toBeLessThanOrEqual(bar.high);
          if (trigger.reason === 'stop_loss' || trigger.reason === 'trailing_stop') {
            const levels = positionExitLevels(exit, exitConfig, held, factor);
            expect(levels.stopReason).toBe(trigger.reason);
            expect(trigger.price).toBeLessThanOrEqual(levels.stop!);
            expect(trigger.price).toBeLessThanOrEqual(bar.open);
          }
        }),
      { numRuns: 1000 },
    );
  });
});
