import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../../src/api/app.js';
import type { CycleHandle } from '../../../src/temporal/cycle-client.js';
import type { CycleStatus } from '../../../src/contracts/workflow-types.js';
import type { CycleConfig } from '../../../src/domain/cycle-config.js';
import { SimulatedMarket } from '../../../src/exchange/simulated-market.js';
import { createHarness, waitFor, type Harness } from '../../helpers/keel-harness.js';

const TOKEN = 'test-token';
const COINS = 6;

describe('keel HTTP API over a running cycle (real Temporal, real database)', () => {
  let harness: Harness;
  let app: FastifyInstance;
  let handle: CycleHandle;
  let base: string;
  const logLines: string[] = [];
  const extraHandles: CycleHandle[] = [];

  beforeAll(async () => {
    harness = await createHarness({ gateway: new SimulatedMarket({ seed: 7, coins: COINS }) });
    await harness.startWorkers();
    const started = await harness.startCycle({ universe: { symbols: null, maxCoins: COINS }, tickPacingMs: 300 });
    handle = started.handle;
    const [, exchange, name] = handle.workflowId.split('/');
    base = `/v1/cycles/${exchange}/${name}`;
    app = buildApp({
      client: harness.client,
      namespace: 'default',
      db: harness.database.db,
      apiTokens: [TOKEN],
      // Everything fastify logs, at the most verbose level, to check that no token ever shows up.
      logger: { level: 'trace', stream: { write: (line) => void logLines.push(line) } },
    });
  });

  afterAll(async () => {
    for (const h of [handle, ...extraHandles]) await h?.terminate('api test done').catch(() => undefined);
    await app?.close();
    await harness?.teardown();
  });

  function call(options: InjectOptions & { token?: string | null }): Promise<LightMyRequestResponse> {
    const { token = TOKEN, headers = {}, ...rest } = options;
    return app.inject({ ...rest, headers: { ...headers, ...(token !== null && { authorization: `Bearer ${token}` }) } });
  }

  async function status(): Promise<CycleStatus> {
    const res = await call({ method: 'GET', url: base });
    expect(res.statusCode).toBe(200);
    return res.json<CycleStatus>();
  }

  describe('security', () => {
    it('serves /health without a token', async () => {
      const res = await call({ method: 'GET', url: '/health', token: null });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'ok' });
    });

    it('rejects a missing, wrong, different-length or non-bearer token with 401 and WWW-Authenticate', async () => {
      const attempts: Array<Record<string, string>> = [
        {},
        { authorization: 'Bearer test-tokeX' },
        { authorization: 'Bearer a-much-longer-token-than-the-real-one' },
        { authorization: 'Bearer t' },
        { authorization: 'Bearer' },
        { authorization: `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}` },
        { authorization: TOKEN },
      ];
      for (const headers of attempts) {
        const res = await app.inject({ method: 'GET', url: base, headers });
        expect(res.statusCode, JSON.stringify(headers)).toBe(401);
        expect(res.json()).toMatchObject({ code: 'UNAUTHORIZED', message: expect.any(String) });
        expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
      }
    });

    it('checks the token before anything else: unknown routes and bad bodies answer 401 without one', async () => {
      expect((await call({ method: 'GET', url: '/nope', token: null })).statusCode).toBe(401);
      const res = await call({ method: 'PATCH', url: `${base}/config`, token: 'wrong-token', headers: { 'content-type': 'application/json' }, payload: '{"risk":' });
      expect(res.statusCode).toBe(401);
    });
  });

  describe('cycles in Temporal', () => {
    it('lists the running cycle once', async () => {
      const item = await waitFor('the cycle in the visibility list', async () => {
        const res = await call({ method: 'GET', url: '/v1/cycles' });
        expect(res.statusCode).toBe(200);
        const body = res.json<{ namespace: string; items: Array<{ workflowId: string; status: string; startTime: string }> }>();
        expect(body.namespace).toBe('default');
        const mine = body.items.filter((i) => i.workflowId === handle.workflowId);
        expect(mine.length).toBeLessThanOrEqual(1);
        return mine[0];
      });
      expect(item).toMatchObject({ workflowId: handle.workflowId, exchange: 'sim', status: 'RUNNING' });
      expect(Number.isNaN(Date.parse(item.startTime))).toBe(false);
    });

    it('reports the status of the cycle', async () => {
      const s = await waitFor('a completed tick', async () => {
        const current = await status();
        return current.tickNo >= 1 ? current : undefined;
      });
      expect(s.cycleId).toBe(handle.workflowId);
      expect(s.config.universe.maxCoins).toBe(COINS);
      expect(['waiting', 'ticking']).toContain(s.phase);
    });

    it('pauses and resumes the cycle', async () => {
      const paused = await call({ method: 'POST', url: `${base}/pause`, payload: { reason: 'api test' } });
      expect(paused.statusCode).toBe(202);
      expect(paused.json()).toEqual({ workflowId: handle.workflowId, signal: 'pause' });
      const atPause = await waitFor('phase paused', async () => {
        const s = await status();
        return s.phase === 'paused' ? s : undefined;
      });
      expect(atPause.paused).toBe(true);

      const resumed = await call({ method: 'POST', url: `${base}/resume` });
      expect(resumed.statusCode).toBe(202);
      expect(resumed.json()).toEqual({ workflowId: handle.workflowId, signal: 'resume' });
      const after = await waitFor('a tick after resuming', async () => {
        const s = await status();
        return s.tickNo > atPause.tickNo ? s : undefined;
      });
      expect(after.paused).toBe(false);
    });

    it('rejects pause bodies that are not {reason}', async () => {
      const res = await call({ method: 'POST', url: `${base}/pause`, payload: { reason: 42 } });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('"reason"') });
      const extra = await call({ method: 'POST', url: `${base}/pause`, payload: { why: 'x' } });
      expect(extra.statusCode).toBe(400);
      expect(extra.json<{ message: string }>().message).toBe('unknown body field "why"');
    });

    it('applies a config patch and returns the new config', async () => {
      const res = await call({ method: 'PATCH', url: `${base}/config`, payload: { risk: { maxOpenPositions: 7 }, signal: { buyThreshold: 0.1 } } });
      expect(res.statusCode).toBe(200);
      const config = res.json<CycleConfig>();
      expect(config.risk.maxOpenPositions).toBe(7);
      expect(config.signal.buyThreshold).toBe(0.1);
      expect((await status()).config.risk.maxOpenPositions).toBe(7);

      // The JSON merge-patch media type is accepted too.
      const merge = await call({ method: 'PATCH', url: `${base}/config`, headers: { 'content-type': 'application/merge-patch+json' }, payload: JSON.stringify({ risk: { cooldownTicks: 2 } }) });
      expect(merge.statusCode).toBe(200);
      expect(merge.json<CycleConfig>().risk).toMatchObject({ maxOpenPositions: 7, cooldownTicks: 2 });
    });

    it('answers 400 with the validator message for an invalid patch, and changes nothing', async () => {
      const weights = await call({ method: 'PATCH', url: `${base}/config`, payload: { signal: { weights: { rsi: 0.9 } } } });
      expect(weights.statusCode).toBe(400);
      expect(weights.json()).toEqual({
        code: 'BAD_REQUEST',
        message: expect.stringContaining('signal.weights must add up to 1 (rsi 0.9 + maCross 0.35 + macd 0.25 = 1.5)'),
      });
      const fixed = await call({ method: 'PATCH', url: `${base}/config`, payload: { exchange: 'binance' } });
      expect(fixed.statusCode).toBe(400);
      expect(fixed.json<{ message: string }>().message).toContain('cannot change exchange on a running cycle');
      expect((await status()).config.signal.weights).toEqual({ rsi: 0.4, maCross: 0.35, macd: 0.25 });

      for (const payload of ['[]', '{}', '"risk"', 'null']) {
        const res = await call({ method: 'PATCH', url: `${base}/config`, headers: { 'content-type': 'application/json' }, payload });
        expect(res.statusCode, payload).toBe(400);
        expect(res.json(), payload).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('body must be a JSON object') });
      }
    });

    it('answers 400 for malformed JSON and 415 for other media types, in the same error shape', async () => {
      const res = await call({ method: 'PATCH', url: `${base}/config`, headers: { 'content-type': 'application/json' }, payload: '{"risk": {' });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ code: 'BAD_REQUEST', message: expect.any(String) });
      const text = await call({ method: 'PATCH', url: `${base}/config`, headers: { 'content-type': 'text/plain' }, payload: 'risk.maxOpenPositions=3' });
      expect(text.statusCode).toBe(415);
      expect(text.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    });

    it('answers 404 for an unknown cycle and for unknown routes', async () => {
      for (const [method, url] of [
        ['GET', '/v1/cycles/sim/no-such-cycle'],
        ['POST', '/v1/cycles/sim/no-such-cycle/pause'],
        ['POST', '/v1/cycles/sim/no-such-cycle/resume'],
      ] as const) {
        const res = await call({ method, url });
        expect(res.statusCode, url).toBe(404);
        expect(res.json(), url).toEqual({ code: 'NOT_FOUND', message: expect.stringContaining('cycle/sim/no-such-cycle') });
      }
      const patch = await call({ method: 'PATCH', url: '/v1/cycles/sim/no-such-cycle/config', payload: { risk: { maxOpenPositions: 3 } } });
      expect(patch.statusCode).toBe(404);
      const route = await call({ method: 'GET', url: '/v2/everything?x=1' });
      expect(route.statusCode).toBe(404);
      expect(route.json()).toEqual({ code: 'NOT_FOUND', message: 'no route GET /v2/everything' });
      expect((await call({ method: 'DELETE', url: base })).statusCode).toBe(404);
    });

    it('answers 409 for a cycle that has finished', async () => {
      const { handle: short } = await harness.startCycle({ universe: { symbols: null, maxCoins: 2 }, maxTicks: 1 });
      extraHandles.push(short);
      await short.result();
      const [, exchange, name] = short.workflowId.split('/');
      const res = await call({ method: 'GET', url: `/v1/cycles/${exchange}/${name}` });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toEqual({ code: 'CONFLICT', message: expect.stringContaining('is not running (COMPLETED)') });
      expect((await call({ method: 'POST', url: `/v1/cycles/${exchange}/${name}/pause` })).statusCode).toBe(409);
    });

    it('validates path parameters, naming the bad one', async () => {
      const badName = await call({ method: 'GET', url: '/v1/cycles/sim/bad%20name!' });
      expect(badName.statusCode).toBe(400);
      expect(badName.json()).toEqual({ code: 'BAD_REQUEST', message: expect.stringContaining('path parameter "name"') });
      const badExchange = await call({ method: 'GET', url: '/v1/cycles/SIM/main/ticks' });
      expect(badExchange.statusCode).toBe(400);
      expect(badExchange.json<{ message: string }>().message).toContain('path parameter "exchange"');
      const longName = await call({ method: 'GET', url: `/v1/cycles/sim/${'x'.repeat(65)}` });
      expect(longName.statusCode).toBe(400);
    });
  });

  describe('records in the database', () => {
    it('lists ticks, newest first, honouring limit', async () => {
      const items = await waitFor('two recorded ticks', async () => {
        const res = await call({ method: 'GET', url: `${base}/ticks` });
        expect(res.statusCode).toBe(200);
        const body = res.json<{ cycleId: string; items: Array<{ tickNo: number; coins: number }> }>();
        expect(body.cycleId).toBe(handle.workflowId);
        return body.items.length >= 2 ? body.items : undefined;
      });
      expect(items[0]!.tickNo).toBeGreaterThan(items[1]!.tickNo);
      const one = await call({ method: 'GET', url: `${base}/ticks?limit=1` });
      expect(one.json<{ items: unknown[] }>().items).toHaveLength(1);
    });

    it('lists signals, optionally for one symbol', async () => {
      const res = await call({ method: 'GET', url: `${base}/signals?limit=1000` });
      expect(res.statusCode).toBe(200);
      const items = res.json<{ items: Array<{ symbol: string; score: number; action: string }> }>().items;
      expect(items.length).toBeGreaterThanOrEqual(COINS);
      const symbol = items[0]!.symbol;
      const filtered = await call({ method: 'GET', url: `${base}/signals?symbol=${encodeURIComponent(symbol)}&limit=3` });
      const only = filtered.json<{ items: Array<{ symbol: string }> }>().items;
      expect(only.length).toBeGreaterThan(0);
      expect(only.length).toBeLessThanOrEqual(3);
      expect(only.every((s) => s.symbol === symbol)).toBe(true);
    });

    it('lists orders and positions', async () => {
      // Lower the bar so the simulated market produces buys soon.
      await call({ method: 'PATCH', url: `${base}/config`, payload: { signal: { buyThreshold: 0.01 } } });
      const orders = await waitFor('a paper order', async () => {
        const res = await call({ method: 'GET', url: `${base}/orders` });
        expect(res.statusCode).toBe(200);
        const items = res.json<{ items: Array<{ symbol: string; side: string; cycleId: string }> }>().items;
        return items.length > 0 ? items : undefined;
      });
      expect(orders[0]!.cycleId).toBe(handle.workflowId);
      const symbol = orders[0]!.symbol;
      const bySymbol = await call({ method: 'GET', url: `${base}/orders?symbol=${encodeURIComponent(symbol)}&limit=5` });
      expect(bySymbol.json<{ items: Array<{ symbol: string }> }>().items.every((o) => o.symbol === symbol)).toBe(true);

      const positions = await waitFor('a recorded position', async () => {
        const res = await call({ method: 'GET', url: `${base}/positions` });
        expect(res.statusCode).toBe(200);
        const items = res.json<{ items: Array<{ symbol: string; quantity: string }> }>().items;
        return items.length > 0 ? items : undefined;
      });
      expect(Number(positions[0]!.quantity)).toBeGreaterThan(0);
    });

    it('answers 400 naming the parameter for a bad limit, symbol or unknown parameter', async () => {
      for (const query of ['limit=0', 'limit=1001', 'limit=abc', 'limit=', 'limit=1.5', 'limit=1&limit=2']) {
        const res = await call({ method: 'GET', url: `${base}/ticks?${query}` });
        expect(res.statusCode, query).toBe(400);
        expect(res.json(), query).toEqual({ code: 'BAD_REQUEST', message: expect.stringContaining('query parameter "limit" must be a whole number from 1 to 1000') });
      }
      const symbol = await call({ method: 'GET', url: `${base}/orders?symbol=btc-usdt` });
      expect(symbol.statusCode).toBe(400);
      expect(symbol.json<{ message: string }>().message).toContain('query parameter "symbol"');
      const unknown = await call({ method: 'GET', url: `${base}/positions?limit=5` });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json<{ message: string }>().message).toContain('unknown query parameter "limit"');
    });

    it('answers 503 UNAVAILABLE on record routes when the API has no database', async () => {
      const noDb = buildApp({ client: harness.client, namespace: 'default', apiTokens: [TOKEN] });
      try {
        const res = await noDb.inject({ method: 'GET', url: `${base}/ticks`, headers: { authorization: `Bearer ${TOKEN}` } });
        expect(res.statusCode).toBe(503);
        expect(res.json()).toEqual({ code: 'UNAVAILABLE', message: expect.stringContaining('DATABASE_URL') });
      } finally {
        await noDb.close();
      }
    });
  });

  it('never writes a token to the log', async () => {
    const secret = 'a-secret-that-must-not-leak-0123456789';
    await app.inject({ method: 'GET', url: base, headers: { authorization: `Bearer ${secret}` } });
    const log = logLines.join('');
    expect(log).toContain('incoming request');
    expect(log).toContain('request rejected');
    expect(log).not.toContain(TOKEN);
    expect(log).not.toContain(secret);
  });
});
