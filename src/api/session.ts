import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** The dashboard's session cookie: a random id; the bearer token never leaves the login request. */
export const SESSION_COOKIE = 'keel_session';
/** State-changing requests authenticated by the session cookie must repeat the session's CSRF token here. */
export const CSRF_HEADER = 'x-csrf-token';

export interface Session {
  csrfToken: string;
  createdAtMs: number;
  expiresAtMs: number;
}

export interface SessionStoreOptions {
  /** A session ends this long after login, whatever its use. */
  ttlMs: number;
  /** Most sessions kept at once; the oldest is dropped beyond it. */
  maxSessions?: number;
  now?: () => number;
}

function digest(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64url');
}

function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Server-side dashboard sessions, in this process's memory (a restart or another replica means logging in again).
 * Ids are 256 random bits; the map is keyed by their SHA-256, so the stored keys are useless if dumped and lookups
 * do not compare secrets character by character.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly ttlMs: number;
  private readonly maxSessions: number;
  private readonly now: () => number;

  constructor(options: SessionStoreOptions) {
    this.ttlMs = options.ttlMs;
    this.maxSessions = options.maxSessions ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.sessions.size;
  }

  create(): { id: string; session: Session } {
    this.sweep();
    while (this.sessions.size >= this.maxSessions) {
      const oldest = this.sessions.keys().next();
      if (oldest.done) break;
      this.sessions.delete(oldest.value);
    }
    const id = randomToken();
    const createdAtMs = this.now();
    const session: Session = { csrfToken: randomToken(), createdAtMs, expiresAtMs: createdAtMs + this.ttlMs };
    this.sessions.set(digest(id), session);
    return { id, session };
  }

  /** The live session with this id, or undefined (unknown, malformed or expired: an expired one is removed). */
  get(id: string | undefined): Session | undefined {
    if (id === undefined || !/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    const key = digest(id);
    const session = this.sessions.get(key);
    if (session === undefined) return undefined;
    if (session.expiresAtMs <= this.now()) {
      this.sessions.delete(key);
      return undefined;
    }
    return session;
  }

  delete(id: string | undefined): void {
    if (id !== undefined) this.sessions.delete(digest(id));
  }

  /** Drops expired sessions. */
  sweep(): void {
    const now = this.now();
    for (const [key, session] of this.sessions) if (session.expiresAtMs <= now) this.sessions.delete(key);
  }

  clear(): void {
    this.sessions.clear();
  }
}

/** True when the presented CSRF token is the session's (constant time). */
export function csrfMatches(session: Session, presented: string | string[] | undefined): boolean {
  if (typeof presented !== 'string' || presented.length === 0) return false;
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(session.csrfToken, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** The value of one cookie in a Cookie header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** A Set-Cookie value for the session cookie; maxAgeSeconds 0 clears it. */
export function sessionCookie(value: string, options: { maxAgeSeconds: number; secure: boolean }): string {
  return [`${SESSION_COOKIE}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`, ...(options.secure ? ['Secure'] : [])].join('; ');
}
