import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApp } from '../../../src/api/app.js';
import { API_ERROR_STATUS, type ApiErrorCode } from '../../../src/api/errors.js';
import { statusQuery } from '../../../src/contracts/messages.js';
import { SimulatedMarket } from '../../../src/exchange/simulated-market.js';
import type { CycleHandle } from '../../../src/temporal/cycle-client.js';
import { createHarness, waitFor, type Harness } from '../../helpers/keel-harness.js';
import { createSchemaValidator, fetchOpenApi, responseSchema, type JsonSchema, type OpenApiDocument, type OpenApiOperation } from './openapi-helpers.js';

/**
 * A schema-driven fuzzer: requests generated from /v1/openapi.json (valid and invalid path parameters, query
 * parameters and bodies, with and without credentials) against the real API over a running cycle. Properties:
 * nothing answers 5xx, every status is one the document lists for the operation, every error body is exactly
 * {code, message} with the code matching the status, and every success body matches the documented schema.
 * KEEL_FUZZ_SEED and KEEL_FUZZ_RUNS replay or widen a run; a failure prints the seed and the shrunk request.
 */
const SEED = Number(process.env.KEEL_FUZZ_SEED ?? 20_240_611);
const RUNS = Number(process.env.KEEL_FUZZ_RUNS ?? 400);
const TOKEN = 'fuzz-token-0123456789abcdef';
const COINS = 4;
// Cycles the fuzzer starts go to queues no worker polls: they exist in Temporal (201/200 answers) but never tick.
const UNSERVED_PREFIX = 'fuzz-unserved-';

type Auth = 'bearer' | 'none' | 'wrong-bearer' | 'malformed-header' | 'session+csrf' | 'session-no-csrf' | 'stale-session';
type BodyKind = 'valid' | 'invalid' | 'malformed-json' | 'absent' | 'text/plain' | 'too-large';

interface FuzzRequest {
  op: string;
  method: string;
  path: string;
  query: Array<[string, string]>;
  body: { kind: BodyKind; value?: unknown };
  auth: Auth;
  /** The path may not match the operation's route (a raw, empty or dot segment): 404 is then allowed too. */
  mayMissRoute: boolean;
}

interface OperationEntry {
  key: string;
  method: string;
  template: string;
  op: OpenApiOperation;
}

// ---- JSON Schema → fast-check arbitraries --------------------------------------------------------------------

function resolve(doc: OpenApiDocument, schema: JsonSchema): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  const id = ref.replace('#/components/schemas/', '');
  const target = doc.components.schemas[id];
  if (!target) throw new Error(`unresolved ${ref}`);
  return resolve(doc, target);
}

const anyJson = fc.jsonValue({ maxDepth: 2 });
const nastyString = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom('', ' ', '..', '../..', '%', '%2F', 'a/b', '?x=1', '#', 'ÄÖ', '😀', 'null', '0', '-1', '1e309', 'x'.repeat(300), '__proto__', 'constructor'),
);

function arbitraryFor(doc: OpenApiDocument, raw: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  const schema = resolve(doc, raw);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.anyOf)) return fc.oneof(...(schema.anyOf as JsonSchema[]).map((s) => arbitraryFor(doc, s, depth)));
  const type = schema.type;
  if (Array.isArray(type)) return fc.oneof(...type.map((t) => arbitraryFor(doc, { ...schema, type: t }, depth)));
  switch (type) {
    case 'string':
      if (typeof schema.pattern === 'string') return fc.stringMatching(new RegExp(schema.pattern));
      return fc.string({ minLength: Number(schema.minLength ?? 0), maxLength: Math.min(Number(schema.maxLength ?? 20), 40) });
    case 'integer':
      return fc.integer({ min: Math.max(Number(schema.minimum ?? -1e6), -1e6), max: Math.min(Number(schema.maximum ?? 1e6), 1e6) });
    case 'number':
      return fc.oneof(fc.integer({ min: -1000, max: 5000 }), fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }));
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(schema.items ? arbitraryFor(doc, schema.items as JsonSchema, depth + 1) : anyJson, { maxLength: Math.min(Number(schema.maxItems ?? 4), 4) });
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const required = (schema.required ?? []) as string[];
      const names = Object.keys(properties);
      if (names.length === 0) {
        // An open object (e.g. a config patch): random keys, sometimes the ones a cycle config has.
        const key = fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('risk', 'signal', 'universe', 'ai', 'tickPacingMs', 'maxTicks', 'exchange'));
        return schema.additionalProperties === false ? fc.constant({}) : fc.dictionary(key, depth > 2 ? fc.constant(1) : anyJson, { maxKeys: 3 });
      }
      const model = Object.fromEntries(names.map((n) => [n, depth > 3 ? fc.constant(undefined) : arbitraryFor(doc, properties[n]!, depth + 1)]));
      return fc.record(model, { requiredKeys: required.filter((r) => names.includes(r)) }).map((o) => JSON.parse(JSON.stringify(o)) as unknown);
    }
    default:
      return anyJson;
  }
}

