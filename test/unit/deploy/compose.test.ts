// Offline checks of the Docker Compose deployment (docker-compose.yml, .env.example, Dockerfile, deploy/): no Docker
// engine needed. The file is validated against the Compose Specification JSON schema shipped in the `dclint` npm
// package, then against keel's own invariants; the setup scripts run against stub CLIs.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse, parseDocument } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { settingsSchema } from '../../../src/config/settings.js';
import { KEEL_SEARCH_ATTRIBUTE_FLAGS } from '../../../src/contracts/search-attributes.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');

type Env = Record<string, string | undefined>;
type Service = Record<string, unknown> & {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  ports?: (string | number | { published?: string | number })[];
  profiles?: string[];
  restart?: string;
  deploy?: { replicas?: number; update_config?: { order?: string } };
};
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

// --- Compose's variable substitution (${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR:+alt}, $$) ---

const VARIABLE = /\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^{}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

function interpolateString(value: string, env: Env): string {
  return value.replace(VARIABLE, (match, braced: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
    if (match === '$$') return '$';
    const name = (braced ?? bare)!;
    const v = env[name];
    const emptyOrUnset = v === undefined || v === '';
    switch (op) {
      case ':-':
        return emptyOrUnset ? arg! : v;
      case '-':
        return v === undefined ? arg! : v;
      case ':?':
      case '?':
        if (op === ':?' ? emptyOrUnset : v === undefined) throw new Error(`required variable ${name} is missing a value: ${arg}`);
        return v!;
      case ':+':
        return emptyOrUnset ? '' : arg!;
      case '+':
        return v === undefined ? '' : arg!;
      default:
        return v ?? '';
    }
  });
}

/** Substitutes variables in every string value (Compose leaves keys alone). */
function interpolate<T>(value: T, env: Env): T {
  if (typeof value === 'string') return interpolateString(value, env) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => interpolate(v, env)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env)])) as T;
  return value;
}

/** Every ${VAR...} used in string values, with its :- default when it has one. */
function referencedVariables(value: unknown, found = new Map<string, string | undefined>()): Map<string, string | undefined> {
  if (typeof value === 'string') {
    for (const m of value.matchAll(VARIABLE)) {
      const name = m[1] ?? m[4];
      if (!name) continue;
      if (!found.has(name) || found.get(name) === undefined) found.set(name, m[2] === ':-' ? m[3] : found.get(name));
    }
  } else if (Array.isArray(value)) {
    for (const v of value) referencedVariables(v, found);
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) referencedVariables(v, found);
  }
  return found;
}

// --- Loading ---

function loadRaw(): ComposeFile {
  const doc = parseDocument(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true, prettyErrors: true });
  if (doc.errors.length > 0 || doc.warnings.length > 0) throw new Error([...doc.errors, ...doc.warnings].map((e) => e.message).join('\n'));
  return doc.toJS({ maxAliasCount: 1000 }) as ComposeFile;
}

const ENV_FOR_TESTS: Env = { KEEL_API_TOKEN: 'test-token-0123456789abcdef' };
const raw = loadRaw();
const compose = interpolate(raw, ENV_FOR_TESTS);
const services = Object.entries(compose.services);

const KEEL_SERVICES = ['keel-api', 'keel-cycle-worker', 'keel-exchange-worker', 'keel-db-worker', 'keel-backtest-worker', 'keel-ai-worker', 'keel-start-cycle'];
const ONE_SHOTS = ['temporal-schema', 'temporal-setup', 'keel-start-cycle'];

function environmentOf(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((entry) => [entry.split('=')[0]!, entry.includes('=') ? entry.slice(entry.indexOf('=') + 1) : '']));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v == null ? '' : String(v)]));
}

function dependsOn(service: Service): Record<string, string | undefined> {
  const deps = service.depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, undefined]));
  return Object.fromEntries(Object.entries(deps).map(([name, d]) => [name, d.condition]));
}

function argv(value: string[] | string | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : value.split(/\s+/).filter(Boolean);
}

interface Mount {
  type: 'bind' | 'volume';
  source: string;
  target: string;
}

