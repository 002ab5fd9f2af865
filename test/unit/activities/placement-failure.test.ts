import { describe, expect, it } from 'vitest';
import { placementFailure } from '../../../src/activities/placement-failure.js';
import { KeelError } from '../../../src/domain/errors.js';

describe('what a failed placement attempt tells the workflow', () => {
  it('passes a first-attempt refusal through: nothing was placed', () => {
    const refused = new KeelError('InsufficientFunds', 'not enough USDT');
    expect(placementFailure(refused, 1, 'k-1')).toBe(refused);
  });

  it('turns a refusal on a retry into OrderFateUnknown: an earlier attempt may have been accepted with its reply lost', () => {
    const duplicate = new KeelError('InvalidOrder', 'Duplicate order sent.');
    const failure = placementFailure(duplicate, 2, 'k-1') as KeelError;
    expect(failure.code).toBe('OrderFateUnknown');
    expect(failure.retryable).toBe(false);
    expect(failure.message).toContain('attempt 2 of k-1 was refused (InvalidOrder: Duplicate order sent.)');
    expect(failure.cause).toBe(duplicate);
  });

  it('makes a garbled reply retryable on any attempt: the next attempt looks the order up before sending', () => {
    for (const attempt of [1, 3]) {
      const failure = placementFailure(new KeelError('BadResponse', 'unexpected token < in JSON'), attempt, 'k-2') as KeelError;
      expect(failure.code).toBe('BadResponse');
      expect(failure.retryable).toBe(true);
    }
  });

  it('leaves retryable faults and foreign errors alone', () => {
    const timeout = new KeelError('RequestTimeout', 'timed out');
    expect(placementFailure(timeout, 4, 'k-3')).toBe(timeout);
    const bug = new TypeError('x is undefined');
    expect(placementFailure(bug, 2, 'k-3')).toBe(bug);
  });
});
