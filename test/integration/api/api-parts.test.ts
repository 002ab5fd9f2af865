import { describe, expect, it } from 'vitest';
import { createTokenMatcher } from '../../../src/api/auth.js';
import { ReadCache } from '../../../src/api/read-cache.js';
import { SessionStore, csrfMatches, readCookie, sessionCookie } from '../../../src/api/session.js';

// The API's small parts, without Temporal or a database.

describe('ReadCache', () => {
  it('shares one call among concurrent reads and serves its answer for the time to live', async () => {
    let now = 0;
    let calls = 0;
    const cache = new ReadCache(500, 10, () => now);
    const load = async () => {
      calls += 1;
      await new Promise((r) => setTimeout(r, 10));
      return calls;
    };
    expect(await Promise.all([cache.get('a', load), cache.get('a', load), cache.get('a', load)])).toEqual([1, 1, 1]);
    now = 499;
    expect(await cache.get('a', load)).toBe(1);
    now = 500;
    expect(await cache.get('a', load)).toBe(2);
    cache.delete('a');
    expect(await cache.get('a', load)).toBe(3);
    expect(await cache.get('b', load)).toBe(4);
  });

  it('keeps no failures, and asks every time with a time to live of 0', async () => {
    const cache = new ReadCache(500);
    let attempt = 0;
    const flaky = async () => {
      attempt += 1;
      if (attempt === 1) throw new Error('down');
      return attempt;
    };
    await expect(cache.get('k', flaky)).rejects.toThrow('down');
    expect(await cache.get('k', flaky)).toBe(2);
    const off = new ReadCache(0);
    let n = 0;
    const count = async () => ++n;
    await off.get('k', count);
    expect(await off.get('k', count)).toBe(2);
  });

  it('holds at most maxEntries answers', async () => {
    const cache = new ReadCache(10_000, 2);
    let n = 0;
    const count = async () => ++n;
    await cache.get('a', count);
    await cache.get('b', count);
    await cache.get('c', count);
    expect(await cache.get('a', count)).toBe(4);
  });
});

describe('dashboard sessions', () => {
  it('creates random 256-bit ids that expire, and forgets deleted ones', () => {
    let now = 1_000;
    const store = new SessionStore({ ttlMs: 100, now: () => now });
    const a = store.create();
    const b = store.create();
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.id).not.toBe(b.id);
    expect(a.session.csrfToken).not.toBe(b.session.csrfToken);
    expect(store.get(a.id)).toBe(a.session);
    expect(store.get(undefined)).toBeUndefined();
    expect(store.get('short')).toBeUndefined();
    expect(store.get(`${a.id.slice(0, -1)}${a.id.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined();
    store.delete(b.id);
    expect(store.get(b.id)).toBeUndefined();
    now = 1_100;
    expect(store.get(a.id)).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('drops the oldest session beyond the limit', () => {
    const store = new SessionStore({ ttlMs: 60_000, maxSessions: 2 });
    const first = store.create();
    store.create();
    store.create();
    expect(store.size).toBe(2);
    expect(store.get(first.id)).toBeUndefined();
  });

  it('checks CSRF tokens and reads cookies', () => {
    const { session } = new SessionStore({ ttlMs: 1000 }).create();
    expect(csrfMatches(session, session.csrfToken)).toBe(true);
    for (const bad of [undefined, '', 'x', [session.csrfToken], `${session.csrfToken} `]) expect(csrfMatches(session, bad)).toBe(false);
    expect(readCookie('a=1; keel_session=abc; b=2', 'keel_session')).toBe('abc');
    expect(readCookie('xkeel_session=abc', 'keel_session')).toBeUndefined();
    expect(readCookie(undefined, 'keel_session')).toBeUndefined();
    expect(sessionCookie('v', { maxAgeSeconds: 60, secure: true })).toBe('keel_session=v; Path=/; HttpOnly; SameSite=Strict; Max-Age=60; Secure');
  });
});

describe('token matching', () => {
  it('accepts any configured token and nothing else', () => {
    const matches = createTokenMatcher(['first-token', 'second-token']);
    expect(matches('first-token')).toBe(true);
    expect(matches('second-token')).toBe(true);
    for (const bad of ['', 'first-toke', 'first-token ', 'FIRST-TOKEN', 'third-token']) expect(matches(bad)).toBe(false);
    expect(() => createTokenMatcher([])).toThrow('at least one bearer token');
  });
});
