import { isIP } from 'node:net';

/**
 * Which peers the API believes about X-Forwarded-For/-Proto/-Host (fastify's `trustProxy`): none (false), any (true),
 * or the listed addresses, CIDR ranges and proxy-addr's names for private ranges.
 */
export type TrustProxy = boolean | string[];

/** proxy-addr's names for whole private ranges (loopback: 127.0.0.1/8 and ::1/128, and so on). */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrRange(entry: string): boolean {
  if (RANGE_NAMES.has(entry)) return true;
  const slash = entry.indexOf('/');
  if (slash < 0) return isIP(entry) !== 0;
  const version = isIP(entry.slice(0, slash));
  const prefix = entry.slice(slash + 1);
  if (version === 0 || !/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (version === 4 ? 32 : 128);
}

/**
 * Parses KEEL_API_TRUST_PROXY. A hop count is refused on purpose: fastify 5 cannot check that the peer handing it the
 * headers is a proxy, so it ignores X-Forwarded-* under a hop count, which would silently leave cookies without Secure.
 */
export function parseTrustProxy(value: string): { ok: true; value: TrustProxy } | { ok: false; message: string } {
  const text = value.trim();
  if (text === 'false') return { ok: true, value: false };
  if (text === 'true') return { ok: true, value: true };
  const entries = text.split(',').map((e) => e.trim());
  const bad = entries.find((e) => !isAddressOrRange(e));
  if (bad === undefined) return { ok: true, value: entries };
  const hint = /^\d+$/.test(bad) ? ' (hop counts are not supported: list the proxy addresses instead)' : '';
  return {
    ok: false,
    message: `KEEL_API_TRUST_PROXY must be false, true, or a comma-separated list of proxy addresses, CIDR ranges or loopback/linklocal/uniquelocal (e.g. 127.0.0.1,10.0.0.0/8); "${bad}" is none of these${hint}`,
  };
}
