import { describe, expect, it } from 'vitest';
import { copyRecord } from '../../../src/domain/records.js';

describe('copyRecord', () => {
  it('copies exactly what a spread copies: own keys, values, the same order (integer-like keys first), a new object', () => {
    const record: Record<string, number> = {};
    for (let i = 0; i < 40; i++) record[`C${i}/USDT`] = i;
    delete record['C3/USDT'];
    record['C3/USDT'] = 3;
    record['10'] = 10;
    record['2'] = 2;
    const inherited = Object.assign(Object.create({ hidden: 1 }) as Record<string, number>, record);
    for (const source of [record, inherited, {}]) {
      const copy = copyRecord(source);
      expect(copy).not.toBe(source);
      expect(Object.entries(copy)).toEqual(Object.entries({ ...source }));
    }
    expect(copyRecord(inherited)).not.toHaveProperty('hidden');
  });
});
