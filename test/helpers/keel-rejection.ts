import { expect } from 'vitest';
import { KeelError } from '../../src/domain/errors.js';

/** The KeelError a promise rejects with; fails the test when it resolves or rejects with anything else. */
export async function keelRejection(promise: Promise<unknown>): Promise<KeelError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KeelError);
  return error as KeelError;
}
