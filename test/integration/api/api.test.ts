import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../../src/api/app.js';
import type { CycleHandle } from '../../../src/temporal/cycle-client.js';
import type { CycleStatus } from '../../../src/contracts/workflow-types.js';
import type { CycleConfig } from '../../../src/domain/cycle-config.js';
import { SimulatedMarket } from '../../../src/exchange/simulated-market.js';
import { recordAnalysis, type AnalysisRecord } from '../../../src/db/queries/ai-analyses.js';
import { recordReconciliation, type StoredFinding } from '../../../src/db/queries/reconciliation.js';
import { createHarness, waitFor, type Harness } from '../../helpers/keel-harness.js';
import { createSchemaValidator, fetchOpenApi, responseSchema, type OpenApiDocument } from './openapi-helpers.js';

const TOKEN = 'test-token';
const COINS = 6;
const UI = 'http://temporal-ui.test:8233';

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
      temporalUiUrl: UI,
      // Cycles started through POST /v1/cycles run on this file's workers.
      cycleDefaults: { taskQueuePrefix: harness.prefix },
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

  describe('starting cycles (POST /v1/cycles)', () => {
    it('starts a cycle (201), attaches to it on a second call (200), and the cycle runs on the API\'s queues', async () => {
      const name = `apistart${Date.now().toString(36)}`;
      const workflowId = `cycle/sim/${name}`;
      const body = { exchange: 'sim', name, config: { universe: { maxCoins: 2 }, maxTicks: 2, tickPacingMs: 0 } };
      const first = await call({ method: 'POST', url: '/v1/cycles', payload: body });
      expect(first.statusCode).toBe(201);
      expect(first.json()).toEqual({ workflowId, started: true, webUiUrl: `${UI}/namespaces/default/workflows/${encodeURIComponent(workflowId)}` });
      const started = harness.client.workflow.getHandle(workflowId) as CycleHandle;
      extraHandles.push(started);

      const again = await call({ method: 'POST', url: '/v1/cycles', payload: { exchange: 'sim', name } });
      expect(again.statusCode).toBe(200);
      expect(again.json()).toMatchObject({ workflowId, started: false });

      // It ticks on this file's workers (the API's cycleDefaults), with the requested settings.
      await started.result();
      const ticks = await call({ method: 'GET', url: `/v1/cycles/sim/${name}/ticks` });
      expect(ticks.json<{ items: Array<{ coins: number }> }>().items).toEqual([expect.objectContaining({ coins: 2 }), expect.objectContaining({ coins: 2 })]);
    });

    it('answers 400 with every validator message for bad settings, and starts nothing', async () => {
      const name = `apibad${Date.now().toString(36)}`;
      const res = await call({ method: 'POST', url: '/v1/cycles', payload: { exchange: 'sim', name, config: { signal: { weights: { rsi: 0.9 } }, risk: { maxOpenPositions: 0 } } } });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({
        code: 'BAD_REQUEST',
        message: 'invalid cycle config: signal.weights must add up to 1 (rsi 0.9 + maCross 0.35 + macd 0.25 = 1.5); risk.maxOpenPositions must be an integer from 1 to 2000 (got 0)',
      });
      expect((await call({ method: 'GET', url: `/v1/cycles/sim/${name}` })).statusCode).toBe(404);
    });

    it('answers 400 naming the field for a malformed body', async () => {
      const cases: Array<[unknown, string]> = [
        [{ exchange: 'binance', name: 'x' }, 'body field "exchange" must be "sim"'],
        [{ exchange: 'sim' }, 'body field "name" must be 1-64 letters'],
        [{ exchange: 'sim', name: 'x', colour: 'red' }, 'unknown body field "colour"'],
        [{ exchange: 'sim', name: 'x', config: { signal: { rsiPeriod: '14' } } }, 'body field "config.signal.rsiPeriod" must be a number (got "14")'],
        [{ exchange: 'sim', name: 'x', config: { exchange: 'sim' } }, 'unknown body field "exchange"'],
        [[], 'body must be a JSON object'],
      ];
      for (const [payload, message] of cases) {
        const res = await call({ method: 'POST', url: '/v1/cycles', payload: JSON.stringify(payload), headers: { 'content-type': 'application/json' } });
        expect(res.statusCode, JSON.stringify(payload)).toBe(400);
        expect(res.json(), JSON.stringify(payload)).toEqual({ code: 'BAD_REQUEST', message: expect.stringContaining(message) });
      }
      const empty = await call({ method: 'POST', url: '/v1/cycles', headers: { 'content-type': 'application/json' } });
      expect(empty.statusCode).toBe(400);
      expect(empty.json()).toMatchObject({ code: 'BAD_REQUEST' });
    });
  });

  describe('AI analyses and candles', () => {
    function analysis(overrides: Partial<AnalysisRecord>): AnalysisRecord {
      return {
        cycleId: handle.workflowId,
        tickTs: Date.UTC(2024, 0, 10, 5),
        symbol: 'BTC/USDT',
        status: 'ok',
        model: 'claude-haiku-4-5',
        promptVersion: 'v1',
        promptHash: 'abc123',
        inputTokens: 900,
        outputTokens: 120,
        costUsd: 0.0015,
        latencyMs: 850,
        signalAction: 'buy',
        signalScore: 0.31,
        action: 'buy',
        confidence: 0.8,
        rationale: 'momentum with volume',
        riskFlags: [],
        rawOutput: null,
        errorCode: null,
        errorMessage: null,
        attempt: 1,
        analyzedAtMs: Date.UTC(2024, 0, 10, 5, 0, 3),
        ...overrides,
      };
    }

    it('lists the cycle\'s analyses newest first, optionally for one coin', async () => {
      await recordAnalysis(harness.database.db, analysis({}));
      await recordAnalysis(harness.database.db, analysis({ symbol: 'ETH/USDT', action: 'hold', confidence: 0.4, analyzedAtMs: Date.UTC(2024, 0, 10, 5, 0, 9) }));
      await recordAnalysis(harness.database.db, analysis({ cycleId: 'cycle/sim/someone-else', symbol: 'ETH/USDT' }));

      const all = await call({ method: 'GET', url: `${base}/analyses` });
      expect(all.statusCode).toBe(200);
      const items = all.json<{ cycleId: string; items: AnalysisRecord[] }>();
      expect(items.cycleId).toBe(handle.workflowId);
      expect(items.items.map((a) => a.symbol)).toEqual(['ETH/USDT', 'BTC/USDT']);
      expect(items.items[1]).toEqual(analysis({}));

      const eth = await call({ method: 'GET', url: `${base}/analyses?symbol=ETH%2FUSDT&limit=5` });
      expect(eth.json<{ items: AnalysisRecord[] }>().items).toEqual([expect.objectContaining({ symbol: 'ETH/USDT', cycleId: handle.workflowId, action: 'hold' })]);
      const bad = await call({ method: 'GET', url: `${base}/analyses?symbol=eth` });
      expect(bad.statusCode).toBe(400);
      expect(bad.json<{ message: string }>().message).toContain('query parameter "symbol"');
    });

    it('lists reconciliation findings, all or only the open ones (whose coins are in doubt)', async () => {
      const db = harness.database.db;
      const unknownOrder = { kind: 'unknown_order' as const, ref: 'ex-1', symbol: 'SOL/USDT', detail: 'open at the exchange, not in keel\'s orders' };
      const shortBalance = { kind: 'balance_short' as const, ref: 'ADA', symbol: 'ADA/USDT', detail: 'exchange holds 1, position says 2' };
      await recordReconciliation(db, { cycleId: handle.workflowId, exchange: 'sim', findings: [unknownOrder, shortBalance] });
      await recordReconciliation(db, { cycleId: handle.workflowId, exchange: 'sim', findings: [unknownOrder] });
      await recordReconciliation(db, { cycleId: 'cycle/sim/someone-else', exchange: 'sim', findings: [shortBalance] });

      const all = await call({ method: 'GET', url: `${base}/findings` });
      expect(all.statusCode).toBe(200);
      const items = all.json<{ cycleId: string; items: StoredFinding[] }>().items;
      expect(items.map((f) => [f.ref, f.resolvedAtMs === null])).toEqual(expect.arrayContaining([['ex-1', true], ['ADA', false]]));
      expect(items).toHaveLength(2);
      expect(items.every((f) => f.cycleId === handle.workflowId && f.exchange === 'sim')).toBe(true);

      const open = await call({ method: 'GET', url: `${base}/findings?open=true&limit=10` });
      expect(open.json<{ items: StoredFinding[] }>().items).toEqual([expect.objectContaining({ ...unknownOrder, resolvedAtMs: null })]);
      const bad = await call({ method: 'GET', url: `${base}/findings?open=yes` });
      expect(bad.statusCode).toBe(400);
      expect(bad.json<{ message: string }>().message).toContain('query parameter "open" must be "true"');
    });

    it('acknowledges a finding: the audit row names the token by fingerprint only, the finding leaves the open list; 400/404/409 otherwise', async () => {
      const db = harness.database.db;
      const fate = { kind: 'order_fate_unknown' as const, ref: 'k-ack-1', symbol: 'XRP/USDT', detail: 'placement timed out' };
      const excess = { kind: 'balance_excess' as const, ref: 'DOT', symbol: 'DOT/USDT', detail: 'exchange holds 3 DOT, keel explains 1' };
      await recordReconciliation(db, { cycleId: handle.workflowId, exchange: 'sim', findings: [fate, excess] });
      const acknowledge = (payload: unknown, url = `${base}/findings/acknowledge`) => call({ method: 'POST', url, payload: JSON.stringify(payload), headers: { 'content-type': 'application/json' } });

      const ok = await acknowledge({ kind: 'order_fate_unknown', ref: 'k-ack-1', note: 'checked the exchange: never placed' });
      expect(ok.statusCode).toBe(200);
      const fingerprint = createHash('sha256').update(TOKEN).digest('hex').slice(0, 8);
      const body = ok.json<{ workflowId: string; finding: StoredFinding; signalled: boolean; message: string }>();
      expect(body).toMatchObject({ workflowId: handle.workflowId, signalled: true });
      expect(body.finding).toMatchObject({ ...fate, resolvedAtMs: null, acknowledgedBy: `api:token-${fingerprint}`, acknowledgementNote: 'checked the exchange: never placed' });
      const trail = await call({ method: 'GET', url: `${base}/acknowledgements?limit=5` });
      expect(trail.statusCode).toBe(200);
      expect(trail.json<{ items: unknown[] }>().items).toEqual([expect.objectContaining({ kind: 'order_fate_unknown', ref: 'k-ack-1', symbol: 'XRP/USDT', acknowledgedBy: `api:token-${fingerprint}` })]);
      expect(trail.body).not.toContain(TOKEN);
      const open = await call({ method: 'GET', url: `${base}/findings?open=true` });
      expect(open.json<{ items: StoredFinding[] }>().items.map((f) => f.ref)).not.toContain('k-ack-1');

      const named = await acknowledge({ kind: 'balance_excess', ref: 'DOT', note: 'a deposit', by: 'alice' });
      expect(named.json<{ finding: StoredFinding }>().finding.acknowledgedBy).toBe(`api:alice (token ${fingerprint})`);

      const again = await acknowledge({ kind: 'order_fate_unknown', ref: 'k-ack-1', note: 'me too' });
      expect(again.statusCode).toBe(409);
      expect(again.json()).toEqual({ code: 'CONFLICT', message: expect.stringContaining(`already acknowledged by api:token-${fingerprint}`) });
      for (const url of [`${base}/findings/acknowledge`, '/v1/cycles/sim/no-such-cycle/findings/acknowledge']) {
        const missing = await acknowledge({ kind: 'unknown_order', ref: 'nope', note: 'x' }, url);
        expect(missing.statusCode, url).toBe(404);
        expect(missing.json(), url).toEqual({ code: 'NOT_FOUND', message: expect.stringContaining('there is no reconciliation finding unknown_order "nope"') });
      }
      const bad: Array<[unknown, string]> = [
        [{ kind: 'order_fate_unknown', ref: 'k-ack-1' }, 'body field "note" must say what was done about the finding'],
        [{ kind: 'order_fate_unknown', ref: 'k-ack-1', note: '   ' }, 'body field "note" must say what was done'],
        [{ kind: 'order_fate_unknown', ref: 'k-ack-1', note: 'x'.repeat(501) }, 'body field "note" must say what was done about the finding, 1-500 characters'],
        [{ kind: 'lost_coin', ref: 'k-ack-1', note: 'x' }, 'body field "kind" must be one of unknown_order, unknown_trade'],
        [{ kind: 'order_fate_unknown', ref: '', note: 'x' }, 'body field "ref" must not be empty'],
        [{ kind: 'order_fate_unknown', ref: 'k-ack-1', note: 'x', by: 'eve<script>' }, 'body field "by" must be a name'],
        [{ kind: 'order_fate_unknown', ref: 'k-ack-1', note: 'x', token: TOKEN }, 'unknown body field "token"'],
      ];
      for (const [payload, message] of bad) {
        const res = await acknowledge(payload);
        expect(res.statusCode, JSON.stringify(payload)).toBe(400);
        expect(res.json<{ message: string }>().message, JSON.stringify(payload)).toContain(message);
      }
    });

    it('keeps an acknowledgement for a cycle that is not running, and says the cycle honours it at its next reconciliation', async () => {
      const cycleId = 'cycle/sim/not-running-acks';
      await recordReconciliation(harness.database.db, { cycleId, exchange: 'sim', findings: [{ kind: 'unknown_trade', ref: 't-9', symbol: 'BTC/USDT', detail: 'a fill keel does not know' }] });
      const res = await call({ method: 'POST', url: '/v1/cycles/sim/not-running-acks/findings/acknowledge', payload: { kind: 'unknown_trade', ref: 't-9', note: 'my manual trade' } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ workflowId: cycleId, signalled: false, message: expect.stringContaining('honours the acknowledgement at its next reconciliation') });
      const recorded = await recordReconciliation(harness.database.db, { cycleId, exchange: 'sim', findings: [{ kind: 'unknown_trade', ref: 't-9', symbol: 'BTC/USDT', detail: 'seen again' }] });
      expect(recorded.acknowledged).toEqual(['unknown_trade|t-9']);
    });

    it('lists stored candles of a symbol, oldest first, honouring limit and timeframe', async () => {
      const res = await call({ method: 'GET', url: '/v1/candles/sim/BTC/USDT?limit=5' });
      expect(res.statusCode).toBe(200);
      const body = res.json<{ exchange: string; symbol: string; timeframe: string; items: Array<{ ts: number; open: number; close: number }> }>();
      expect(body).toMatchObject({ exchange: 'sim', symbol: 'BTC/USDT', timeframe: '1h' });
      expect(body.items).toHaveLength(5);
      const ts = body.items.map((c) => c.ts);
      expect(ts).toEqual([...ts].sort((a, b) => a - b));
      expect(ts[1]! - ts[0]!).toBe(3_600_000);

      for (const url of ['/v1/candles/sim/BTC/USDT?timeframe=4h', '/v1/candles/sim/NOPE/USDT', '/v1/candles/binance/BTC/USDT']) {
        const none = await call({ method: 'GET', url });
        expect(none.statusCode, url).toBe(200);
        expect(none.json<{ items: unknown[] }>().items, url).toEqual([]);
      }
      const badBase = await call({ method: 'GET', url: '/v1/candles/sim/btc/USDT' });
      expect(badBase.statusCode).toBe(400);
      expect(badBase.json<{ message: string }>().message).toContain('path parameter "base"');
      const badTf = await call({ method: 'GET', url: '/v1/candles/sim/BTC/USDT?timeframe=2h' });
      expect(badTf.statusCode).toBe(400);
      expect(badTf.json<{ message: string }>().message).toContain('query parameter "timeframe" must be one of 1m, 5m, 15m, 30m, 1h, 4h, 1d');
    });
  });

  describe('OpenAPI document', () => {
    let doc: OpenApiDocument;

    it('is served at /v1/openapi.json behind authentication', async () => {
      expect((await call({ method: 'GET', url: '/v1/openapi.json', token: null })).statusCode).toBe(401);
      doc = await fetchOpenApi(app, TOKEN);
      expect(doc.openapi).toBe('3.1.0');
      const operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
      expect(operations.sort()).toEqual(
        [
          'GET /health',
          'GET /v1/cycles',
          'POST /v1/cycles',
          'GET /v1/cycles/{exchange}/{name}',
          'POST /v1/cycles/{exchange}/{name}/pause',
          'POST /v1/cycles/{exchange}/{name}/resume',
          'PATCH /v1/cycles/{exchange}/{name}/config',
          'GET /v1/cycles/{exchange}/{name}/ticks',
          'GET /v1/cycles/{exchange}/{name}/positions',
          'GET /v1/cycles/{exchange}/{name}/orders',
          'GET /v1/cycles/{exchange}/{name}/signals',
          'GET /v1/cycles/{exchange}/{name}/analyses',
          'GET /v1/cycles/{exchange}/{name}/findings',
          'POST /v1/cycles/{exchange}/{name}/findings/acknowledge',
          'GET /v1/cycles/{exchange}/{name}/acknowledgements',
          'GET /v1/candles/{exchange}/{base}/{quote}',
          'POST /v1/backtests',
          'GET /v1/backtests',
          'GET /v1/backtests/{id}',
          'GET /v1/backtests/{id}/orders',
          'GET /v1/openapi.json',
        ].sort(),
      );
      for (const [path, methods] of Object.entries(doc.paths)) {
        for (const op of Object.values(methods)) {
          const statuses = Object.keys(op.responses);
          if (path === '/health') {
            expect(op.security).toEqual([]);
            expect(statuses).not.toContain('401');
          } else {
            expect(statuses, path).toContain('401');
          }
          for (const status of statuses.filter((s) => Number(s) >= 400)) {
            expect(responseSchema(op, Number(status)), `${path} ${status}`).toEqual({ $ref: '#/components/schemas/Error' });
          }
        }
      }
      expect(doc.components.schemas.Error).toMatchObject({ required: ['code', 'message'], additionalProperties: false });
    });

    it('describes what the routes really return', async () => {
      const validator = createSchemaValidator(doc);
      const checks: Array<[string, string]> = [
        ['/v1/cycles', '/v1/cycles'],
        [base, '/v1/cycles/{exchange}/{name}'],
        [`${base}/ticks`, '/v1/cycles/{exchange}/{name}/ticks'],
        [`${base}/positions`, '/v1/cycles/{exchange}/{name}/positions'],
        [`${base}/orders`, '/v1/cycles/{exchange}/{name}/orders'],
        [`${base}/signals`, '/v1/cycles/{exchange}/{name}/signals'],
        [`${base}/analyses`, '/v1/cycles/{exchange}/{name}/analyses'],
        [`${base}/findings`, '/v1/cycles/{exchange}/{name}/findings'],
        [`${base}/acknowledgements`, '/v1/cycles/{exchange}/{name}/acknowledgements'],
        ['/v1/candles/sim/BTC/USDT', '/v1/candles/{exchange}/{base}/{quote}'],
      ];
      for (const [url, path] of checks) {
        const res = await call({ method: 'GET', url });
        expect(res.statusCode, url).toBe(200);
        const validate = validator(responseSchema(doc.paths[path]!.get!, 200)!);
        expect(validate(res.json()), `${url}: ${JSON.stringify(validate.errors)}`).toBe(true);
        expect(res.json<{ items?: unknown[] }>().items?.length ?? 1, url).toBeGreaterThan(0);
      }
      const error = await call({ method: 'GET', url: '/v1/cycles/sim/nope' });
      expect(validator(doc.components.schemas.Error!)(error.json())).toBe(true);
    });
  });

  describe('dashboard sessions', () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };

    async function login(): Promise<{ cookie: string; setCookie: string; csrf: string }> {
      const res = await app.inject({ method: 'POST', url: '/login', headers: form, payload: `token=${encodeURIComponent(TOKEN)}` });
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('/dashboard');
      const setCookie = String(res.headers['set-cookie']);
      const cookie = setCookie.split(';')[0]!;
      const session = await app.inject({ method: 'GET', url: '/dashboard/session', headers: { cookie } });
      expect(session.statusCode).toBe(200);
      return { cookie, setCookie, csrf: session.json<{ csrfToken: string }>().csrfToken };
    }

    it('logs in with the token and sets an HttpOnly, SameSite=Strict cookie holding a random session id', async () => {
      const page = await app.inject({ method: 'GET', url: '/' });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toContain('text/html');
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      expect(page.body).toContain('name="token"');
      expect((await app.inject({ method: 'GET', url: '/dashboard' })).headers.location).toBe('/');

      const { cookie, setCookie } = await login();
      expect(setCookie).toMatch(/^keel_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
      expect(setCookie).not.toContain(TOKEN);
      const second = await login();
      expect(second.cookie).not.toBe(cookie);

      expect((await app.inject({ method: 'GET', url: '/', headers: { cookie } })).headers.location).toBe('/dashboard');
      const dashboard = await app.inject({ method: 'GET', url: '/dashboard', headers: { cookie } });
      expect(dashboard.statusCode).toBe(200);
      expect(dashboard.body).toContain('/dashboard/assets/dashboard.js');
      const session = await app.inject({ method: 'GET', url: '/dashboard/session', headers: { cookie } });
      expect(session.json()).toMatchObject({ namespace: 'default', temporalUiUrl: UI, workflowUrlTemplate: `${UI}/namespaces/default/workflows/WORKFLOW_ID` });
      expect(session.body).not.toContain(TOKEN);
    });

    it('refuses a wrong token, a cross-site login and a session-less session request', async () => {
      const wrong = await app.inject({ method: 'POST', url: '/login', headers: form, payload: 'token=not-the-token' });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.body).toContain('That token is not valid.');
      expect(wrong.body).not.toContain('not-the-token');
      expect(wrong.headers['set-cookie']).toBeUndefined();
      const json = await app.inject({ method: 'POST', url: '/login', payload: { token: 'nope' } });
      expect(json.statusCode).toBe(401);
      expect(json.json()).toEqual({ code: 'UNAUTHORIZED', message: 'invalid token' });
      const ok = await app.inject({ method: 'POST', url: '/login', payload: { token: TOKEN } });
      expect(ok.statusCode).toBe(204);
      expect(String(ok.headers['set-cookie'])).toMatch(/^keel_session=/);
      const crossSite = await app.inject({ method: 'POST', url: '/login', headers: { ...form, origin: 'https://evil.example', host: 'keel.local' }, payload: `token=${TOKEN}` });
      expect(crossSite.statusCode).toBe(403);
      expect(crossSite.headers['set-cookie']).toBeUndefined();
      const noSession = await app.inject({ method: 'GET', url: '/dashboard/session' });
      expect(noSession.statusCode).toBe(401);
      expect(noSession.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    });

    it('accepts the cookie on /v1 reads; changes need the CSRF header', async () => {
      const { cookie, csrf } = await login();
      expect((await app.inject({ method: 'GET', url: '/v1/cycles', headers: { cookie } })).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: base, headers: { cookie } })).statusCode).toBe(200);

      for (const headers of [{ cookie }, { cookie, 'x-csrf-token': 'forged' }, { cookie, 'x-requested-with': 'XMLHttpRequest' }]) {
        const res = await app.inject({ method: 'POST', url: `${base}/pause`, headers });
        expect(res.statusCode, JSON.stringify(headers)).toBe(403);
        expect(res.json()).toEqual({ code: 'FORBIDDEN', message: expect.stringContaining('x-csrf-token') });
      }
      // Another session's token is no good either.
      const other = await login();
      expect((await app.inject({ method: 'POST', url: `${base}/pause`, headers: { cookie, 'x-csrf-token': other.csrf } })).statusCode).toBe(403);

      const paused = await app.inject({ method: 'POST', url: `${base}/pause`, headers: { cookie, 'x-csrf-token': csrf }, payload: { reason: 'dashboard test' } });
      expect(paused.statusCode).toBe(202);
      const resumed = await app.inject({ method: 'POST', url: `${base}/resume`, headers: { cookie, 'x-csrf-token': csrf } });
      expect(resumed.statusCode).toBe(202);
      await waitFor('the cycle running again', async () => ((await status()).paused ? undefined : true));

      // A bearer token, when sent, is what counts: a bad one fails even next to a good cookie.
      expect((await app.inject({ method: 'GET', url: base, headers: { cookie, authorization: 'Bearer wrong' } })).statusCode).toBe(401);
    });

    it('logs out (CSRF-checked), after which the cookie is worthless; sessions expire', async () => {
      const { cookie, csrf } = await login();
      expect((await app.inject({ method: 'POST', url: '/logout', headers: { cookie } })).statusCode).toBe(403);
      const out = await app.inject({ method: 'POST', url: '/logout', headers: { cookie, 'x-csrf-token': csrf } });
      expect(out.statusCode).toBe(204);
      expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
      const after = await app.inject({ method: 'GET', url: '/v1/cycles', headers: { cookie } });
      expect(after.statusCode).toBe(401);
      expect(after.json()).toEqual({ code: 'UNAUTHORIZED', message: expect.stringContaining('log in again') });
      expect((await app.inject({ method: 'GET', url: '/dashboard', headers: { cookie } })).headers.location).toBe('/');

      const shortLived = buildApp({ client: harness.client, namespace: 'default', apiTokens: [TOKEN], sessionTtlMs: 200, secureCookies: true });
      try {
        const res = await shortLived.inject({ method: 'POST', url: '/login', payload: { token: TOKEN } });
        expect(String(res.headers['set-cookie'])).toMatch(/; Secure$/);
        const shortCookie = String(res.headers['set-cookie']).split(';')[0]!;
        expect((await shortLived.inject({ method: 'GET', url: '/v1/cycles?limit=1', headers: { cookie: shortCookie } })).statusCode).toBe(200);
        await new Promise((r) => setTimeout(r, 300));
        expect((await shortLived.inject({ method: 'GET', url: '/v1/cycles?limit=1', headers: { cookie: shortCookie } })).statusCode).toBe(401);
      } finally {
        await shortLived.close();
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
