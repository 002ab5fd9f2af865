import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { TrustProxy } from '../config/trust-proxy.js';
import type { Database } from '../db/client.js';
import type { CycleConfig } from '../domain/cycle-config.js';
import { registerAuthFailureLimit, tooManyFailures } from './auth-failures.js';
import { createBearerVerifier, createTokenMatcher } from './auth.js';
import { createApiContext } from './context.js';
import { ApiError, toApiError, type ErrorBody } from './errors.js';
import { OperationRegistry } from './operations.js';
import { DEFAULT_BACKTEST_DEFAULTS, type BacktestDefaults } from './backtests.js';
import { registerBacktestRoutes } from './routes/backtests.js';
import { registerCandleRoutes } from './routes/candles.js';
import { registerCycleRecordRoutes } from './routes/cycle-records.js';
import { registerFindingRoutes } from './routes/findings.js';
import { registerCycleRoutes } from './routes/cycles.js';
import { registerDashboardRoutes } from './routes/dashboard.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerOpenApiRoute } from './routes/openapi.js';
import { CSRF_HEADER, SESSION_COOKIE, SessionStore, csrfMatches, readCookie } from './session.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * false for the few routes anyone may call (GET /health, the login page); every other route needs the bearer
     * token or a dashboard session cookie (plus the CSRF header when it changes state).
     */
    auth?: boolean;
  }
}

/** Where fastify's pino logger writes; tests pass a stream to inspect the log lines. */
export interface ApiLoggerOptions {
  level?: string;
  stream?: { write(line: string): void };
}

export interface ApiDeps {
  client: Client;
  /** The Temporal namespace `client` talks to. */
  namespace: string;
  /** The PostgreSQL database the workers write; without it the record routes answer 503. */
  db?: Database;
  /** Accepted bearer tokens (more than one while rotating). */
  apiTokens: string[];
  /** true logs at info to stdout; an object picks level and destination. Default: no logs. */
  logger?: boolean | ApiLoggerOptions;
  /** Deadline of each request's Temporal calls. Default 10 s. */
  temporalTimeoutMs?: number;
  /** Base URL of the Temporal Web UI, for the dashboard's and POST /v1/cycles's links. Default http://localhost:8233. */
  temporalUiUrl?: string;
  /** Settings every cycle started through POST /v1/cycles gets before the request's own (e.g. taskQueuePrefix). */
  cycleDefaults?: Partial<Pick<CycleConfig, 'taskQueuePrefix'>>;
  /** What POST /v1/backtests uses for settings a request leaves out (KEEL_TIMEFRAME, KEEL_QUOTE, KEEL_PAPER_*, KEEL_COINS). */
  backtestDefaults?: Partial<BacktestDefaults>;
  /**
   * How long an answer of the status query or a record route (ticks, positions, ...) serves further identical
   * requests; identical requests also share one call while it runs. Default 500 ms; 0 asks Temporal and the database
   * every time. Changes made through this API clear the cycle's status.
   */
  readCacheMs?: number;
  /** How long a dashboard login lasts. Default 12 h. */
  sessionTtlMs?: number;
  /**
   * true/false: the session cookie always/never has the Secure attribute. Default: Secure when the request came over
   * https, which behind a TLS-terminating proxy means X-Forwarded-Proto: https from a proxy `trustProxy` trusts.
   */
  secureCookies?: boolean;
  /**
   * Peers whose X-Forwarded-For/-Proto/-Host are believed (fastify's trustProxy): the client IP the auth-failure
   * limit counts by, and whether a request came over https. Default false: the headers are ignored.
   */
  trustProxy?: TrustProxy;
  /** Failed credentials (wrong bearer or login token) a client IP may send per minute before getting 429. Default 10. */
  authFailuresPerMinute?: number;
}

const DEFAULT_TEMPORAL_TIMEOUT_MS = 10_000;
const DEFAULT_SESSION_TTL_MS = 12 * 3_600_000;
const DEFAULT_READ_CACHE_MS = 500;
const DEFAULT_AUTH_FAILURES_PER_MINUTE = 10;
const SESSION_SWEEP_MS = 60_000;
const STATE_CHANGING = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);
/** Requests carry at most a config patch or a pause reason. */
const BODY_LIMIT_BYTES = 64 * 1024;
// Fastify's request serializer does not log headers today; redaction keeps tokens out if a serializer ever does.
const REDACTED_PATHS = ['req.headers.authorization', 'request.headers.authorization', 'headers.authorization', 'req.headers.cookie', 'headers.cookie'];

function loggerOptions(logger: ApiDeps['logger']): FastifyServerOptions['logger'] {
  if (logger === undefined || logger === false) return false;
  const options = logger === true ? {} : logger;
  return {
    level: options.level ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...(options.stream && { stream: options.stream }),
  };
}

function sendError(reply: FastifyReply, error: ApiError): FastifyReply {
  if (error.code === 'UNAUTHORIZED') {
    reply.header('www-authenticate', error.message === 'invalid bearer token' ? 'Bearer realm="keel", error="invalid_token"' : 'Bearer realm="keel"');
  }
  const body: ErrorBody = { code: error.code, message: error.message };
  return reply.code(error.statusCode).send(body);
}

/**
 * The keel HTTP API, not listening: call `listen` (src/api/server.ts) or `inject` (tests). It owns neither the Temporal client nor the database: whoever
 * built them closes them after `app.close()`.
 */