/** Values the schema rejects (mostly): another type, a broken object, a nasty string. */
function invalidFor(doc: OpenApiDocument, raw: JsonSchema): fc.Arbitrary<unknown> {
  const schema = resolve(doc, raw);
  const valid = arbitraryFor(doc, schema);
  const mutations: Array<fc.Arbitrary<unknown>> = [anyJson, nastyString];
  if (schema.type === 'object') {
    mutations.push(
      fc.tuple(valid, fc.string({ minLength: 1, maxLength: 8 }), anyJson).map(([v, key, value]) => ({ ...(v as object), [`x${key}`]: value })),
      fc.tuple(valid, anyJson).map(([v, value]) => {
        const o = { ...(v as Record<string, unknown>) };
        const key = Object.keys(o)[0];
        if (key !== undefined) o[key] = value;
        return o;
      }),
    );
  }
  return fc.oneof(...mutations);
}

// ---- request arbitrary ---------------------------------------------------------------------------------------

type Part = 'none' | 'path' | 'query' | 'body' | 'auth';

/**
 * One request for one operation: well-formed in every part, or broken in exactly one (a path parameter, the query,
 * the body or the credentials), so both the handlers and each rejection path get exercised.
 */
function requestArbitrary(doc: OpenApiDocument, operations: OperationEntry[], known: Record<string, string[]>): fc.Arbitrary<FuzzRequest> {
  return fc.constantFrom(...operations).chain((entry) => {
    const pathParams = entry.op.parameters.filter((p) => p.in === 'path');
    const queryParams = entry.op.parameters.filter((p) => p.in === 'query');
    const bodySchema = entry.op.requestBody?.content['application/json']?.schema;
    const isPublic = entry.op.security?.length === 0;
    type Segment = { value: string; raw: boolean };

    const validPath = fc.tuple(
      ...pathParams.map((p) =>
        fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(...(known[p.name] ?? ['x'])) },
          { weight: 1, arbitrary: arbitraryFor(doc, p.schema).map(String) },
        ),
      ),
    ).map((values): Segment[] => values.map((value) => ({ value, raw: false })));
    const brokenPath = fc
      .tuple(validPath, fc.nat(), nastyString, fc.boolean())
      .map(([segments, index, value, raw]): Segment[] => segments.map((s, i) => (i === index % segments.length ? { value, raw } : s)));

    const validQuery = fc
      .tuple(...queryParams.map((p) => fc.option(arbitraryFor(doc, p.schema).map((v): [string, string] => [p.name, String(v)]), { freq: 2 })))
      .map((pairs) => pairs.filter((pair): pair is [string, string] => pair !== null));
    const brokenQuery = fc.oneof(
      // A known parameter with a bad value, or given twice.
      ...queryParams.map((p) => fc.tuple(validQuery, nastyString).map(([pairs, v]): Array<[string, string]> => [...pairs.filter(([n]) => n !== p.name), [p.name, v]])),
      ...queryParams.map((p) => fc.tuple(validQuery, arbitraryFor(doc, p.schema)).map(([pairs, v]): Array<[string, string]> => [...pairs, [p.name, String(v)], [p.name, String(v)]])),
      // A parameter the operation does not know.
      fc.tuple(validQuery, fc.string({ minLength: 1, maxLength: 8 }), nastyString).map(([pairs, n, v]): Array<[string, string]> => [...pairs, [n, v]]),
    );

    const validBody: fc.Arbitrary<FuzzRequest['body']> = bodySchema
      ? fc.oneof(
          { weight: 4, arbitrary: arbitraryFor(doc, bodySchema).map((value) => ({ kind: 'valid' as const, value })) },
          { weight: entry.op.requestBody?.required ? 0 : 1, arbitrary: fc.constant({ kind: 'absent' as const }) },
        )
      : fc.constant({ kind: 'absent' as const });
    const brokenBody: fc.Arbitrary<FuzzRequest['body']> = bodySchema
      ? fc.oneof(
          { weight: 6, arbitrary: invalidFor(doc, bodySchema).map((value) => ({ kind: 'invalid' as const, value })) },
          { weight: 1, arbitrary: fc.constantFrom<FuzzRequest['body']>({ kind: 'malformed-json' }, { kind: 'absent' }, { kind: 'text/plain' }, { kind: 'too-large' }) },
        )
      : fc.oneof(anyJson.map((value) => ({ kind: 'invalid' as const, value })), fc.constant({ kind: 'text/plain' as const }));

    const validAuth = isPublic ? fc.constantFrom<Auth>('none', 'bearer') : fc.oneof({ weight: 3, arbitrary: fc.constant<Auth>('bearer') }, { weight: 1, arbitrary: fc.constant<Auth>('session+csrf') });
    const brokenAuth = fc.constantFrom<Auth>('none', 'wrong-bearer', 'malformed-header', 'session-no-csrf', 'stale-session');

    const part = fc.oneof(
      { weight: 4, arbitrary: fc.constant<Part>('none') },
      { weight: pathParams.length > 0 ? 2 : 0, arbitrary: fc.constant<Part>('path') },
      { weight: 2, arbitrary: fc.constant<Part>('query') },
      { weight: 2, arbitrary: fc.constant<Part>('body') },
      { weight: 1, arbitrary: fc.constant<Part>('auth') },
    );

    return part.chain((broken) =>
      fc
        .record({
          path: pathParams.length > 0 && broken === 'path' ? brokenPath : validPath,
          query: broken === 'query' ? brokenQuery : validQuery,
          body: broken === 'body' ? brokenBody : validBody,
          auth: broken === 'auth' ? brokenAuth : validAuth,
        })
        .map(({ path, query, body, auth }): FuzzRequest => {
          let url = entry.template;
          let mayMissRoute = false;
          pathParams.forEach((p, i) => {
            const { value, raw } = path[i]!;
            // Unescaped, empty and dot segments ('..' is resolved like a directory) can route elsewhere.
            if (raw || value === '' || value === '.' || value === '..') mayMissRoute = true;
            url = url.replace(`{${p.name}}`, raw ? encodeURI(value) : encodeURIComponent(value));
          });
          return { op: entry.key, method: entry.method, path: url, query, body, auth, mayMissRoute };
        }),
    );
  });
}

