import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { tooManyFailures, type AuthFailureLimit } from '../auth-failures.js';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { CSRF_HEADER, SESSION_COOKIE, csrfMatches, readCookie, sessionCookie, type Session, type SessionStore } from '../session.js';

/**
 * The dashboard: static HTML and JS from src/api/dashboard/ (no build step) behind a login. The login form posts
 * the API token once; the answer is a session cookie (HttpOnly, SameSite=Strict, Secure over https) holding a random
 * session id, never the token. The page then calls the same /v1 routes with that cookie; the ones that change state
 * also send the session's CSRF token, which the page gets from GET /dashboard/session.
 */
export interface DashboardOptions {
  sessions: SessionStore;
  sessionTtlMs: number;
  /** Checks a presented API token (constant time). */
  tokenMatches(token: string): boolean;
  /** Forces the cookie's Secure attribute; default: Secure when the request came over https. */
  secureCookies: boolean | undefined;
  /** Wrong login tokens count against the client IP like wrong bearer tokens; over the limit, logins get 429. */
  authFailures: AuthFailureLimit;
}

const ASSETS: Record<string, string> = {
  'dashboard.js': 'text/javascript; charset=utf-8',
  'backtests.js': 'text/javascript; charset=utf-8',
  'chart.js': 'text/javascript; charset=utf-8',
  'money.js': 'text/javascript; charset=utf-8',
  'page.js': 'text/javascript; charset=utf-8',
  'risk-panel.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
};
const PAGES = ['login.html', 'dashboard.html', 'backtests.html'] as const;
const DASHBOARD_DIR = fileURLToPath(new URL('../dashboard/', import.meta.url));
const LOGIN_BODY_LIMIT_BYTES = 4096;

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // Not no-referrer: with it, Chromium sends "Origin: null" on the login form's POST.
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

let files: Map<string, string> | undefined;
function file(name: string): string {
  files ??= new Map([...PAGES, ...Object.keys(ASSETS)].map((n) => [n, readFileSync(`${DASHBOARD_DIR}${n}`, 'utf8')]));
  const text = files.get(name);
  if (text === undefined) throw new Error(`dashboard file ${name} is not bundled`);
  return text;
}

function sendPage(reply: FastifyReply, html: string, status = 200): FastifyReply {
  return reply.code(status).headers(SECURITY_HEADERS).type('text/html; charset=utf-8').send(html);
}

function loginPage(error?: string): string {
  const page = file('login.html');
  if (error === undefined) return page;
  // The message is one of ours (never caller input), so it needs no escaping beyond what it has.
  return page.replace('<!--error-->', `<p class="error" role="alert">${error}</p>`);
}

/**
 * The request comes from this server's own page, or from no page at all (curl). Browsers say where a request comes
 * from in Sec-Fetch-Site; older ones only in Origin.
 */
