import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { ApiErrorCode } from './errors.js';
import { noQuerySchema, parseInput } from './validation.js';

/**
 * One API operation, declared once: the route registered with fastify validates its input with exactly these zod
 * schemas, and the OpenAPI document (src/api/openapi.ts) is generated from the same declarations.
 */
export interface Operation<P extends z.ZodType | undefined = z.ZodType | undefined, Q extends z.ZodType | undefined = z.ZodType | undefined, B extends z.ZodType | undefined = z.ZodType | undefined> {
  method: 'GET' | 'POST' | 'PATCH';
  /** fastify syntax: `/v1/cycles/:exchange/:name`. */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  /** false for the routes anyone may call; default true (bearer token or dashboard session). */
  auth?: boolean;
  /** Path parameters: an object schema whose keys are the `:names` in `path`. */
  params?: P;
  /** Query parameters: an object schema. Absent: any query parameter is rejected (unless `ignoreQuery`). */
  query?: Q;
  /** The query string is not looked at (GET /health: probes may add anything). */
  ignoreQuery?: boolean;
  /** JSON body. */
  body?: B;
  /** A request without a body is parsed as `{}` (e.g. pause with no reason). */
  bodyOptional?: boolean;
  /** Media types accepted besides application/json. */
  extraBodyMediaTypes?: string[];
  /** Successful responses by status code. */
  responses: Record<number, { description: string; schema: z.ZodType }>;
  /**
   * Error codes this operation can answer besides those every operation of its kind can (401, 403 and 429 with
   * auth, 400 with input, 413/415 with a body, 500 always).
   */
  errors: readonly ApiErrorCode[];
}

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface OperationInput<P, Q, B> {
  params: Parsed<P>;
  query: Parsed<Q>;
  body: Parsed<B>;
}

export type OperationHandler<P, Q, B> = (input: OperationInput<P, Q, B>, request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** The operations registered so far, in registration order; the OpenAPI document lists exactly these. */
export class OperationRegistry {
  readonly operations: Operation[] = [];
  private readonly running = new Set<Promise<unknown>>();

  /** Keeps count of a handler's work until it settles, even when its caller has gone away. */
  track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    const forget = () => void this.running.delete(work);
    work.then(forget, forget);
    return work;
  }

  /**
   * Resolves when every handler has finished: on shutdown, the Temporal connection must outlive them (a request
   * whose client hung up keeps retrying until its deadline, and a retry on a closed connection throws).
   */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}

const STATE_CHANGING = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

/** Every error code the operation can answer with: its own plus those implied by its shape. */
export function errorCodesOf(op: Operation): ApiErrorCode[] {
  const codes = new Set<ApiErrorCode>(op.errors);
  if (op.auth !== false) codes.add('UNAUTHORIZED');
  if (op.auth !== false) codes.add('TOO_MANY_REQUESTS');
  if (op.auth !== false && STATE_CHANGING.has(op.method)) codes.add('FORBIDDEN');
  if (op.params !== undefined || op.body !== undefined || !op.ignoreQuery) codes.add('BAD_REQUEST');
  if (op.body !== undefined) {
    codes.add('PAYLOAD_TOO_LARGE');
    codes.add('UNSUPPORTED_MEDIA_TYPE');
  }
  codes.add('INTERNAL');
  return [...codes];
}

/** Registers the route with fastify and records the operation for the OpenAPI document. */
export function addOperation<P extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  app: FastifyInstance,
  registry: OperationRegistry,
  op: Operation<P, Q, B>,
  handler: OperationHandler<P, Q, B>,
): void {
  registry.operations.push(op as Operation);
  app.route({
    method: op.method,
    url: op.path,
    config: { auth: op.auth !== false },
    handler: async (request, reply) => {
      // Path, then query, then body: the first bad part is the one reported.
      const params = op.params === undefined ? undefined : parseInput(op.params, request.params, 'path parameter');
      const query = op.ignoreQuery ? undefined : parseInput(op.query ?? noQuerySchema, request.query, 'query parameter');
      const body = op.body === undefined ? undefined : parseInput(op.body, request.body ?? (op.bodyOptional ? {} : undefined), 'body');
      return registry.track(handler({ params, query, body } as OperationInput<P, Q, B>, request, reply));
    },
  });
}
