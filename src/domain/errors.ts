/**
 * keel's error vocabulary. Every error carries a stable `code` (which becomes the Temporal failure `type`) and a
 * `retryable` flag (which becomes `nonRetryable: !retryable`). Workflows branch on the code, never on `instanceof`,
 * because classes do not survive the workflow sandbox boundary.
 */
export const ERROR_CODES = {
  // exchange, retryable
  NetworkError: true,
  RequestTimeout: true,
  ExchangeNotAvailable: true,
  RateLimitExceeded: true,
  DDoSProtection: true,
  // exchange, permanent
  AuthenticationError: false,
  PermissionDenied: false,
  InsufficientFunds: false,
  InvalidOrder: false,
  OrderNotFound: false,
  BadSymbol: false,
  BadRequest: false,
  BadResponse: false,
  NotSupported: false,
  ExchangeError: false,
  // keel
  InvalidConfig: false,
  InvalidMarketData: false,
  DatabaseUnavailable: true,
  DatabaseError: false,
  LiveTradingDisabled: false,
  /** A placement refused after an earlier attempt got no answer: the order may exist. */
  OrderFateUnknown: false,
  /**
   * An attempt that stopped before sending a request (an order) because Temporal cancelled it or its deadline would
   * pass before the reply: this attempt sent nothing, and the next one looks the order up first.
   */
  AttemptStopped: true,
  AiOutputInvalid: false,
  /** Input from a person (API, CLI) that cannot be used; the message names the field. */
  InvalidInput: false,
  /** The thing asked about does not exist (e.g. a reconciliation finding). */
  NotFound: false,
  /** The thing exists but its state forbids the change (e.g. a finding already acknowledged or resolved). */
  Conflict: false,
  Internal: false,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class KeelError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  /** Server-suggested wait before the next attempt (e.g. from Retry-After), in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; retryable?: boolean; retryAfterMs?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KeelError';
    this.code = code;
    this.retryable = options.retryable ?? ERROR_CODES[code];
    this.retryAfterMs = options.retryAfterMs;
  }
}

export function isKeelError(value: unknown): value is KeelError {
  return value instanceof Error && (value as { name?: string }).name === 'KeelError' && 'code' in value;
}
