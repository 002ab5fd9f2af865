import { KeelError, isKeelError } from '../domain/errors.js';

/**
 * What a failed placement attempt tells the workflow. Every attempt looks the client order id up before sending, so:
 * - a garbled reply (BadResponse) is retried: the next attempt finds the order if it was accepted;
 * - a refusal on a retry (a duplicate client id, funds the first order already took) does not prove that nothing was
 *   placed, because an earlier attempt may have been accepted with its reply lost and not be visible yet: it becomes
 *   OrderFateUnknown, and the cycle reconciles before it trades that coin again.
 */
export function placementFailure(error: unknown, attempt: number, clientOrderId: string): unknown {
  if (!isKeelError(error)) return error;
  if (error.code === 'BadResponse') {
    return new KeelError('BadResponse', `${error.message} (placement attempt ${attempt} of ${clientOrderId}; the next attempt looks the order up first)`, { cause: error, retryable: true });
  }
  if (attempt > 1 && !error.retryable) {
    return new KeelError(
      'OrderFateUnknown',
      `placement attempt ${attempt} of ${clientOrderId} was refused (${error.code}: ${error.message}) after an earlier attempt got no answer: the order may exist, so its coin is in doubt until reconciled`,
      { cause: error },
    );
  }
  return error;
}
