import { Client, Connection, defaultPayloadConverter } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../../src/api/app.js';
import type { BacktestSweepInput } from '../../../src/contracts/backtest-types.js';
import { failBacktestRun, startBacktestRun } from '../../../src/db/queries/backtest-runs.js';
import { SimulatedMarket } from '../../../src/exchange/simulated-market.js';
import { seedFinishedRun } from '../../helpers/backtest-seed.js';
import { createHarness, type Harness } from '../../helpers/keel-harness.js';
import { createSchemaValidator, fetchOpenApi, responseSchema, type OpenApiDocument } from './openapi-helpers.js';

const TOKEN = 'backtests-test-token';
const UI = 'http://temporal-ui.test:8233';

/**
 * The backtest routes over a real database seeded through the real queries, and a real Temporal dev server for
 * POST. No backtest worker runs here: a started sweep exists in Temporal and is terminated at the end.
 */
describe('backtest routes (real Temporal, real database)', () => {
  let harness: Harness;
  let app: FastifyInstance;
  let doc: OpenApiDocument;
  const started: string[] = [];

  beforeAll(async () => {
    harness = await createHarness({ gateway: new SimulatedMarket({ seed: 3, coins: 2 }) });
    const db = harness.database.db;
    // Runs list newest first by creation time: a few ms apart, so the embedded database's clock cannot tie two of them
    // (CI saw bt-other and bt-broken created in the same instant, then listed by id).
    const apart = () => new Promise((resolve) => setTimeout(resolve, 5));
    await seedFinishedRun(db, { id: 'bt-seed/1', sweepId: 'bt-seed', label: '1h BTC/USDT,ETH/USDT signal.buyThreshold=0.1' });
    await apart();
    await seedFinishedRun(db, { id: 'bt-seed/2', sweepId: 'bt-seed', label: '1h BTC/USDT,ETH/USDT signal.buyThreshold=0.2' });
    await apart();
    await startBacktestRun(db, { id: 'bt-other/1', sweepId: 'bt-other', request: {}, label: 'still running' });
    await apart();
    await startBacktestRun(db, { id: 'bt-broken/1', sweepId: 'bt-broken', request: {}, label: 'no data' });
    await failBacktestRun(db, 'bt-broken/1', 'no candle files for 4h USDT in /data');
    app = buildApp({ client: harness.client, namespace: 'default', db, apiTokens: [TOKEN], temporalUiUrl: UI, cycleDefaults: { taskQueuePrefix: harness.prefix }, readCacheMs: 0 });
    doc = await fetchOpenApi(app, TOKEN);
  });

  afterAll(async () => {
    for (const id of started) await harness.client.workflow.getHandle(id).terminate('backtests test done').catch(() => undefined);
    await app?.close();
    await harness?.teardown();
  });

  function call(options: InjectOptions): Promise<LightMyRequestResponse> {
    return app.inject({ ...options, headers: { ...options.headers, authorization: `Bearer ${TOKEN}` } });
  }

  /** The body, after checking it against the OpenAPI document's schema for the operation and status. */
  function documented<T>(res: LightMyRequestResponse, path: string, method: string, status: number): T {
    expect(res.statusCode, res.body).toBe(status);
    const schema = responseSchema(doc.paths[path]![method]!, status)!;
    const validate = createSchemaValidator(doc)(schema);
    expect(validate(res.json()), JSON.stringify(validate.errors)).toBe(true);
    return res.json<T>();
  }

  it('lists runs newest first with their metrics, or one sweep in run order', async () => {
    const all = documented<{ items: Array<{ id: string; status: string; metrics: { totalReturn: number; trades: number } | null; error: string | null }> }>(
      await call({ method: 'GET', url: '/v1/backtests' }),
      '/v1/backtests',
      'get',
      200,
    );
    expect(all.items.map((r) => r.id)).toEqual(['bt-broken/1', 'bt-other/1', 'bt-seed/2', 'bt-seed/1']);
    expect(all.items.map((r) => r.status)).toEqual(['failed', 'running', 'finished', 'finished']);
    expect(all.items[0]!.error).toContain('no candle files');
    expect(all.items[2]!.metrics).toMatchObject({ trades: 2 });
    expect(all.items[2]!.metrics!.totalReturn).toBeCloseTo(0.071, 6);

    const sweep = (await call({ method: 'GET', url: '/v1/backtests?sweepId=bt-seed&limit=1' })).json<{ items: Array<{ id: string }> }>();
    expect(sweep.items.map((r) => r.id)).toEqual(['bt-seed/1']);

    const bad = await call({ method: 'GET', url: '/v1/backtests?sweepId=no%20such&limit=0' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/query parameter "limit" must be a whole number from 1 to 1000.*query parameter "sweepId" must be a sweep id/);
  });

  it('answers a run with its metrics and curves, 404 for an unknown id and 400 for a malformed one', async () => {
    const run = documented<{ id: string; label: string; metrics: { maxDrawdown: number; sharpe: number | null }; equity: Array<[number, number]>; buyAndHold: Array<[number, number]> }>(
      await call({ method: 'GET', url: '/v1/backtests/bt-seed%2F1' }),
      '/v1/backtests/{id}',
      'get',
      200,
    );
    expect(run).toMatchObject({ id: 'bt-seed/1', label: '1h BTC/USDT,ETH/USDT signal.buyThreshold=0.1' });
    expect(run.equity).toHaveLength(72);
    expect(run.buyAndHold).toHaveLength(72);
    expect(run.equity[0]).toEqual([Date.UTC(2024, 2, 1), 100_000]);
    expect(run.metrics.maxDrawdown).toBeGreaterThan(0.01);

    const unknown = await call({ method: 'GET', url: '/v1/backtests/bt-seed%2F9' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ code: 'NOT_FOUND', message: expect.stringContaining('no backtest run "bt-seed/9"') });
    const malformed = await call({ method: 'GET', url: '/v1/backtests/bt%20seed' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().message).toMatch(/path parameter "id" must be a backtest run id/);
  });

  it("pages a run's orders in fill order with the total; 404 for an unknown run, an empty page for a run without orders", async () => {
    const page = documented<{ runId: string; total: number; offset: number; items: Array<{ side: string; price: string; feeRole: string }> }>(
      await call({ method: 'GET', url: '/v1/backtests/bt-seed%2F2/orders?limit=2&offset=1' }),
      '/v1/backtests/{id}/orders',
      'get',
      200,
    );
    expect(page).toMatchObject({ runId: 'bt-seed/2', total: 3, offset: 1 });
    expect(page.items.map((o) => [o.side, o.price, o.feeRole])).toEqual([['sell', '52000', 'taker'], ['sell', '49000', 'maker']]);

    expect((await call({ method: 'GET', url: '/v1/backtests/bt-other%2F1/orders' })).json()).toEqual({ runId: 'bt-other/1', total: 0, offset: 0, items: [] });
    expect((await call({ method: 'GET', url: '/v1/backtests/nope%2F1/orders' })).statusCode).toBe(404);
    const badOffset = await call({ method: 'GET', url: '/v1/backtests/bt-seed%2F2/orders?offset=-1' });
    expect(badOffset.statusCode).toBe(400);
    expect(badOffset.json().message).toContain('query parameter "offset"');
  });

  it('refuses bad POST bodies with 400 naming the field or the setting, and starts nothing', async () => {
    const refusals: Array<[unknown, RegExp]> = [
      [{ config: { 'risk.maxPositionFraction': 7 } }, /body field "config": risk\.maxPositionFraction must be in \(0, 1\] \(got 7\)/],
      [{ config: { 'risk.maxOpenPosition': 3 } }, /unknown risk setting risk\.maxOpenPosition;/],
      [{ config: { 'signal..buyThreshold': 0.1 } }, /body field "config": key "signal\.\.buyThreshold" must be a setting name/],
      [{ config: { risk: { cooldownTicks: 1 }, 'risk.cooldownTicks': 2 } }, /key "risk\.cooldownTicks" conflicts/],
      [{ config: ['risk.maxOpenPositions=3'] }, /body field "config" must be a JSON object of settings by dotted key/],
      [{ from: '2024-03-05', to: '2024-03-01' }, /body field "to" must not be before "from"/],
      [{ to: '2024-03-05', ticks: 10 }, /body field "ticks" must not be given with "to"/],
      [{ from: 'yesterday' }, /body field "from" must be an ISO 8601 date/],
      [{ from: '2024-13-45' }, /body field "from" must be an ISO 8601 date/],
      [{ cash: 100000 }, /body field "cash" must be a positive decimal amount as a string/],
      [{ pairs: ['btc-usdt'] }, /body field "pairs\.0" must be a pair such as "BTC\/USDT"/],
      [{ timeframe: '7m' }, /body field "timeframe" must be one of/],
      [{ rankBy: 'luck' }, /body field "rankBy" must be one of totalReturn/],
      [{ dir: '/etc' }, /unknown body field "dir"/],
      [{ sweep: { 'risk.maxPositionFraction': [0.5, 7] } }, /body field "sweep": risk\.maxPositionFraction=7: risk\.maxPositionFraction must be in \(0, 1\] \(got 7\)/],
      [{ sweep: { 'signal.buyThreshold': [] } }, /body field "sweep\.signal\.buyThreshold" must list at least one value/],
      [{ sweep: { 'risk..x': [1] } }, /body field "sweep.*must be a setting name/],
      [{ config: { 'risk.cooldownTicks': 1 }, sweep: { risk: [{}] } }, /body field "sweep": risk is also set in "config"/],
      [{ sweep: { risk: [{ cooldownTicks: 1 }], 'risk.maxOpenPositions': [1, 2] } }, /body field "sweep": risk\.maxOpenPositions overlaps risk/],
      [{ sweep: { 'signal.buyThreshold': Array.from({ length: 30 }, (_, i) => (i + 1) / 100), 'risk.maxOpenPositions': Array.from({ length: 20 }, (_, i) => i + 1) } }, /600 combinations.*at most 500/],
    ];
    for (const [payload, message] of refusals) {
      const res = await call({ method: 'POST', url: '/v1/backtests', payload: payload as object });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().message, JSON.stringify(payload)).toMatch(message);
    }
    const sweeps = await harness.client.workflow.count(`WorkflowType = "backtestSweep" AND TaskQueue = "${harness.prefix}keel-cycle"`);
    expect(sweeps.count).toBe(0);
  });

  it('starts the backtestSweep workflow on the cycle queue with the run as asked, and answers 202 with its ids', async () => {
    const res = await call({
      method: 'POST',
      url: '/v1/backtests',
      payload: { timeframe: '4h', pairs: ['BTC/USDT', 'ETH/USDT'], config: { 'risk.maxOpenPositions': 2, 'signal.buyThreshold': 0.1 }, from: '2024-03-01', ticks: 50, cash: '2500.5', rankBy: 'sharpe' },
    });
    const body = documented<{ sweepId: string; runIds: string[]; workflowId: string; webUiUrl: string }>(res, '/v1/backtests', 'post', 202);
    started.push(body.workflowId);
    expect(body.sweepId).toMatch(/^bt-\d{8}T\d{6}-[0-9a-f]{6}$/);
    expect(body.runIds).toEqual([`${body.sweepId}/1`]);
    expect(body.workflowId).toBe(`backtest/${body.sweepId}`);
    expect(body.webUiUrl).toBe(`${UI}/namespaces/default/workflows/${encodeURIComponent(body.workflowId)}`);

    const handle = harness.client.workflow.getHandle(body.workflowId);
    const description = await handle.describe();
    expect(description).toMatchObject({ type: 'backtestSweep', taskQueue: `${harness.prefix}keel-cycle` });
    expect(description.status.name).toBe('RUNNING');
    const history = await handle.fetchHistory();
    const [payload] = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads!;
    const input = defaultPayloadConverter.fromPayload<BacktestSweepInput>(payload!);
    expect(input).toEqual({
      sweepId: body.sweepId,
      rankBy: 'sharpe',
      taskQueuePrefix: harness.prefix,
      runs: [
        {
          runId: body.runIds[0],
          label: '4h BTC/USDT,ETH/USDT risk.maxOpenPositions=2 signal.buyThreshold=0.1',
          timeframe: '4h',
          quote: 'USDT',
          pairs: ['BTC/USDT', 'ETH/USDT'],
          // KEEL_COINS travels in the patch: the workers build a run's config without it.
          config: { universe: { maxCoins: 250 }, risk: { maxOpenPositions: 2 }, signal: { buyThreshold: 0.1 } },
          fromMs: Date.UTC(2024, 2, 1),
          ticks: 50,
          startingCash: '2500.5',
          fill: { takerFeeRate: 0.001, makerFeeRate: 0.001, slippageBps: 5 },
        },
      ],
    });
  });

  it('starts one run per combination of a sweep, each on top of config, labelled by its values', async () => {
    const res = await call({
      method: 'POST',
      url: '/v1/backtests',
      payload: { config: { 'risk.cooldownTicks': 1 }, sweep: { 'signal.buyThreshold': [0.05, 0.1], 'risk.maxOpenPositions': [2, 3] }, ticks: 10 },
    });
    const body = documented<{ sweepId: string; runIds: string[]; workflowId: string }>(res, '/v1/backtests', 'post', 202);
    started.push(body.workflowId);
    expect(body.runIds).toEqual([1, 2, 3, 4].map((n) => `${body.sweepId}/${n}`));
    const history = await harness.client.workflow.getHandle(body.workflowId).fetchHistory();
    const input = defaultPayloadConverter.fromPayload<BacktestSweepInput>(history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!);
    expect(input.rankBy).toBe('totalReturn');
    expect(input.runs.map((r) => [r.runId, r.label, r.config])).toEqual([
      [body.runIds[0], '1h every USDT pair risk.cooldownTicks=1 signal.buyThreshold=0.05 risk.maxOpenPositions=2', { universe: { maxCoins: 250 }, risk: { cooldownTicks: 1, maxOpenPositions: 2 }, signal: { buyThreshold: 0.05 } }],
      [body.runIds[1], '1h every USDT pair risk.cooldownTicks=1 signal.buyThreshold=0.05 risk.maxOpenPositions=3', { universe: { maxCoins: 250 }, risk: { cooldownTicks: 1, maxOpenPositions: 3 }, signal: { buyThreshold: 0.05 } }],
      [body.runIds[2], '1h every USDT pair risk.cooldownTicks=1 signal.buyThreshold=0.1 risk.maxOpenPositions=2', { universe: { maxCoins: 250 }, risk: { cooldownTicks: 1, maxOpenPositions: 2 }, signal: { buyThreshold: 0.1 } }],
      [body.runIds[3], '1h every USDT pair risk.cooldownTicks=1 signal.buyThreshold=0.1 risk.maxOpenPositions=3', { universe: { maxCoins: 250 }, risk: { cooldownTicks: 1, maxOpenPositions: 3 }, signal: { buyThreshold: 0.1 } }],
    ]);
    expect(input.runs.every((r) => r.ticks === 10 && r.pairs === null)).toBe(true);
  });

  it('answers 503 when Temporal does not answer', async () => {
    // Nothing listens on port 1: the lazy connection fails on the first call.
    const connection = Connection.lazy({ address: '127.0.0.1:1' });
    const down = buildApp({ client: new Client({ connection, namespace: 'default' }), namespace: 'default', db: harness.database.db, apiTokens: [TOKEN], temporalTimeoutMs: 2_000 });
    try {
      const res = await down.inject({ method: 'POST', url: '/v1/backtests', headers: { authorization: `Bearer ${TOKEN}` }, payload: {} });
      expect(res.statusCode, res.body).toBe(503);
      expect(res.json().code).toBe('UNAVAILABLE');
    } finally {
      await down.close();
      await connection.close();
    }
  });
});