export function buildApp(deps: ApiDeps): FastifyInstance {
  if (deps.client.options.namespace !== deps.namespace) {
    throw new Error(`buildApp: the client talks to namespace "${deps.client.options.namespace}" but namespace "${deps.namespace}" was given`);
  }
  const verify = createBearerVerifier(deps.apiTokens);
  const sessionTtlMs = deps.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
  const sessions = new SessionStore({ ttlMs: sessionTtlMs });
  const ctx = createApiContext({
    client: deps.client,
    namespace: deps.namespace,
    db: deps.db,
    temporalTimeoutMs: deps.temporalTimeoutMs ?? DEFAULT_TEMPORAL_TIMEOUT_MS,
    temporalUiUrl: deps.temporalUiUrl ?? 'http://localhost:8233',
    cycleDefaults: deps.cycleDefaults ?? {},
    readCacheMs: deps.readCacheMs ?? DEFAULT_READ_CACHE_MS,
  });

  const app = Fastify({
    logger: loggerOptions(deps.logger),
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: deps.trustProxy ?? false,
    genReqId: () => randomUUID(),
    // Errors raised before routing (e.g. a malformed URL) get the same body shape as all others.
    frameworkErrors: (error, request, reply) => {
      reply.header('x-request-id', request.id);
      sendError(reply, toApiError(error, request.id));
    },
  });

  /** Throws UNAUTHORIZED or FORBIDDEN unless the request's credentials let it through. */
  const authenticate = (request: FastifyRequest): void => {
    const authorization = request.headers.authorization;
    // A bearer token, when sent, is what counts. Without one, the dashboard's session cookie may stand in.
    if (authorization === undefined) {
      const sessionId = readCookie(request.headers.cookie, SESSION_COOKIE);
      if (sessionId !== undefined) {
        const session = sessions.get(sessionId);
        if (session === undefined) throw new ApiError('UNAUTHORIZED', 'the dashboard session has expired or is unknown: log in again at /');
        // Cookies ride along on any request the browser makes; a header of the session's own token cannot.
        if (STATE_CHANGING.has(request.method) && !csrfMatches(session, request.headers[CSRF_HEADER])) {
          throw new ApiError('FORBIDDEN', `a dashboard session must send its CSRF token in the ${CSRF_HEADER} header to change anything`);
        }
        return;
      }
    }
    verify(authorization);
  };
  const authFailures = registerAuthFailureLimit(app, { maxPerMinute: deps.authFailuresPerMinute ?? DEFAULT_AUTH_FAILURES_PER_MINUTE });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (request.routeOptions.config.auth === false) return;
    let refusal: unknown;
    try {
      authenticate(request);
    } catch (error) {
      refusal = error;
    }
    // Only a token that was sent and did not verify is a guess worth counting. A missing token is not, nor a stale
    // session cookie (every open dashboard has one after a restart; ids are 256 random bits, not guessable), nor a
    // missing CSRF header.
    const guess = refusal !== undefined && request.headers.authorization !== undefined;
    const retryAfterSeconds = guess ? await authFailures.countFailure(request) : await authFailures.lockedFor(request);
    if (retryAfterSeconds !== undefined) throw tooManyFailures(reply, retryAfterSeconds);
    if (refusal !== undefined) throw refusal;
  });
  const sweeper = setInterval(() => sessions.sweep(), SESSION_SWEEP_MS);
  sweeper.unref();
  const registry = new OperationRegistry();
  app.addHook('onClose', async () => {
    clearInterval(sweeper);
    sessions.clear();
    // Handlers still running (their clients may have hung up) finish before whoever owns the client closes it.
    await registry.idle();
    ctx.cache.clear();
  });

  // Bodies are JSON only (fastify also parses text/plain by default; that would turn a wrong media type into a
  // confusing "must be a JSON object"). The config patch follows JSON merge-patch semantics, so its type is accepted.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/merge-patch+json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));

  app.setErrorHandler((error, request, reply) => {
    const apiError = toApiError(error, request.id);
    if (apiError.code === 'INTERNAL') request.log.error({ err: error }, 'request failed');
    // A dependency being down is not a bug: its message is enough, the stack only repeats the client library.
    else if (apiError.code === 'UNAVAILABLE' && apiError !== error) request.log.warn({ cause: error instanceof Error ? error.message : String(error) }, apiError.message);
    else request.log.info({ code: apiError.code, reason: apiError.message }, 'request rejected');
    return sendError(reply, apiError);
  });

  // Unknown routes still pass the auth hook: without a token, callers cannot probe which paths exist.
  app.setNotFoundHandler(async (request) => {
    const path = request.url.split('?')[0] ?? '';
    throw new ApiError('NOT_FOUND', `no route ${request.method} ${path.length > 200 ? `${path.slice(0, 200)}…` : path}`);
  });

  registerHealthRoutes(app, registry);
  registerCycleRoutes(app, ctx, registry);
  registerCycleRecordRoutes(app, ctx, registry);
  registerFindingRoutes(app, ctx, registry);
  registerCandleRoutes(app, ctx, registry);
  registerBacktestRoutes(app, ctx, registry, { ...DEFAULT_BACKTEST_DEFAULTS, ...deps.backtestDefaults });
  registerOpenApiRoute(app, registry);
  registerDashboardRoutes(app, ctx, { sessions, sessionTtlMs, tokenMatches: createTokenMatcher(deps.apiTokens), secureCookies: deps.secureCookies, authFailures });
  return app;
}
