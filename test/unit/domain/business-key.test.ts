import { describe, expect, it } from 'vitest';
import { clientOrderIdFor, hash64Hex } from '../../../src/domain/business-key.js';

const parts = { cycleId: 'cycle/sim/main', tickTs: Date.UTC(2024, 0, 1), symbol: 'BTC/USDT', side: 'buy' };

describe('clientOrderIdFor', () => {
  it('is 20 characters: "kl", the last two base-36 digits of the tick, 16 hex digits of hash', () => {
    const id = clientOrderIdFor(parts);
    expect(id).toMatch(/^kl[0-9a-z]{2}[0-9a-f]{16}$/);
    expect(id).toHaveLength(20);
    const digits = '0123456789abcdefghijklmnopqrstuvwxyz';
    const low = parts.tickTs % 1296;
    expect(id.slice(2, 4)).toBe(`${digits[Math.floor(low / 36)]}${digits[low % 36]}`);
  });

  it('depends only on the business key: same parts, same id; any part changed, another id', () => {
    expect(clientOrderIdFor({ ...parts })).toBe(clientOrderIdFor(parts));
    const variants = [
      { ...parts, cycleId: 'cycle/sim/other' },
      { ...parts, tickTs: parts.tickTs + 3_600_000 },
      { ...parts, symbol: 'ETH/USDT' },
      { ...parts, side: 'sell' },
    ].map(clientOrderIdFor);
    expect(new Set([clientOrderIdFor(parts), ...variants]).size).toBe(5);
  });

  it('never changes across releases (a new id would let a retried placement order twice)', () => {
    // Pinned outputs: if these fail, the hash changed and in-flight orders could no longer be found by id.
    expect(clientOrderIdFor(parts)).toBe('klo0becf3cfc4bc28527');
    expect(hash64Hex('')).toBe('1aee8d83488bdcb8');
    expect(hash64Hex('keel')).toBe('099b955182ba7170');
  });

  it('spreads ids: no collisions over 10,000 symbols of one tick', () => {
    const ids = new Set(Array.from({ length: 10_000 }, (_, i) => clientOrderIdFor({ ...parts, symbol: `C${i}/USDT` })));
    expect(ids.size).toBe(10_000);
  });
});
