import {
  QueryNotRegisteredError,
  QueryRejectedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  isGrpcDeadlineError,
  isGrpcServiceError,
} from '@temporalio/client';
import { isKeelError } from '../domain/errors.js';

/** The API's error vocabulary; every error response is `{ code, message }` with the status below. */
export const API_ERROR_STATUS = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  /** A dashboard session sent a state-changing request without its CSRF token. */
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** Too many failed credentials from this client IP; Retry-After says when it may try again. */
  TOO_MANY_REQUESTS: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type ApiErrorCode = keyof typeof API_ERROR_STATUS;

export interface ErrorBody {
  code: ApiErrorCode;
  message: string;
}

/** An error whose message is meant for the caller. Anything else that reaches the error handler becomes INTERNAL. */
export class ApiError extends Error {
  readonly code: ApiErrorCode;

  constructor(code: ApiErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiError';
    this.code = code;
  }

  get statusCode(): number {
    return API_ERROR_STATUS[this.code];
  }
}

// gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html) that mean "Temporal is not answering".
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_RESOURCE_EXHAUSTED = 8;
const GRPC_UNAVAILABLE = 14;

function grpcCode(error: unknown): number | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    if (isGrpcServiceError(current)) return current.code;
    current = current.cause;
  }
  return undefined;
}

/** Status codes fastify itself sets (body parsing, limits) mapped onto the API's codes. */
function codeForFrameworkStatus(status: number): ApiErrorCode {
  switch (status) {
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    default:
      return status >= 500 ? 'INTERNAL' : 'BAD_REQUEST';
  }
}

/**
 * Turns anything a handler threw into the error the caller sees. Messages of unexpected errors are not passed on
 * (they can carry internals); the caller gets the request id to quote instead, and the error is logged in full.
 */
export function toApiError(error: unknown, requestId: string): ApiError {
  if (error instanceof ApiError) return error;

  if (error instanceof WorkflowNotFoundError) {
    return new ApiError('NOT_FOUND', `no market cycle ${error.workflowId || 'with that id'} is known to Temporal`, { cause: error });
  }
  if (error instanceof WorkflowUpdateFailedError) {
    // The workflow's update validator rejected the change; its message names the setting and the allowed values.
    return new ApiError('BAD_REQUEST', error.cause?.message ?? error.message, { cause: error });
  }
  if (error instanceof QueryRejectedError || error instanceof QueryNotRegisteredError) {
    return new ApiError('CONFLICT', `the workflow cannot answer the status query: ${error.message}`, { cause: error });
  }
  if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new ApiError('UNAVAILABLE', 'the config update was sent but its outcome did not arrive in time (is a cycle worker running?); check the cycle status before retrying', { cause: error });
  }
  if (isGrpcDeadlineError(error)) {
    return new ApiError('UNAVAILABLE', 'Temporal did not answer in time; if this persists, check that the Temporal server and the cycle workers are running', { cause: error });
  }
  const grpc = grpcCode(error);
  if (grpc === GRPC_UNAVAILABLE || grpc === GRPC_DEADLINE_EXCEEDED || grpc === GRPC_RESOURCE_EXHAUSTED) {
    return new ApiError('UNAVAILABLE', 'Temporal is unavailable; retry shortly', { cause: error });
  }

  if (isKeelError(error)) {
    if (error.code === 'DatabaseUnavailable') return new ApiError('UNAVAILABLE', 'the database is unavailable; retry shortly', { cause: error });
    // keel's own verdicts on a person's request (e.g. acknowledging a finding): their messages are written for the caller.
    if (error.code === 'InvalidInput') return new ApiError('BAD_REQUEST', error.message, { cause: error });
    if (error.code === 'NotFound') return new ApiError('NOT_FOUND', error.message, { cause: error });
    if (error.code === 'Conflict') return new ApiError('CONFLICT', error.message, { cause: error });
    return new ApiError('INTERNAL', `internal error (request ${requestId})`, { cause: error });
  }

  // Errors fastify raises before a handler runs (malformed JSON, empty body, body too large, unsupported type)
  // carry a 4xx statusCode and a message written for the caller.
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500 && error instanceof Error) {
    const code = codeForFrameworkStatus(status);
    const message = code === 'UNSUPPORTED_MEDIA_TYPE' ? 'unsupported Content-Type: send a JSON body (application/json)' : error.message;
    return new ApiError(code, message, { cause: error });
  }
  return new ApiError('INTERNAL', `internal error (request ${requestId})`, { cause: error });
}
