import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import type { Database } from '../db/client.js';
import { createBearerVerifier } from './auth.js';
import { createApiContext } from './context.js';
import { ApiError, toApiError, type ErrorBody } from './errors.js';
import { registerCycleRecordRoutes } from './routes/cycle-records.js';
import { registerCycleRoutes } from './routes/cycles.js';
import { registerHealthRoutes } from './routes/health.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false for the few routes anyone may call (GET /health); every other route needs the bearer token. */
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
}

const DEFAULT_TEMPORAL_TIMEOUT_MS = 10_000;
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
  const ctx = createApiContext({
    client: deps.client,
    namespace: deps.namespace,
    db: deps.db,
    temporalTimeoutMs: deps.temporalTimeoutMs ?? DEFAULT_TEMPORAL_TIMEOUT_MS,
  });

  const app = Fastify({
    logger: loggerOptions(deps.logger),
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: () => randomUUID(),
    // Errors raised before routing (e.g. a malformed URL) get the same body shape as all others.
    frameworkErrors: (error, request, reply) => {
      reply.header('x-request-id', request.id);
      sendError(reply, toApiError(error, request.id));
    },
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (request.routeOptions.config.auth === false) return;
    verify(request.headers.authorization);
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

  registerHealthRoutes(app);
  registerCycleRoutes(app, ctx);
  registerCycleRecordRoutes(app, ctx);
  return app;
}
