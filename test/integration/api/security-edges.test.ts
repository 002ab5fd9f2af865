import { spawnSync } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { buildApp, type ApiDeps } from '../../../src/api/app.js';

// The API's edges facing the network: the limit on failed credentials per client IP, X-Forwarded-* only from a
// trusted proxy, and the session cookie's Secure attribute. Requests go through fastify's inject with a chosen peer
// address (remoteAddress); a real Temporal client is connected but these routes never call it.

const TOKEN = 'edge-token-0123456789abcdef';
const WRONG = 'edge-token-0123456789abcdeX';
const LOGIN_FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('API security edges', () => {
  let connection: Connection;
  let client: Client;
  const apps: FastifyInstance[] = [];

  beforeAll(async () => {
    connection = await Connection.connect({ address: inject('temporalAddress') });
    client = new Client({ connection, namespace: 'default' });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await connection?.close();
  });

  function app(options: Partial<ApiDeps> = {}): FastifyInstance {
    const built = buildApp({ client, namespace: 'default', apiTokens: [TOKEN], ...options });
    apps.push(built);
    return built;
  }

  /** GET of an authenticated route that needs neither Temporal nor the database. */
  function getDocument(target: FastifyInstance, from: string, token: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return target.inject({ method: 'GET', url: '/v1/openapi.json', remoteAddress: from, headers: { ...headers, authorization: `Bearer ${token}` } });
  }

  function login(target: FastifyInstance, options: { from?: string; token?: string; form?: boolean; headers?: Record<string, string> } = {}): Promise<LightMyRequestResponse> {
    const { from = '127.0.0.1', token = TOKEN, form = false, headers = {} } = options;
    const request: InjectOptions = form
      ? { method: 'POST', url: '/login', remoteAddress: from, headers: { ...LOGIN_FORM, ...headers }, payload: `token=${encodeURIComponent(token)}` }
      : { method: 'POST', url: '/login', remoteAddress: from, headers, payload: { token } };
    return target.inject(request);
  }

  function expectTooMany(res: LightMyRequestResponse): void {
    expect(res.statusCode).toBe(429);
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(res.json()).toEqual({ code: 'TOO_MANY_REQUESTS', message: `too many failed credentials from this address: try again in ${retryAfter} s` });
  }

  describe('failed credentials per client IP', () => {
    it('answers the 11th wrong bearer token with 429 and Retry-After, then refuses that IP\'s right token too; other IPs are unaffected', async () => {
      const api = app();
      for (let i = 0; i < 10; i++) expect((await getDocument(api, '192.0.2.1', WRONG)).statusCode, `wrong token ${i + 1}`).toBe(401);
      expectTooMany(await getDocument(api, '192.0.2.1', WRONG));
      // Right or wrong, the answer is the same while over the limit: it tells nothing about the guess.
      expectTooMany(await getDocument(api, '192.0.2.1', TOKEN));
      expect((await getDocument(api, '192.0.2.2', TOKEN)).statusCode).toBe(200);
      expect((await getDocument(api, '192.0.2.2', WRONG)).statusCode).toBe(401);
    });

    it('counts neither successes nor requests without credentials', async () => {
      const api = app({ authFailuresPerMinute: 2 });
      for (let i = 0; i < 5; i++) expect((await getDocument(api, '192.0.2.3', TOKEN)).statusCode).toBe(200);
      for (let i = 0; i < 5; i++) expect((await api.inject({ method: 'GET', url: '/v1/cycles', remoteAddress: '192.0.2.3' })).statusCode).toBe(401);
      expect((await getDocument(api, '192.0.2.3', WRONG)).statusCode).toBe(401);
      expect((await getDocument(api, '192.0.2.3', WRONG)).statusCode).toBe(401);
      expectTooMany(await getDocument(api, '192.0.2.3', WRONG));
    });

    it('lets no burst of concurrent wrong tokens past the limit', async () => {
      const api = app({ authFailuresPerMinute: 5 });
      const answers = await Promise.all(Array.from({ length: 20 }, () => getDocument(api, '192.0.2.4', WRONG)));
      const statuses = answers.map((r) => r.statusCode);
      // The plugin's store hands back its live counter, so requests in one burst may all see the burst's total: at
      // most the limit's worth are answered 401, the rest 429.
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(15);
      expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    });

    it('limits wrong dashboard logins (JSON and form) the same way, until the window passes', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      const api = app({ authFailuresPerMinute: 3 });
      for (let i = 0; i < 3; i++) expect((await login(api, { from: '192.0.2.5', token: `wrong-${i}` })).statusCode).toBe(401);
      const json = await login(api, { from: '192.0.2.5', token: 'wrong-again' });
      expectTooMany(json);
      expect(json.headers['set-cookie']).toBeUndefined();
      const form = await login(api, { from: '192.0.2.5', form: true });
      expect(form.statusCode).toBe(429);
      expect(Number(form.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(form.headers['content-type']).toContain('text/html');
      expect(form.body).toContain('Too many failed logins from this address');
      expect(form.headers['set-cookie']).toBeUndefined();
      // The same count covers the bearer token: the login failures locked the API out for this IP too.
      expectTooMany(await getDocument(api, '192.0.2.5', TOKEN));
      expect((await login(api, { from: '192.0.2.6' })).statusCode).toBe(204);

      vi.setSystemTime(Date.now() + 61_000);
      expect((await login(api, { from: '192.0.2.5', form: true })).statusCode).toBe(303);
      expect((await getDocument(api, '192.0.2.5', TOKEN)).statusCode).toBe(200);
    });

    it('ignores a client-sent X-Forwarded-For without trustProxy, and counts per forwarded client behind a trusted proxy', async () => {
      const direct = app({ authFailuresPerMinute: 2 });
      for (let i = 0; i < 2; i++) expect((await getDocument(direct, '192.0.2.7', WRONG, { 'x-forwarded-for': `198.51.100.${i}` })).statusCode).toBe(401);
      expectTooMany(await getDocument(direct, '192.0.2.7', WRONG, { 'x-forwarded-for': '198.51.100.99' }));

      const proxied = app({ authFailuresPerMinute: 2, trustProxy: ['10.0.0.0/8'] });
      const viaProxy = (client: string, token: string) => getDocument(proxied, '10.1.2.3', token, { 'x-forwarded-for': client });
      expect((await viaProxy('198.51.100.1', WRONG)).statusCode).toBe(401);
      expect((await viaProxy('198.51.100.1', WRONG)).statusCode).toBe(401);
      expectTooMany(await viaProxy('198.51.100.1', WRONG));
      expect((await viaProxy('198.51.100.2', TOKEN)).statusCode).toBe(200);
    });
  });

  describe('the session cookie\'s Secure attribute', () => {
    const https = { 'x-forwarded-proto': 'https' };
    const setCookie = (res: LightMyRequestResponse) => {
      expect(res.statusCode).toBe(204);
      return String(res.headers['set-cookie']);
    };

    it('is Secure when a trusted proxy says the request came over https, and only then', async () => {
      const proxied = app({ trustProxy: ['127.0.0.1'] });
      expect(setCookie(await login(proxied, { headers: https }))).toMatch(/; Secure$/);
      expect(setCookie(await login(proxied))).not.toContain('Secure');
      expect(setCookie(await login(proxied, { from: '192.0.2.8', headers: https }))).not.toContain('Secure');
      expect(setCookie(await login(app({ trustProxy: true }), { from: '192.0.2.8', headers: https }))).toMatch(/; Secure$/);
    });

    it('ignores X-Forwarded-Proto without trustProxy', async () => {
      expect(setCookie(await login(app(), { headers: https }))).not.toContain('Secure');
      expect(setCookie(await login(app({ trustProxy: false }), { headers: https }))).not.toContain('Secure');
    });

    it('is always or never Secure when told so', async () => {
      expect(setCookie(await login(app({ secureCookies: true })))).toMatch(/; Secure$/);
      expect(setCookie(await login(app({ secureCookies: false, trustProxy: true }), { headers: https }))).not.toContain('Secure');
    });
  });

  it('refuses to start the API with an invalid trust-proxy, secure-cookie or auth-failure setting, naming each', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/api/server.ts'], {
      env: { PATH: process.env.PATH, KEEL_API_TOKEN: TOKEN, KEEL_API_TRUST_PROXY: '1', KEEL_API_SECURE_COOKIE: 'yes', KEEL_API_AUTH_FAILURES_PER_MINUTE: '0' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status, result.stderr).toBe(1);
    expect(result.stderr).toContain('KEEL_API_TRUST_PROXY: KEEL_API_TRUST_PROXY must be false, true, or a comma-separated list');
    expect(result.stderr).toContain('hop counts are not supported');
    expect(result.stderr).toContain('KEEL_API_SECURE_COOKIE: KEEL_API_SECURE_COOKIE must be "auto", "always" or "never"');
    expect(result.stderr).toContain('KEEL_API_AUTH_FAILURES_PER_MINUTE: KEEL_API_AUTH_FAILURES_PER_MINUTE must be positive');
  });
});
