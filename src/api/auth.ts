import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiError } from './errors.js';

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * True when `presented` is one of the configured tokens. Tokens are compared as SHA-256 digests with
 * timingSafeEqual: equal-length buffers whatever was sent, so neither the token's length nor its contents leak
 * through response times; every configured token is checked, with no early exit.
 */
export function createTokenMatcher(tokens: readonly string[]): (presented: string) => boolean {
  if (tokens.length === 0) throw new Error('the API needs at least one bearer token (KEEL_API_TOKEN)');
  if (tokens.some((t) => t.length === 0 || /\s/.test(t))) throw new Error('API tokens must be non-empty and contain no whitespace');
  const expected = tokens.map(digest);
  return (presented) => {
    const candidate = digest(presented);
    let ok = false;
    for (const token of expected) ok = timingSafeEqual(candidate, token) || ok;
    return ok;
  };
}

/** Checks `Authorization: Bearer <token>` against the configured tokens (several are allowed, for rotation). */
export function createBearerVerifier(tokens: readonly string[]): (authorization: string | undefined) => void {
  const matches = createTokenMatcher(tokens);
  return (authorization) => {
    const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
    if (!match) {
      throw new ApiError('UNAUTHORIZED', authorization === undefined ? 'missing bearer token: send "Authorization: Bearer <token>"' : 'malformed Authorization header: expected "Bearer <token>"');
    }
    if (!matches(match[1]!)) throw new ApiError('UNAUTHORIZED', 'invalid bearer token');
  };
}