function sameOrigin(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin' || site === 'none';
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

export function registerDashboardRoutes(app: FastifyInstance, ctx: ApiContext, options: DashboardOptions): void {
  const { sessions, sessionTtlMs, tokenMatches, authFailures } = options;
  const secure = (request: FastifyRequest) => options.secureCookies ?? request.protocol === 'https';
  const sessionOf = (request: FastifyRequest): { id: string; session: Session } | undefined => {
    const id = readCookie(request.headers.cookie, SESSION_COOKIE);
    const session = sessions.get(id);
    return id !== undefined && session !== undefined ? { id, session } : undefined;
  };
  const publicRoute = { config: { auth: false } };

  app.get('/', publicRoute, async (request, reply) => {
    if (sessionOf(request)) return reply.redirect('/dashboard', 303);
    return sendPage(reply, loginPage());
  });

  app.get('/dashboard', publicRoute, async (request, reply) => {
    if (!sessionOf(request)) return reply.redirect('/', 303);
    return sendPage(reply, file('dashboard.html'));
  });

  app.get('/dashboard/backtests', publicRoute, async (request, reply) => {
    if (!sessionOf(request)) return reply.redirect('/', 303);
    return sendPage(reply, file('backtests.html'));
  });

  app.get<{ Params: { file: string } }>('/dashboard/assets/:file', publicRoute, async (request, reply) => {
    const type = Object.hasOwn(ASSETS, request.params.file) ? ASSETS[request.params.file] : undefined;
    if (type === undefined) throw new ApiError('NOT_FOUND', 'no such dashboard file');
    return reply.headers(SECURITY_HEADERS).type(type).send(file(request.params.file));
  });

  /** What the page needs besides the API: its CSRF token and where the Temporal Web UI is. */
  app.get('/dashboard/session', publicRoute, async (request, reply) => {
    const current = sessionOf(request);
    if (!current) throw new ApiError('UNAUTHORIZED', 'no dashboard session: log in at /');
    reply.headers({ 'cache-control': 'no-store' });
    return {
      csrfToken: current.session.csrfToken,
      csrfHeader: CSRF_HEADER,
      expiresAtMs: current.session.expiresAtMs,
      namespace: ctx.namespace,
      temporalUiUrl: ctx.temporalUiUrl,
      // One formula for Web UI links (webUiWorkflowUrl); the page substitutes the encoded workflow id.
      workflowUrlTemplate: ctx.workflowUrl('WORKFLOW_ID'),
    };
  });

  // The login form posts application/x-www-form-urlencoded; that parser exists in this scope only, so /v1 routes
  // keep answering 415 to anything but JSON.
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: LOGIN_BODY_LIMIT_BYTES }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });

    scope.post('/login', { ...publicRoute, bodyLimit: LOGIN_BODY_LIMIT_BYTES }, async (request, reply) => {
      const form = (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
      if (!sameOrigin(request)) {
        if (form) return sendPage(reply, loginPage('Log in from this server&#39;s own page.'), 403);
        throw new ApiError('FORBIDDEN', 'cross-site login refused');
      }
      const body = request.body as Record<string, unknown> | null | undefined;
      const token = typeof body === 'object' && body !== null && typeof body.token === 'string' ? body.token.trim() : '';
      // The token is never echoed, logged or stored: only the session id goes back.
      const valid = token !== '' && tokenMatches(token);
      // Over the limit, right and wrong tokens alike get 429, so the answer says nothing about the guess.
      const retryAfterSeconds = valid ? await authFailures.lockedFor(request) : await authFailures.countFailure(request);
      if (retryAfterSeconds !== undefined) {
        request.log.info({ retryAfterSeconds }, 'dashboard login refused: too many failed logins from this address');
        const refusal = tooManyFailures(reply, retryAfterSeconds);
        if (form) return sendPage(reply, loginPage(`Too many failed logins from this address: try again in ${retryAfterSeconds} seconds.`), 429);
        throw refusal;
      }
      if (!valid) {
        request.log.info('dashboard login refused');
        if (form) return sendPage(reply, loginPage('That token is not valid.'), 401);
        throw new ApiError('UNAUTHORIZED', 'invalid token');
      }
      const previous = readCookie(request.headers.cookie, SESSION_COOKIE);
      sessions.delete(previous);
      const { id } = sessions.create();
      reply.header('set-cookie', sessionCookie(id, { maxAgeSeconds: sessionTtlMs / 1000, secure: secure(request) }));
      request.log.info('dashboard login');
      if (form) return reply.redirect('/dashboard', 303);
      return reply.code(204).send();
    });
  });

  app.post('/logout', publicRoute, async (request, reply) => {
    const current = sessionOf(request);
    if (current) {
      if (!csrfMatches(current.session, request.headers[CSRF_HEADER])) throw new ApiError('FORBIDDEN', `logging out needs the session's ${CSRF_HEADER} header`);
      sessions.delete(current.id);
    }
    reply.header('set-cookie', sessionCookie('', { maxAgeSeconds: 0, secure: secure(request) }));
    return reply.code(204).send();
  });
}