function mountsOf(service: Service): Mount[] {
  return (service.volumes ?? []).map((v): Mount => {
    if (typeof v === 'string') {
      const [source = '', target = ''] = v.split(':');
      const isPath = source.startsWith('.') || source.startsWith('/') || source.startsWith('~');
      return { type: isPath ? 'bind' : 'volume', source, target };
    }
    return { type: v.type === 'bind' ? 'bind' : 'volume', source: v.source ?? '', target: v.target ?? '' };
  });
}

function hostFile(source: string): string {
  return path.resolve(ROOT, source);
}

function service(name: string): Service {
  const s = compose.services[name];
  if (!s) throw new Error(`service ${name} is missing from docker-compose.yml`);
  return s;
}

const packageScripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

// --- Schema ---

describe('docker-compose.yml: Compose Specification schema', () => {
  const require = createRequire(import.meta.url);
  const schemaPath = path.join(path.dirname(require.resolve('dclint/package.json')), 'schemas', 'compose.schema.json');
  const { $schema: _metaSchema, ...schema } = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  const errorsOf = (doc: unknown) => (validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`));

  it('is valid after variable substitution', () => {
    expect(errorsOf(compose)).toEqual([]);
  });

  it('is valid before substitution too (the raw file, as editors see it)', () => {
    expect(errorsOf(raw)).toEqual([]);
  });

  it('has no top-level version key (obsolete in the Compose Specification)', () => {
    expect(raw).not.toHaveProperty('version');
  });

  it('catches a misspelled service key (the validator is really applied)', () => {
    const broken = structuredClone(compose);
    (broken.services['keel-api'] as Record<string, unknown>).imag = 'typo';
    expect(errorsOf(broken).join('\n')).toMatch(/additional/i);
  });

  it('refuses to load without KEEL_API_TOKEN', () => {
    expect(() => interpolate(raw, {})).toThrow(/KEEL_API_TOKEN/);
    expect(() => interpolate(raw, { KEEL_API_TOKEN: '' })).toThrow(/KEEL_API_TOKEN/);
  });
});

// --- Structure ---

describe('docker-compose.yml: services and dependencies', () => {
  it('has every expected service', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['keel-postgres', 'temporal-postgresql', 'temporal-schema', 'temporal', 'temporal-setup', 'temporal-ui', ...KEEL_SERVICES].sort(),
    );
  });

  it.each(services)('%s has an image or a build', (_name, s) => {
    expect(Boolean(s.image) || Boolean(s.build)).toBe(true);
  });

  it.each(services)('%s depends only on services that exist, without profiles of their own', (name, s) => {
    for (const target of Object.keys(dependsOn(s))) {
      expect(compose.services, `${name} depends on ${target}`).toHaveProperty([target]);
      // A dependency hidden behind a profile is undefined whenever that profile is off.
      expect(service(target).profiles ?? [], `${name} depends on ${target}, which has profiles`).toEqual([]);
    }
  });

  it.each(services)('%s uses only declared named volumes and existing bind-mount sources', (name, s) => {
    for (const mount of mountsOf(s)) {
      if (mount.type === 'volume') expect(compose.volumes ?? {}, `${name} mounts volume ${mount.source}`).toHaveProperty([mount.source]);
      else expect(existsSync(hostFile(mount.source)), `${name} mounts ${mount.source}, which does not exist`).toBe(true);
    }
  });

  it('mounts only files and folders that exist under deploy/', () => {
    const deployMounts = services.flatMap(([, s]) => mountsOf(s)).filter((m) => m.type === 'bind');
    expect(deployMounts.length).toBeGreaterThan(0);
    for (const mount of deployMounts) {
      expect(path.relative(path.join(ROOT, 'deploy'), hostFile(mount.source)).startsWith('..'), `${mount.source} is outside deploy/`).toBe(false);
      expect(existsSync(hostFile(mount.source)), mount.source).toBe(true);
    }
  });

  it('publishes distinct host ports: API 3000, Temporal UI 8233 (the dev server UI port), Temporal 7233', () => {
    const published = services.flatMap(([name, s]) =>
      (s.ports ?? []).map((p) => {
        const hostPort = typeof p === 'object' ? String(p.published) : String(p).split(':').slice(-2, -1)[0];
        return `${name}=${hostPort}`;
      }),
    );
    expect(published.sort()).toEqual(['keel-api=3000', 'temporal-ui=8233', 'temporal=7233']);
  });

  it('orders startup with health and completion conditions', () => {
    expect(dependsOn(service('temporal-schema'))).toEqual({ 'temporal-postgresql': 'service_healthy' });
    expect(dependsOn(service('temporal'))).toEqual({ 'temporal-postgresql': 'service_healthy', 'temporal-schema': 'service_completed_successfully' });
    expect(dependsOn(service('temporal-setup'))).toEqual({ temporal: 'service_healthy' });
    for (const name of ['keel-postgres', 'temporal-postgresql', 'temporal']) expect(service(name).healthcheck, name).toBeDefined();
  });

  it('restarts long-running services and not the one-shots', () => {
    // The AI worker exits 0 without ANTHROPIC_API_KEY ("AI is off"), so it restarts on failure only.
    for (const [name, s] of services) expect(s.restart, name).toBe(ONE_SHOTS.includes(name) ? 'no' : name === 'keel-ai-worker' ? 'on-failure' : 'unless-stopped');
  });
});

describe('docker-compose.yml: keel services', () => {
  const keelServices = services.filter(([name]) => KEEL_SERVICES.includes(name));

  it('builds the keel image for exactly the keel services', () => {
    expect(services.filter(([, s]) => s.build).map(([name]) => name).sort()).toEqual([...KEEL_SERVICES].sort());
    expect(new Set(keelServices.map(([, s]) => s.image)).size).toBe(1);
  });

  it.each(keelServices)('%s gets DATABASE_URL (keel-postgres) and TEMPORAL_ADDRESS (temporal:7233)', (_name, s) => {
    const env = environmentOf(s);
    expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(env.DATABASE_URL).toMatch(/^postgres(ql)?:\/\/[^@]+@keel-postgres:5432\/keel$/);
  });

  it.each(keelServices)('%s waits for keel-postgres (healthy) and temporal-setup (completed)', (_name, s) => {
    expect(dependsOn(s)).toMatchObject({ 'keel-postgres': 'service_healthy', 'temporal-setup': 'service_completed_successfully' });
  });

  it.each(keelServices)('%s runs an npm script that exists in package.json', (_name, s) => {
    const [npm, run, script] = argv(s.command);
    expect([npm, run]).toEqual(['npm', 'run']);
    expect(packageScripts).toHaveProperty([script!]);
  });

  it('runs two replicas of the cycle, exchange and db workers', () => {
    for (const name of ['keel-cycle-worker', 'keel-exchange-worker', 'keel-db-worker']) expect(service(name).deploy?.replicas, name).toBe(2);
  });

  it('gives every exchange worker the same KEEL_EXCHANGE_RPS (the server keeps the last poller value)', () => {
    const exchangeWorkers = services.filter(([, s]) => argv(s.command).includes('worker:exchange'));
    expect(exchangeWorkers.map(([name]) => name)).toEqual(['keel-exchange-worker']);
    // Compared before substitution: the same expression for every service, whatever the .env says.
    const values = new Set(exchangeWorkers.map(([name]) => environmentOf(raw.services[name]!).KEEL_EXCHANGE_RPS));
    expect(values.size).toBe(1);
    expect([...values][0]).toMatch(/^\$\{KEEL_EXCHANGE_RPS[:}-]/);
    // Every keel service shares one environment block, so no other role could send a different value either.
    const everyValue = new Set(keelServices.map(([name]) => environmentOf(raw.services[name]!).KEEL_EXCHANGE_RPS));
    expect(everyValue).toEqual(values);
  });

  it('pins the AI worker to one replica with stop-first updates, behind the "ai" profile', () => {
    const ai = service('keel-ai-worker');
    expect(ai.deploy?.replicas).toBe(1);
    expect(ai.deploy?.update_config?.order).toBe('stop-first');
    expect(ai.profiles).toEqual(['ai']);
    expect(argv(ai.command)).toEqual(['npm', 'run', 'worker:ai']);
    expect(environmentOf(raw.services['keel-ai-worker']!).ANTHROPIC_API_KEY).toMatch(/^\$\{ANTHROPIC_API_KEY/);
    // The API key goes to the AI worker only.
    for (const [name, s] of services) if (name !== 'keel-ai-worker') expect(environmentOf(s), name).not.toHaveProperty('ANTHROPIC_API_KEY');
  });

  it('starts the cycle from a one-shot behind the "start" profile', () => {
    const start = service('keel-start-cycle');
    expect(start.profiles).toEqual(['start']);
    expect(argv(start.command)).toEqual(['npm', 'run', 'keel', '--', 'start']);
  });

  it('serves the API on container port 8080 with a required token and a /health check', () => {
    const api = service('keel-api');
    const env = environmentOf(api);
    expect(env.KEEL_API_PORT).toBe('8080');
    expect(environmentOf(raw.services['keel-api']!).KEEL_API_TOKEN).toMatch(/^\$\{KEEL_API_TOKEN:\?/);
    const test = (api.healthcheck as { test: string[] }).test;
    expect(test.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
    expect(test[3]).toContain('/health');
  });

  // Settings that make no sense in this deployment: the embedded dev server (its CLI and its port: compose runs
  // Temporal as a service of its own) and the embedded database.
  const NOT_FROM_ENV_FILE = new Set(['TEMPORAL_CLI_PATH', 'TEMPORAL_DEV_PORT', 'KEEL_DATA_DIR']);

  it('passes every keel setting (src/config/settings.ts) to some keel service, so none is silently unreachable', () => {
    const passed = new Set(keelServices.flatMap(([name]) => Object.keys(environmentOf(raw.services[name]!))));
    const missing = Object.keys(settingsSchema.shape).filter((key) => !passed.has(key) && !NOT_FROM_ENV_FILE.has(key));
    expect(missing).toEqual([]);
  });

  it('gives live trading and the exchange keys to the exchange worker only', () => {
    const liveOnly = ['KEEL_LIVE_TRADING', 'KEEL_EXCHANGE_API_KEY', 'KEEL_EXCHANGE_API_SECRET', 'KEEL_LIVE_MAX_ORDER_NOTIONAL', 'KEEL_LIVE_MAX_DAILY_NOTIONAL'];
    for (const [name, s] of keelServices) {
      const env = environmentOf(s);
      for (const key of liveOnly) expect(key in env, `${name} ${key}`).toBe(name === 'keel-exchange-worker');
    }
  });

  it('tells each exchange worker how many replicas share the budget (KEEL_EXCHANGE_REPLICAS = deploy.replicas)', () => {
    const exchange = service('keel-exchange-worker');
    expect(Number(environmentOf(exchange).KEEL_EXCHANGE_REPLICAS)).toBe(exchange.deploy?.replicas);
  });
});


// --- Published ports ---

interface Binding {
  /** Host address the port is published on; undefined: all interfaces (Compose's default). */
  hostIp: string | undefined;
  hostPort: string | undefined;
  containerPort: string;
}

/** A ports entry in short ("[ip:][host:]container[/proto]") or long ({ target, published, host_ip }) syntax. */
function bindingOf(entry: NonNullable<Service['ports']>[number]): Binding {
  if (typeof entry === 'object') {
    const long = entry as { target?: string | number; published?: string | number; host_ip?: string };
    return { hostIp: long.host_ip, hostPort: long.published === undefined ? undefined : String(long.published), containerPort: String(long.target) };
  }
  const parts = String(entry).replace(/\/\w+$/, '').split(':');
  const containerPort = parts.pop()!;
  const hostPort = parts.pop();
  return { hostIp: parts.length > 0 ? parts.join(':') : undefined, hostPort, containerPort };
}

/** Published on every interface: no address, or the wildcard of either IP version. */
function onAllInterfaces(binding: Binding): boolean {
  return binding.hostIp === undefined || ['', '0.0.0.0', '::', '[::]'].includes(binding.hostIp);
}

describe('docker-compose.yml: published ports', () => {
  const rawPorts = (name: string) => (raw.services[name]?.ports ?? []).map(String);
  const temporalPorts = ['temporal', 'temporal-ui'];

  it('publishes no port on all interfaces by default', () => {
    const published = services.flatMap(([name, s]) => (s.ports ?? []).map((p) => [name, bindingOf(p)] as const));
    expect(published.length).toBeGreaterThan(0);
    for (const [name, binding] of published) expect(onAllInterfaces(binding), `${name} publishes ${binding.containerPort} on all interfaces`).toBe(false);
    // The check itself sees Compose's all-interfaces forms.
    for (const open of ['7233:7233', '0.0.0.0:7233:7233', '[::]:7233:7233', '7233', { target: 7233, published: 7233 }]) expect(onAllInterfaces(bindingOf(open)), JSON.stringify(open)).toBe(true);
  });

  it('binds Temporal\'s gRPC and Web UI ports to KEEL_TEMPORAL_BIND, 127.0.0.1 unless set (Temporal has no authentication)', () => {
    for (const name of temporalPorts) {
      expect(rawPorts(name).length, name).toBeGreaterThan(0);
      for (const port of rawPorts(name)) expect(port, name).toMatch(/^\$\{KEEL_TEMPORAL_BIND:-127\.0\.0\.1\}:/);
    }
    expect(bindingOf(service('temporal').ports![0]!)).toMatchObject({ hostIp: '127.0.0.1', hostPort: '7233', containerPort: '7233' });
    expect(bindingOf(service('temporal-ui').ports![0]!)).toMatchObject({ hostIp: '127.0.0.1', hostPort: '8233' });
  });

  it('binds the API port to its own setting, KEEL_API_BIND (127.0.0.1 unless set)', () => {
    expect(rawPorts('keel-api')).toEqual(['${KEEL_API_BIND:-127.0.0.1}:${KEEL_API_HOST_PORT:-3000}:8080']);
    expect(bindingOf(service('keel-api').ports![0]!)).toEqual({ hostIp: '127.0.0.1', hostPort: '3000', containerPort: '8080' });
  });

  it('opens the API without opening Temporal, and the reverse', () => {
    const hostIps = (env: Env) => {
      const loaded = interpolate(raw, { ...ENV_FOR_TESTS, ...env });
      return Object.fromEntries(['keel-api', ...temporalPorts].map((name) => [name, (loaded.services[name]!.ports ?? []).map((p) => bindingOf(p).hostIp)]));
    };
    expect(hostIps({ KEEL_API_BIND: '0.0.0.0' })).toEqual({ 'keel-api': ['0.0.0.0'], temporal: ['127.0.0.1'], 'temporal-ui': ['127.0.0.1'] });
    expect(hostIps({ KEEL_TEMPORAL_BIND: '10.0.0.5' })).toEqual({ 'keel-api': ['127.0.0.1'], temporal: ['10.0.0.5'], 'temporal-ui': ['10.0.0.5'] });
  });

  it('passes the API\'s proxy and login-limit settings to keel-api', () => {
    const env = environmentOf(raw.services['keel-api']!);
    for (const key of ['KEEL_API_TRUST_PROXY', 'KEEL_API_SECURE_COOKIE', 'KEEL_API_AUTH_FAILURES_PER_MINUTE']) expect(env[key], key).toBe(`\${${key}:-}`);
  });
});
// --- Temporal ---

describe('docker-compose.yml: Temporal', () => {
  it('pins temporalio/server and temporalio/admin-tools to the same release', () => {
    const server = service('temporal').image!.split(':')[1]!;
    expect(server).toMatch(/^\d+\.\d+\.\d+$/);
    for (const name of ['temporal-schema', 'temporal-setup']) {
      const tools = service(name).image!;
      expect(tools.startsWith('temporalio/admin-tools:'), name).toBe(true);
      expect(tools.split(':')[1] === server || tools.split(':')[1]!.startsWith(`${server}-`), `${name}: ${tools}`).toBe(true);
    }
  });

  it('runs the server on PostgreSQL, reachable from other containers', () => {
    const env = environmentOf(service('temporal'));
    expect(env).toMatchObject({ DB: 'postgres12', BIND_ON_IP: '0.0.0.0', POSTGRES_SEEDS: 'temporal-postgresql' });
  });

  it('mounts the dynamic config file, with one partition per task queue', () => {
    const temporal = service('temporal');
    const file = environmentOf(temporal).DYNAMIC_CONFIG_FILE_PATH!;
    const mount = mountsOf(temporal).find((m) => file.startsWith(`${m.target}/`));
    expect(mount, `no mount covers ${file}`).toBeDefined();
    const onHost = path.join(hostFile(mount!.source), path.relative(mount!.target, file));
    const config = parse(readFileSync(onHost, 'utf8')) as Record<string, { value: unknown; constraints?: unknown }[]>;
    for (const key of ['matching.numTaskqueueReadPartitions', 'matching.numTaskqueueWritePartitions']) {
      expect(config[key], key).toEqual([{ value: 1, constraints: {} }]);
    }
  });

  it.each(['temporal-schema', 'temporal-setup'])('%s runs a mounted script with /bin/sh', (name) => {
    const s = service(name);
    expect(argv(s.entrypoint)).toEqual(['/bin/sh']);
    const [script] = argv(s.command);
    expect(mountsOf(s).map((m) => m.target)).toContain(script);
  });

  it('registers exactly keel\'s search attributes (KEEL_SEARCH_ATTRIBUTE_FLAGS)', () => {
    const listed = environmentOf(service('temporal-setup')).KEEL_SEARCH_ATTRIBUTES!.split(/\s+/).filter(Boolean);
    expect([...listed].sort()).toEqual([...KEEL_SEARCH_ATTRIBUTE_FLAGS].sort());
  });

  it('creates the same namespace the keel services use', () => {
    const namespace = environmentOf(service('temporal-setup')).TEMPORAL_NAMESPACE;
    for (const name of KEEL_SERVICES) expect(environmentOf(service(name)).TEMPORAL_NAMESPACE, name).toBe(namespace);
    expect(environmentOf(service('temporal-ui')).TEMPORAL_DEFAULT_NAMESPACE).toBe(namespace);
  });
});

// --- .env.example ---

describe('.env.example', () => {
  const lines = readFileSync(path.join(ROOT, '.env.example'), 'utf8').split('\n');
  const entries = new Map(lines.filter((l) => /^[A-Z_][A-Z0-9_]*=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  const referenced = referencedVariables(raw);

  it('lists every variable docker-compose.yml uses, and no other', () => {
    expect([...entries.keys()].sort()).toEqual([...referenced.keys()].sort());
  });

  it('comments every variable (a comment above it, or above the group of variables it belongs to)', () => {
    const isVariable = (line: string | undefined) => line !== undefined && /^[A-Z_][A-Z0-9_]*=/.test(line);
    lines.forEach((line, i) => {
      if (!isVariable(line)) return;
      let above = i - 1;
      while (isVariable(lines[above])) above--;
      expect(lines[above]?.startsWith('#'), `${line} has no comment above it`).toBe(true);
    });
  });

  it('agrees with the defaults written in docker-compose.yml', () => {
    for (const [name, example] of entries) {
      const fallback = referenced.get(name);
      if (example !== '' && fallback !== undefined) expect(example, name).toBe(fallback);
    }
  });

  it('loads with the example values once KEEL_API_TOKEN is filled in', () => {
    const env = Object.fromEntries(entries);
    expect(() => interpolate(raw, env)).toThrow(/KEEL_API_TOKEN/);
    const loaded = interpolate(raw, { ...env, KEEL_API_TOKEN: 'test-token-0123456789abcdef' });
    expect(loaded).toEqual(compose);
  });
});

// --- Dockerfile ---

describe('Dockerfile', () => {
  const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('builds on node:20-bookworm-slim with npm ci from the lock file', () => {
    expect(instructions[0]).toBe('FROM node:20-bookworm-slim');
    expect(instructions.some((l) => /^RUN npm ci\b/.test(l))).toBe(true);
    expect(instructions.some((l) => /^COPY .*package-lock\.json.*\.npmrc/.test(l))).toBe(true);
  });

  it('runs as a non-root user', () => {
    const users = instructions.filter((l) => l.startsWith('USER '));
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^USER (root|0)(:|$)/);
  });

  it('runs npm scripts through bash, so SIGTERM reaches the worker (dash would swallow it)', () => {
    expect(instructions.some((l) => l.startsWith('ENV ') && /\bnpm_config_script_shell=\/bin\/bash\b/.test(l))).toBe(true);
  });

  it('defaults to a worker', () => {
    const cmd = instructions.filter((l) => l.startsWith('CMD ')).at(-1)!;
    const [npm, run, script] = JSON.parse(cmd.slice(4)) as string[];
    expect([npm, run]).toEqual(['npm', 'run']);
    expect(script).toMatch(/^worker:/);
    expect(packageScripts).toHaveProperty([script!]);
  });

  it('keeps the build context small (.dockerignore excludes node_modules, .git and .env)', () => {
    const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['node_modules', '.git', '.env']) expect(ignored).toContain(entry);
    for (const copied of ['package.json', 'package-lock.json', '.npmrc', 'src', 'bin', 'tsconfig.json']) expect(ignored).not.toContain(copied);
  });
});

// --- deploy/ scripts ---

function shellScripts(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return shellScripts(full);
    return entry.name.endsWith('.sh') ? [full] : [];
  });
}

const scripts = shellScripts(path.join(ROOT, 'deploy'));
const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;

describe('deploy/ shell scripts', () => {
  it('exist', () => {
    expect(scripts.map((s) => path.relative(ROOT, s)).sort()).toEqual(['deploy/temporal/setup-namespace.sh', 'deploy/temporal/setup-postgres.sh']);
  });

  it.each(scripts.map((s) => [path.relative(ROOT, s), s]))('%s is POSIX sh and parses with sh -n', (_rel, file) => {
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe('#!/bin/sh');
    expect(() => execFileSync('sh', ['-n', file], { stdio: 'pipe' })).not.toThrow();
    expect(statSync(file).mode & 0o111).not.toBe(0);
  });

  it.skipIf(!hasShellcheck).each(scripts.map((s) => [path.relative(ROOT, s), s]))('%s passes shellcheck -s sh', (_rel, file) => {
    const result = spawnSync('shellcheck', ['-s', 'sh', file], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

// The scripts run under `sh` against stub `temporal` / `temporal-sql-tool` commands that record their arguments.
describe('deploy/ scripts against stub CLIs', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'keel-deploy-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  function stub(name: string, body: string): string {
    const bin = path.join(work, 'bin');
    execFileSync('mkdir', ['-p', bin]);
    writeFileSync(path.join(bin, name), `#!/bin/sh\nprintf '%s\\n' "$*" >> "$STUB_STATE/calls"\n${body}\n`);
    chmodSync(path.join(bin, name), 0o755);
    return bin;
  }

  function runScript(script: string, serviceName: string, state: string) {
    const bin = path.join(work, 'bin');
    const env = { ...environmentOf(service(serviceName)), PATH: `${bin}:${process.env.PATH ?? ''}`, STUB_STATE: state, SETUP_SLEEP_SECONDS: '0', SETUP_MAX_ATTEMPTS: '5' };
    const result = spawnSync('sh', [path.join(ROOT, script)], { env, encoding: 'utf8' });
    const calls = existsSync(path.join(state, 'calls')) ? readFileSync(path.join(state, 'calls'), 'utf8').trim().split('\n') : [];
    return { status: result.status, output: result.stdout + result.stderr, calls };
  }

  it('setup-postgres.sh creates and migrates both databases, retrying until PostgreSQL accepts logins', () => {
    stub(
      'temporal-sql-tool',
      // The first `create` fails (a server still starting up), later calls succeed.
      `case "$*" in *" create") if [ ! -f "$STUB_STATE/up" ]; then touch "$STUB_STATE/up"; exit 1; fi ;; esac\nexit 0`,
    );
    const state = mkdtempSync(path.join(work, 'pg-'));
    const { status, output, calls } = runScript('deploy/temporal/setup-postgres.sh', 'temporal-schema', state);
    expect(status, output).toBe(0);
    const prefix = '--plugin postgres12 --ep temporal-postgresql -p 5432 -u temporal';
    expect(calls).toEqual([
      `${prefix} --db temporal create`,
      `${prefix} --db temporal create`,
      `${prefix} --db temporal setup-schema -v 0.0`,
      `${prefix} --db temporal update-schema --schema-name postgresql/v12/temporal`,
      `${prefix} --db temporal_visibility create`,
      `${prefix} --db temporal_visibility setup-schema -v 0.0`,
      `${prefix} --db temporal_visibility update-schema --schema-name postgresql/v12/visibility`,
    ]);
    // The password travels in SQL_PASSWORD (read by temporal-sql-tool), not on the command line.
    expect(environmentOf(service('temporal-schema')).SQL_PASSWORD).toBeTruthy();
  });

  it('setup-namespace.sh waits for health, creates the namespace once and adds all search attributes', () => {
    stub(
      'temporal',
      `case "$1 $2 $3" in
  "operator cluster health") if [ -f "$STUB_STATE/healthy" ]; then exit 0; fi; touch "$STUB_STATE/healthy"; exit 1 ;;
  "operator namespace describe") [ -f "$STUB_STATE/namespace" ] ;;
  "operator namespace create") touch "$STUB_STATE/namespace" ;;
  "operator search-attribute create")
    shift 3
    while [ $# -gt 0 ]; do if [ "$1" = "--name" ]; then printf '  %s  Keyword\\n' "$2" >> "$STUB_STATE/attributes"; fi; shift; done ;;
  "operator search-attribute list") echo "  WorkflowId  Keyword"; cat "$STUB_STATE/attributes" 2>/dev/null ;;
  *) echo "unexpected: $*" >&2; exit 2 ;;
esac`,
    );
    const state = mkdtempSync(path.join(work, 'ns-'));
    const first = runScript('deploy/temporal/setup-namespace.sh', 'temporal-setup', state);
    expect(first.status, first.output).toBe(0);
    const address = '--address temporal:7233';
    expect(first.calls.filter((c) => c.startsWith('operator cluster health'))).toHaveLength(2);
    expect(first.calls).toContain(`operator namespace create --namespace default --retention 72h ${address}`);

    const creates = first.calls.filter((c) => c.startsWith('operator search-attribute create'));
    expect(creates).toHaveLength(1);
    const pairs = [...creates[0]!.matchAll(/--name (\S+) --type (\S+)/g)].map((m) => `${m[1]}=${m[2]}`);
    expect(pairs.sort()).toEqual([...KEEL_SEARCH_ATTRIBUTE_FLAGS].sort());

    // A second run (every `docker compose up`) finds the namespace and creates nothing new.
    writeFileSync(path.join(state, 'calls'), '');
    const second = runScript('deploy/temporal/setup-namespace.sh', 'temporal-setup', state);
    expect(second.status, second.output).toBe(0);
    expect(second.calls.some((c) => c.startsWith('operator namespace create'))).toBe(false);
  });

  it('setup-namespace.sh fails when the search attributes cannot be added', () => {
    stub('temporal', `case "$1 $2 $3" in "operator search-attribute create") exit 1 ;; "operator search-attribute list") exit 0 ;; *) exit 0 ;; esac`);
    const state = mkdtempSync(path.join(work, 'fail-'));
    const { status, output } = runScript('deploy/temporal/setup-namespace.sh', 'temporal-setup', state);
    expect(status).not.toBe(0);
    expect(output).toMatch(/giving up: search attributes/);
  });
});
