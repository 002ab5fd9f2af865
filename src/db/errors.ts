import { KeelError, isKeelError } from '../domain/errors.js';

/** Replaces the password of any `scheme://user:password@host` inside `text` so it can be logged or shown. */
export function redactUrl(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):[^@/?#\s]*@/gi, '$1:***@');
}

/** Where a PostgreSQL URL points, for messages: `host:port`, never the credentials. */
export function describeTarget(url: string): { host: string; port: string; database: string; user: string } {
  try {
    const parsed = new URL(url);
    return {
      host: parsed.hostname || 'localhost',
      port: parsed.port || '5432',
      database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || decodeURIComponent(parsed.username),
      user: decodeURIComponent(parsed.username),
    };
  } catch {
    return { host: 'unknown-host', port: 'unknown-port', database: '', user: '' };
  }
}

// Node socket errors that mean "the server is not there (yet)".
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
// SQLSTATE classes 08 (connection exception) and 57P0x (server shutting down / starting up), plus too many clients.
const UNAVAILABLE_SQLSTATES = /^(08...|57P0[1-4]|53300)$/;

/**
 * drizzle wraps driver errors in DrizzleQueryError ("Failed query: <the whole SQL>"); the driver's error, with its
 * code and a readable message, is further down the cause chain.
 */
function driverError(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 5; depth += 1) {
    if (typeof (current as { code?: unknown } | null)?.code === 'string') return current;
    const cause = (current as { cause?: unknown } | null)?.cause;
    if (cause === undefined || cause === null) return current;
    current = cause;
  }
  return current;
}

function codeOf(error: unknown): string | undefined {
  const code = (driverError(error) as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function messageOf(error: unknown): string {
  const inner = driverError(error);
  return inner instanceof Error ? inner.message : String(inner);
}

/** True for failures that say nothing about the query and everything about the connection; worth retrying. */
export function isConnectionError(error: unknown): boolean {
  const code = codeOf(error);
  if (code !== undefined && (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.test(code))) return true;
  const message = messageOf(error);
  return /timeout exceeded when trying to connect|Connection terminated|connection timeout|Client has encountered a connection error/i.test(message);
}

/**
 * Turns a failure to connect to PostgreSQL into a KeelError whose message says what to do about it. `url` is used
 * only for its host, port, user and database name; the password never appears.
 */
export function connectionFailure(url: string, error: unknown, timeoutMs: number): KeelError {
  if (isKeelError(error)) return error;
  const { host, port, database, user } = describeTarget(url);
  const where = `${host}:${port}`;
  const code = codeOf(error);
  const fallback = 'or unset DATABASE_URL to use the embedded database';
  const cause = error;
  switch (code) {
    case 'ECONNREFUSED':
      return new KeelError('DatabaseUnavailable', `cannot reach PostgreSQL at ${where} (ECONNREFUSED): start it ${fallback}`, { cause });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new KeelError('DatabaseUnavailable', `cannot resolve PostgreSQL host "${host}" (${code}): check the host in DATABASE_URL ${fallback}`, { cause });
    case '28P01':
    case '28000':
      // Wrong credentials do not fix themselves: retrying only delays the real fix.
      return new KeelError('DatabaseUnavailable', `PostgreSQL at ${where} rejected user "${user}" (${code}): fix the user or password in DATABASE_URL`, { cause, retryable: false });
    case '3D000':
      return new KeelError('DatabaseUnavailable', `database "${database}" does not exist on PostgreSQL at ${where} (3D000): create it (createdb ${database}) or fix DATABASE_URL`, { cause, retryable: false });
    case '57P03':
      return new KeelError('DatabaseUnavailable', `PostgreSQL at ${where} is starting up (57P03): retry in a moment`, { cause });
    case '53300':
      return new KeelError('DatabaseUnavailable', `PostgreSQL at ${where} has too many connections (53300): stop idle clients or raise max_connections`, { cause });
    default:
      break;
  }
  if (/timeout/i.test(messageOf(error))) {
    return new KeelError('DatabaseUnavailable', `timed out after ${timeoutMs} ms connecting to PostgreSQL at ${where}: check that it is running and reachable, ${fallback}`, { cause });
  }
  const detail = redactUrl(messageOf(error));
  return new KeelError('DatabaseUnavailable', `cannot connect to PostgreSQL at ${where}${code ? ` (${code})` : ''}: ${detail}; check DATABASE_URL ${fallback}`, { cause });
}

/**
 * Classifies an error thrown by a query for callers (activities) that must decide whether to retry: connection
 * trouble becomes DatabaseUnavailable (retryable), anything else DatabaseError. KeelErrors pass through unchanged.
 */
export function toKeelDatabaseError(error: unknown): KeelError {
  if (isKeelError(error)) return error;
  const code = codeOf(error);
  const detail = redactUrl(messageOf(error));
  if (isConnectionError(error)) {
    return new KeelError('DatabaseUnavailable', `database connection failed${code ? ` (${code})` : ''}: ${detail}`, { cause: error });
  }
  return new KeelError('DatabaseError', `database query failed${code ? ` (${code})` : ''}: ${detail}`, { cause: error });
}

/**
 * Runs one query function and hands callers KeelErrors only: drizzle's own errors quote the whole statement and its
 * parameters (kilobytes for a bulk insert), which must not end up in Temporal history.
 */
export async function withDatabaseErrors<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isKeelError(error)) throw error;
    const mapped = toKeelDatabaseError(error);
    throw new KeelError(mapped.code, `${operation}: ${mapped.message}`, { cause: error, retryable: mapped.retryable });
  }
}
