import { describe, expect, it } from 'vitest';
import { orderOutcomeUnknown } from '../../../src/domain/order-fate.js';

describe('whether a failed order execution may have left an order at the exchange', () => {
  it('is known not to for refusals of the first placement attempt', () => {
    for (const type of ['InvalidOrder', 'InsufficientFunds', 'BadSymbol', 'LiveTradingDisabled', 'AuthenticationError']) expect(orderOutcomeUnknown(type), type).toBe(false);
  });

  it('is unknown after timeouts, exhausted retries, lost or garbled replies and refusals after a lost reply', () => {
    for (const type of ['RequestTimeout', 'ExchangeNotAvailable', 'BadResponse', 'OrderFateUnknown', 'Internal', 'ActivityFailure']) expect(orderOutcomeUnknown(type), type).toBe(true);
  });

  it('counts a child that already completed in an earlier run as unknown, except when replaying the old rule', () => {
    expect(orderOutcomeUnknown('AlreadyCompleted')).toBe(true);
    expect(orderOutcomeUnknown('AlreadyCompleted', false)).toBe(false);
  });
});