// ---- the test --------------------------------------------------------------------------------------------------

describe('OpenAPI-driven fuzzing of the API over a running cycle', () => {
  let harness: Harness;
  let app: FastifyInstance;
  let handle: CycleHandle;
  let doc: OpenApiDocument;
  let session: { cookie: string; csrf: string };
  const started = new Set<string>();

  beforeAll(async () => {
    harness = await createHarness({ gateway: new SimulatedMarket({ seed: 11, coins: COINS }) });
    await harness.startWorkers();
    handle = (await harness.startCycle({ universe: { symbols: null, maxCoins: COINS }, tickPacingMs: 300 })).handle;
    // Dozens of generated wrong tokens come from one address: at the default limit, the rest of the run would be 429s.
    app = buildApp({ client: harness.client, namespace: 'default', db: harness.database.db, apiTokens: [TOKEN], cycleDefaults: { taskQueuePrefix: UNSERVED_PREFIX }, authFailuresPerMinute: 10_000 });
    await waitFor('a recorded tick', async () => ((await handle.query(statusQuery)).tickNo >= 1 ? true : undefined));
    doc = await fetchOpenApi(app, TOKEN);
    const login = await app.inject({ method: 'POST', url: '/login', payload: { token: TOKEN } });
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const info = await app.inject({ method: 'GET', url: '/dashboard/session', headers: { cookie } });
    session = { cookie, csrf: info.json<{ csrfToken: string }>().csrfToken };
  });

  afterAll(async () => {
    await handle?.terminate('fuzz done').catch(() => undefined);
    for (const id of started) await harness.client.workflow.getHandle(id).terminate('fuzz done').catch(() => undefined);
    await app?.close();
    await harness?.teardown();
  });

  function toInject(request: FuzzRequest): InjectOptions {
    const headers: Record<string, string> = {};
    switch (request.auth) {
      case 'bearer':
        headers.authorization = `Bearer ${TOKEN}`;
        break;
      case 'wrong-bearer':
        headers.authorization = `Bearer ${TOKEN.slice(0, -1)}x`;
        break;
      case 'malformed-header':
        headers.authorization = `Token ${TOKEN}`;
        break;
      case 'session+csrf':
        headers.cookie = session.cookie;
        headers['x-csrf-token'] = session.csrf;
        break;
      case 'session-no-csrf':
        headers.cookie = session.cookie;
        break;
      case 'stale-session':
        headers.cookie = 'keel_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
        break;
      case 'none':
        break;
    }
    let payload: string | undefined;
    switch (request.body.kind) {
      case 'valid':
      case 'invalid':
        payload = JSON.stringify(request.body.value) ?? 'null';
        headers['content-type'] = 'application/json';
        break;
      case 'malformed-json':
        payload = '{"exchange": "sim", ';
        headers['content-type'] = 'application/json';
        break;
      case 'text/plain':
        payload = 'risk.maxOpenPositions=3';
        headers['content-type'] = 'text/plain';
        break;
      case 'too-large':
        payload = JSON.stringify({ reason: 'x'.repeat(70 * 1024) });
        headers['content-type'] = 'application/json';
        break;
      case 'absent':
        break;
    }
    const query = new URLSearchParams(request.query).toString();
    return { method: request.method as InjectOptions['method'], url: query === '' ? request.path : `${request.path}?${query}`, headers, ...(payload !== undefined && { payload }) };
  }

  it(`answers ${RUNS} generated requests without a 5xx, each with a documented status and body (seed ${SEED})`, async () => {
    const operations: OperationEntry[] = Object.entries(doc.paths).flatMap(([template, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ key: `${method.toUpperCase()} ${template}`, method: method.toUpperCase(), template, op })),
    );
    const byKey = new Map(operations.map((o) => [o.key, o]));
    const [, exchange, name] = handle.workflowId.split('/');
    const known = { exchange: [exchange!], name: [name!], base: ['BTC', 'ETH'], quote: ['USDT'] };
    const validator = createSchemaValidator(doc);
    const validateError = validator({ $ref: '#/components/schemas/Error' });
    const seen = new Map<string, Map<number, number>>();

    await fc.assert(
      fc.asyncProperty(requestArbitrary(doc, operations, known), async (request) => {
        const entry = byKey.get(request.op)!;
        const res = await app.inject(toInject(request));
        const status = res.statusCode;
        const counts = seen.get(request.op) ?? new Map<number, number>();
        counts.set(status, (counts.get(status) ?? 0) + 1);
        seen.set(request.op, counts);
        const where = `${request.method} ${toInject(request).url} (${request.auth}, body ${request.body.kind}) → ${status} ${res.body.slice(0, 300)}`;

        expect(status, where).toBeLessThan(500);
        expect(res.headers['content-type'], where).toMatch(/^application\/json/);
        const documented = Object.keys(entry.op.responses).map(Number);
        if (!(request.mayMissRoute && status === 404)) expect(documented, where).toContain(status);
        const body: unknown = res.json();
        if (status >= 400) {
          expect(validateError(body), `${where}: ${JSON.stringify(validateError.errors)}`).toBe(true);
          expect(API_ERROR_STATUS[(body as { code: ApiErrorCode }).code], where).toBe(status);
        } else {
          const validate = validator(responseSchema(entry.op, status)!);
          expect(validate(body), `${where}: ${JSON.stringify(validate.errors)}`).toBe(true);
          if (request.op === 'POST /v1/cycles' || request.op === 'POST /v1/backtests') started.add((body as { workflowId: string }).workflowId);
        }
      }),
      { seed: SEED, numRuns: RUNS, verbose: 1 },
    );

    // The run reached every operation, and inputs got both accepted and refused.
    const summary = Object.fromEntries([...seen].map(([op, counts]) => [op, Object.fromEntries([...counts].sort(([a], [b]) => a - b))]));
    console.log(`fuzz summary (seed ${SEED}, ${RUNS} requests):\n${JSON.stringify(summary, null, 1)}`);
    expect([...seen.keys()].sort()).toEqual(operations.map((o) => o.key).sort());
    const all = [...seen.values()].flatMap((counts) => [...counts]);
    const total = (predicate: (status: number) => boolean) => all.filter(([s]) => predicate(s)).reduce((n, [, c]) => n + c, 0);
    expect(total((s) => s >= 200 && s < 300)).toBeGreaterThan(RUNS / 6);
    for (const code of [400, 401, 404]) expect(total((s) => s === code), `status ${code}`).toBeGreaterThan(0);
  });
});
