import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KeelMetrics } from './metrics.js';

/** What readiness needs of a Temporal Worker (structurally: `Worker` from @temporalio/worker fits). */
export interface WorkerLike {
  getState(): string;
  readonly options: { readonly taskQueue: string };
}

export interface OpsServerOptions {
  /** TCP port; 0 picks a free one (see `OpsServer.port`). */
  port: number;
  /** Interface to listen on. Default 127.0.0.1; containers scraped from outside need 0.0.0.0. */
  host?: string;
  metrics: KeelMetrics;
  /**
   * The Temporal Core runtime's own Prometheus endpoint (`http://127.0.0.1:<port>/metrics`, see
   * installTemporalRuntime's prometheusBindAddress); its series are appended to keel's. Null or absent: keel's only.
   */
  sdkMetricsUrl?: string | null;
  /** The process's Workers, read at every /readyz (the list may grow after the server starts). */
  workers: () => readonly WorkerLike[];
  /** Further readiness checks by name (e.g. database: `select 1`); each must resolve within checkTimeoutMs. */
  checks?: Record<string, () => Promise<unknown>>;
  /** Per-check and SDK-scrape timeout. Default 2000 ms. */
  checkTimeoutMs?: number;
}

export interface OpsServer {
  /** The bound port (the real one when 0 was asked for). */
  readonly port: number;
  /** `http://<host>:<port>`. */
  readonly url: string;
  close(): Promise<void>;
}

export interface ReadinessReport {
  ready: boolean;
  /** Why not ready; absent when ready. */
  reason?: string;
  workers: Array<{ taskQueue: string; state: string }>;
  checks: Record<string, 'ok' | string>;
}

const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const DEFAULT_TIMEOUT_MS = 2_000;

function withTimeout<T>(what: string, ms: number, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work(), timeout]).finally(() => clearTimeout(timer));
}

/** Readiness: every Worker RUNNING (and at least one), and every check resolving in time. */
export async function readiness(options: Pick<OpsServerOptions, 'workers' | 'checks' | 'checkTimeoutMs'>): Promise<ReadinessReport> {
  const timeoutMs = options.checkTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const workers = options.workers().map((w) => ({ taskQueue: w.options.taskQueue, state: w.getState() }));
  const checks: Record<string, string> = {};
  await Promise.all(
    Object.entries(options.checks ?? {}).map(async ([name, check]) => {
      try {
        await withTimeout(name, timeoutMs, check);
        checks[name] = 'ok';
      } catch (error) {
        checks[name] = error instanceof Error ? error.message : String(error);
      }
    }),
  );
  const reasons: string[] = [];
  if (workers.length === 0) reasons.push('no Temporal worker yet');
  for (const w of workers) if (w.state !== 'RUNNING') reasons.push(`worker of task queue ${w.taskQueue} is ${w.state}`);
  for (const [name, result] of Object.entries(checks)) if (result !== 'ok') reasons.push(`${name}: ${result}`);
  return reasons.length === 0 ? { ready: true, workers, checks } : { ready: false, reason: reasons.join('; '), workers, checks };
}

/** The Core runtime's exposition, or a comment saying why it is missing (keel's series are served either way). */
async function scrapeSdk(url: string, timeoutMs: number): Promise<string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return `# Temporal SDK metrics unavailable: ${url} answered ${response.status}\n`;
    return await response.text();
  } catch (error) {
    return `# Temporal SDK metrics unavailable: ${url}: ${error instanceof Error ? error.message : String(error)}\n`;
  }
}

/**
 * One small HTTP server per process for operations:
 * - GET /metrics: keel's registry, then the Temporal SDK's worker metrics (Prometheus text format 0.0.4);
 * - GET /healthz: liveness, 200 while the process serves requests;
 * - GET /readyz: readiness, 200 when every Worker is RUNNING and every check passes, else 503; both with a JSON body.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const host = options.host ?? '127.0.0.1';
  const timeoutMs = options.checkTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const sdkUrl = options.sdkMetricsUrl ?? null;

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' });
      res.end();
      return;
    }
    if (path === '/metrics') {
      const [keel, sdk] = await Promise.all([options.metrics.exposition(), sdkUrl === null ? Promise.resolve('') : scrapeSdk(sdkUrl, timeoutMs)]);
      res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' });
      res.end(sdk === '' ? keel : `${keel.endsWith('\n') ? keel : `${keel}\n`}${sdk}`);
    } else if (path === '/healthz') {
      json(res, 200, { status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
    } else if (path === '/readyz') {
      const report = await readiness({ ...options, checkTimeoutMs: timeoutMs });
      json(res, report.ready ? 200 : 503, report);
    } else {
      json(res, 404, { code: 'NotFound', message: 'routes: GET /metrics, /healthz, /readyz' });
    }
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { code: 'Internal', message: error instanceof Error ? error.message : String(error) });
      else res.destroy();
    });
  });
  // Probes and scrapers keep connections alive; closing must not wait for them.
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  let closed: Promise<void> | undefined;
  return {
    port,
    url: `http://${urlHost}:${port}`,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
