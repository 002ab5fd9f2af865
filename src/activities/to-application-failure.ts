import { ApplicationFailure } from '@temporalio/common';
import { isKeelError } from '../domain/errors.js';

/**
 * The single place where adapter errors become Temporal failures: the KeelError code becomes the failure `type`
 * (what workflows branch on), `retryable` decides `nonRetryable`, and a server-suggested wait becomes
 * `nextRetryDelay`. Unknown errors are retried within the activity's bounded policy (they are usually transient:
 * a dropped connection), except programming errors (TypeError and friends), which fail at once so they surface.
 */
export function toApplicationFailure(error: unknown): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  if (isKeelError(error)) {
    return ApplicationFailure.create({
      message: error.message,
      type: error.code,
      nonRetryable: !error.retryable,
      ...(error.retryAfterMs !== undefined && { nextRetryDelay: error.retryAfterMs }),
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  const isBug = error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError || error instanceof ReferenceError;
  return ApplicationFailure.create({ message: `unexpected error: ${message}`, type: 'Internal', nonRetryable: isBug, cause: error instanceof Error ? error : undefined });
}

/** Wraps every function of an activity object so thrown errors pass through toApplicationFailure. */
export function withFailureMapping<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (error) {
        throw toApplicationFailure(error);
      }
    };
  }
  return wrapped as T;
}
