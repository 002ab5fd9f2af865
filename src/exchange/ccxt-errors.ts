import {
  AccountSuspended,
  ArgumentsRequired,
  AuthenticationError,
  BadRequest,
  BadResponse,
  BadSymbol,
  BaseError,
  DDoSProtection,
  ExchangeError,
  ExchangeNotAvailable,
  InsufficientFunds,
  InvalidOrder,
  NetworkError,
  NotSupported,
  OnMaintenance,
  OperationFailed,
  OrderNotCached,
  OrderNotFound,
  PermissionDenied,
  RateLimitExceeded,
  RequestTimeout,
} from 'ccxt';
import { isKeelError, KeelError } from '../domain/errors.js';
import type { ErrorCode } from '../domain/errors.js';
import { redactSecrets } from './redact-secrets.js';
import { parseRetryAfterMs } from './retry-hint.js';

/** Waits used when the exchange gives no Retry-After hint. */
export const DEFAULT_RETRY_AFTER_MS = { rateLimit: 1_000, ddos: 5_000, maintenance: 30_000 } as const;
const MAX_MESSAGE_CHARS = 500;

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * ccxt classes to keel codes, most specific first: ccxt's hierarchy nests (OrderNotFound is an InvalidOrder, BadSymbol
 * a BadRequest, everything an ExchangeError or OperationFailed), so the first match wins. `retryable` only where it
 * differs from the code's default in ERROR_CODES.
 */
const CCXT_CODES: ReadonlyArray<{ type: ErrorClass; code: ErrorCode; retryable?: boolean; defaultRetryAfterMs?: number }> = [
  { type: RateLimitExceeded, code: 'RateLimitExceeded', defaultRetryAfterMs: DEFAULT_RETRY_AFTER_MS.rateLimit },
  { type: DDoSProtection, code: 'DDoSProtection', defaultRetryAfterMs: DEFAULT_RETRY_AFTER_MS.ddos },
  { type: RequestTimeout, code: 'RequestTimeout' },
  { type: OnMaintenance, code: 'ExchangeNotAvailable', defaultRetryAfterMs: DEFAULT_RETRY_AFTER_MS.maintenance },
  { type: ExchangeNotAvailable, code: 'ExchangeNotAvailable' },
  // InvalidNonce, ChecksumError and other network trouble: a fresh attempt is the fix.
  { type: NetworkError, code: 'NetworkError' },
  // A reply keel cannot use (malformed, null): retrying gets the same reply.
  { type: BadResponse, code: 'BadResponse' },
  // CancelPending and future OperationFailed kinds: ccxt's own promise is that the operation may succeed on retry.
  { type: OperationFailed, code: 'NetworkError' },
  { type: PermissionDenied, code: 'PermissionDenied' },
  { type: AccountSuspended, code: 'PermissionDenied' },
  { type: AuthenticationError, code: 'AuthenticationError' },
  { type: InsufficientFunds, code: 'InsufficientFunds' },
  { type: OrderNotFound, code: 'OrderNotFound' },
  { type: OrderNotCached, code: 'OrderNotFound' },
  { type: InvalidOrder, code: 'InvalidOrder' },
  { type: BadSymbol, code: 'BadSymbol' },
  { type: BadRequest, code: 'BadRequest' },
  { type: ArgumentsRequired, code: 'BadRequest' },
  { type: NotSupported, code: 'NotSupported' },
  { type: ExchangeError, code: 'ExchangeError' },
  { type: BaseError, code: 'ExchangeError' },
];

/** Node and undici codes of a connection that failed or dropped: worth another attempt. */
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * THE translation of anything a ccxt call throws into a KeelError: a stable code, `retryable`, and for rate limits the
 * wait the server asked for. The message is `${context}: ${original}` with credentials removed and cut to 500
 * characters. The original error is deliberately not attached as `cause`: ccxt messages and stacks can carry signed
 * URLs, and the cause would travel on into Temporal failures and logs.
 */
export function translateCcxtError(error: unknown, context: string, options: { secrets?: readonly string[] } = {}): KeelError {
  if (isKeelError(error)) return error;
  const original = error instanceof Error ? error.message : String(error);
  const message = formatMessage(context, original, options.secrets ?? []);

  const mapping = CCXT_CODES.find((entry) => error instanceof entry.type);
  if (mapping !== undefined) {
    const retryAfterMs = mapping.defaultRetryAfterMs === undefined ? undefined : (parseRetryAfterMs(original) ?? mapping.defaultRetryAfterMs);
    return new KeelError(mapping.code, message, { ...(mapping.retryable !== undefined && { retryable: mapping.retryable }), ...(retryAfterMs !== undefined && { retryAfterMs }) });
  }
  if (isNetworkFailure(error)) return new KeelError('NetworkError', message);
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) return new KeelError('RequestTimeout', message);
  // ccxt parses replies with plain JavaScript: a reply of an unexpected shape surfaces as a TypeError or SyntaxError.
  if (error instanceof TypeError || error instanceof SyntaxError) return new KeelError('BadResponse', message);
  return new KeelError('Internal', message);
}

function isNetworkFailure(error: unknown): boolean {
  // fetch() reports connection failures as TypeError('fetch failed') with the socket error as cause.
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 4; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || code.startsWith('UND_ERR_'))) return true;
    if (current instanceof TypeError && current.message === 'fetch failed') return true;
  }
  return false;
}

function formatMessage(context: string, original: string, secrets: readonly string[]): string {
  const text = redactSecrets(`${context}: ${original.replace(/\s+/g, ' ').trim()}`, secrets);
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS - 3)}...` : text;
}
