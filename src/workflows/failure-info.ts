import { ApplicationFailure, TemporalFailure } from '@temporalio/workflow';

/** The failure's code (ApplicationFailure type) and message; workflows branch on the code, never on classes of ours. */
export function failureInfo(error: unknown): { errorType: string; message: string } {
  let current: unknown = error;
  // Activity and child failures wrap the real cause; walk down to the ApplicationFailure that carries the code.
  while (current instanceof TemporalFailure && !(current instanceof ApplicationFailure) && current.cause) {
    current = current.cause;
  }
  if (current instanceof ApplicationFailure) {
    return { errorType: current.type ?? 'ApplicationFailure', message: current.message };
  }
  if (current instanceof Error) {
    return { errorType: current.name, message: current.message };
  }
  return { errorType: 'Unknown', message: String(current) };
}
