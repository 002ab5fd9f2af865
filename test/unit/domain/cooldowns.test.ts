import { describe, expect, it } from 'vitest';
import { isCoolingDown, nextCooldowns } from '../../../src/domain/allocation.js';

describe('cooldowns', () => {
  it('a symbol sold at tick 7 with cooldownTicks 3 waits ticks 8-10 and is buyable at 11', () => {
    const cooldowns = nextCooldowns({}, ['X/USDT'], 7, 3);
    expect(cooldowns).toEqual({ 'X/USDT': 11 });
    expect([7, 8, 9, 10, 11].map((tick) => isCoolingDown(cooldowns, 'X/USDT', tick))).toEqual([true, true, true, true, false]);
    expect(isCoolingDown(cooldowns, 'Y/USDT', 8)).toBe(false);
  });

  it('cooldownTicks 0 only blocks the selling tick itself', () => {
    expect(nextCooldowns({}, ['X/USDT'], 7, 0)).toEqual({ 'X/USDT': 8 });
  });

  it('drops entries that no longer block and keeps the later of two deadlines', () => {
    expect(nextCooldowns({ 'OLD/USDT': 10, 'LIVE/USDT': 12, 'X/USDT': 30 }, ['X/USDT', 'NEW/USDT'], 10, 3)).toEqual({
      'LIVE/USDT': 12,
      'X/USDT': 30,
      'NEW/USDT': 14,
    });
  });

  it('does not modify its input', () => {
    const before = { 'A/USDT': 20 };
    nextCooldowns(before, ['B/USDT'], 10, 3);
    expect(before).toEqual({ 'A/USDT': 20 });
  });
});
