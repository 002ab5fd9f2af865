import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';

const WINDOW_MS = 60_000;

/**
 * Failed credentials per client IP (fastify's request.ip: the socket's address, or the X-Forwarded-For client when
 * that proxy is trusted), over a fixed one-minute window.
 *
 * The plugin's route limits count every request, successes included, so they are not used (global: false). Its manual
 * limiter counts only when asked and can peek without counting: a failure is counted, and the count that comes back
 * decides 401 or 429 (never lower than the count this failure made, so concurrent guesses cannot slip past the
 * limit); any other request only peeks. While an IP is over the limit, right and wrong credentials alike get 429, so
 * the answer says nothing about the guess.
 */
export interface AuthFailureLimit {
  /** Counts one failed credential; the seconds until the client may try again when that was one too many. */
  countFailure(request: FastifyRequest): Promise<number | undefined>;
  /** The seconds until the client may try again while it is over the limit; counts nothing. */
  lockedFor(request: FastifyRequest): Promise<number | undefined>;
}

export function registerAuthFailureLimit(app: FastifyInstance, options: { maxPerMinute: number }): AuthFailureLimit {
  void app.register(rateLimit, { global: false, max: options.maxPerMinute, timeWindow: WINDOW_MS });
  // The plugin's decorator exists once the registration above has loaded, before any request is served.
  let limiter: ReturnType<FastifyInstance['createRateLimit']> | undefined;
  const check = async (request: FastifyRequest, increment: boolean): Promise<number | undefined> => {
    limiter ??= app.createRateLimit();
    const result = await limiter(request, { increment });
    if (result.isAllowed || !result.isExceeded) return undefined;
    return Math.max(1, result.ttlInSeconds);
  };
  return {
    countFailure: (request) => check(request, true),
    lockedFor: (request) => check(request, false),
  };
}

/** The 429 answer: Retry-After on the reply, and the error for the API's usual {code, message} body. */
export function tooManyFailures(reply: FastifyReply, retryAfterSeconds: number): ApiError {
  reply.header('retry-after', String(retryAfterSeconds));
  return new ApiError('TOO_MANY_REQUESTS', `too many failed credentials from this address: try again in ${retryAfterSeconds} s`);
}
