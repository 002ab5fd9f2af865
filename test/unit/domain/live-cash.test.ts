import { describe, expect, it } from 'vitest';
import { addFees, checkLiveCash } from '../../../src/domain/live-cash.js';

describe('checkLiveCash', () => {
  const base = { keelCash: '1000', feesSinceLastCheck: '0.5', ordersInFlight: false };

  it('agrees when the books equal the account', () => {
    expect(checkLiveCash({ ...base, accountQuote: '1000.0' })).toEqual({ verdict: 'agrees' });
  });

  it('follows the account; a move within the fees booked (plus a cent) is explained, a larger one is not', () => {
    expect(checkLiveCash({ ...base, accountQuote: '999.49' })).toEqual({ verdict: 'follow', drift: '-0.51', unexplained: false });
    expect(checkLiveCash({ ...base, accountQuote: '1234.5' })).toEqual({ verdict: 'follow', drift: '234.5', unexplained: true });
  });

  it('waits while an order of unknown fate may hold the difference', () => {
    expect(checkLiveCash({ ...base, accountQuote: '400', ordersInFlight: true })).toEqual({ verdict: 'wait', drift: '-600' });
  });
});

describe('addFees', () => {
  it('adds exactly, starting from nothing', () => {
    expect(addFees(undefined, '0.1')).toBe('0.1');
    expect(addFees('0.1', '0.2')).toBe('0.3');
  });
});
