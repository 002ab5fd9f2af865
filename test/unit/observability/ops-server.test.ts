import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createKeelMetrics } from '../../../src/observability/metrics.js';
import { startOpsServer, type OpsServer, type OpsServerOptions, type WorkerLike } from '../../../src/observability/ops-server.js';

const worker = (taskQueue: string, state = 'RUNNING'): WorkerLike => ({ getState: () => state, options: { taskQueue } });

describe('ops server: /metrics, /healthz, /readyz', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  async function start(options: Partial<OpsServerOptions> = {}): Promise<OpsServer> {
    const server = await startOpsServer({ port: 0, metrics: createKeelMetrics(), workers: () => [worker('keel-db')], ...options });
    closers.push(() => server.close());
    return server;
  }

  /** A stand-in for the Temporal Core runtime's Prometheus endpoint. */
  async function fakeSdkEndpoint(body: string, status = 200): Promise<string> {
    const server = http.createServer((req, res) => {
      res.writeHead(req.url === '/metrics' ? status : 404, { 'content-type': 'text/plain' });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  }

  const get = async (server: OpsServer, path: string, method = 'GET') => {
    const response = await fetch(`${server.url}${path}`, { method });
    return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text() };
  };

  it('binds the asked port, 0 meaning any free one, on 127.0.0.1 by default', async () => {
    const server = await start();
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });

  it('serves keel\'s series followed by the SDK\'s exposition, in the Prometheus text format', async () => {
    const metrics = createKeelMetrics();
    metrics.rowsWritten('candles', 42);
    const sdk = '# HELP temporal_workflow_completed Count of successfully completed workflows\n# TYPE temporal_workflow_completed counter\ntemporal_workflow_completed{task_queue="keel-cycle"} 3\n';
    const server = await start({ metrics, sdkMetricsUrl: await fakeSdkEndpoint(sdk) });
    const response = await get(server, '/metrics');
    expect(response.status).toBe(200);
    expect(response.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(response.text).toContain('keel_db_rows_written_total{table="candles"} 42\n');
    expect(response.text.endsWith(sdk)).toBe(true);
    expect(response.text.indexOf('keel_db_rows_written_total')).toBeLessThan(response.text.indexOf('temporal_workflow_completed'));
  });

  it('still serves keel\'s series when the SDK endpoint fails, saying so in a comment', async () => {
    const broken = await start({ sdkMetricsUrl: await fakeSdkEndpoint('oops', 500) });
    const one = await get(broken, '/metrics');
    expect(one.status).toBe(200);
    expect(one.text).toContain('# HELP keel_tick_duration_seconds');
    expect(one.text).toMatch(/^# Temporal SDK metrics unavailable: .* answered 500$/m);

    const gone = await start({ sdkMetricsUrl: 'http://127.0.0.1:1/metrics' });
    const two = await get(gone, '/metrics');
    expect(two.status).toBe(200);
    expect(two.text).toMatch(/^# Temporal SDK metrics unavailable: http:\/\/127\.0\.0\.1:1\/metrics: /m);
  });

  it('is live whatever the workers do', async () => {
    const server = await start({ workers: () => [worker('keel-db', 'FAILED')] });
    const response = await get(server, '/healthz');
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toMatchObject({ status: 'ok' });
  });

  it('is ready only when every worker is RUNNING and every check passes', async () => {
    let workers = [worker('keel-cycle'), worker('keel-db')];
    let dbUp = true;
    const server = await start({
      workers: () => workers,
      checks: {
        database: async () => {
          if (!dbUp) throw new Error('connection refused');
        },
      },
    });
    const ready = await get(server, '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.type).toContain('application/json');
    expect(JSON.parse(ready.text)).toEqual({
      ready: true,
      workers: [
        { taskQueue: 'keel-cycle', state: 'RUNNING' },
        { taskQueue: 'keel-db', state: 'RUNNING' },
      ],
      checks: { database: 'ok' },
    });

    workers = [worker('keel-cycle', 'DRAINING'), worker('keel-db')];
    dbUp = false;
    const notReady = await get(server, '/readyz');
    expect(notReady.status).toBe(503);
    const report = JSON.parse(notReady.text) as { ready: boolean; reason: string; checks: Record<string, string> };
    expect(report.ready).toBe(false);
    expect(report.reason).toBe('worker of task queue keel-cycle is DRAINING; database: connection refused');
    expect(report.checks).toEqual({ database: 'connection refused' });

    workers = [];
    dbUp = true;
    const none = await get(server, '/readyz');
    expect(none.status).toBe(503);
    expect(JSON.parse(none.text)).toMatchObject({ ready: false, reason: 'no Temporal worker yet' });
  });

  it('is not ready when a check hangs past the timeout', async () => {
    const server = await start({ checks: { database: () => new Promise(() => undefined) }, checkTimeoutMs: 50 });
    const response = await get(server, '/readyz');
    expect(response.status).toBe(503);
    expect(JSON.parse(response.text)).toMatchObject({ reason: 'database: database did not answer within 50 ms' });
  });

  it('answers 404 for other paths and 405 for other methods; HEAD works for probes', async () => {
    const server = await start();
    expect((await get(server, '/nope')).status).toBe(404);
    expect((await get(server, '/metrics', 'POST')).status).toBe(405);
    const head = await get(server, '/healthz', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect((await get(server, '/readyz?verbose=1')).status).toBe(200);
  });

  it('closes promptly even with a kept-alive connection, and close is idempotent', async () => {
    const server = await startOpsServer({ port: 0, metrics: createKeelMetrics(), workers: () => [] });
    const agent = new http.Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      http.get(`${server.url}/healthz`, { agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      }).on('error', reject);
    });
    const started = Date.now();
    await Promise.all([server.close(), server.close()]);
    expect(Date.now() - started).toBeLessThan(1000);
    agent.destroy();
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });

  it('rejects when the port is taken', async () => {
    const first = await start();
    await expect(startOpsServer({ port: first.port, metrics: createKeelMetrics(), workers: () => [] })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
