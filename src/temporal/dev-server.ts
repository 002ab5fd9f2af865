import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { KEEL_SEARCH_ATTRIBUTE_FLAGS } from '../contracts/search-attributes.js';

export interface DevServerOptions {
  cliPath: string;
  /** Folder for the SQLite file; omit for an in-memory server (tests). */
  dataDir?: string;
  port?: number;
  uiPort?: number;
  /** Start the Web UI (off in tests). */
  ui?: boolean;
  namespace?: string;
  /**
   * Run the server in its own process group, so a terminal's Ctrl-C (sent to the whole foreground group) reaches only
   * keel, which stops the server last, after its workers have finished their tasks against it.
   */
  detached?: boolean;
  /** More dynamic config values (`key=value`), e.g. a low limit.historyCount.suggestContinueAsNew in a test. */
  dynamicConfig?: Readonly<Record<string, string | number | boolean>>;
}

export interface DevServer {
  address: string;
  uiUrl: string | null;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function isPortOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** GOGC of the dev server keel starts (see startDevServer). */
export const DEV_SERVER_GOGC = 400;

/**
 * Starts `temporal server start-dev` with keel's search attributes registered and a generous child limit
 * (a 1000-coin tick has 1000 pending children). Resolves once the frontend answers (an open port is not enough: the
 * frontend refuses calls with 'Frontend is not healthy yet' for a moment after it binds).
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const port = options.port ?? (await freePort());
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--namespace', options.namespace ?? 'default', '--log-level', 'error'];
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    args.push('--db-filename', path.join(options.dataDir, 'temporal.db'));
    // WAL with synchronous=normal: survives process crashes (only an OS power loss can drop the last transactions)
    // and cuts an fsync per history write, which made persisted ticks several times slower than in-memory ones.
    args.push('--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
  }
  if (options.ui) args.push('--ui-port', String(options.uiPort ?? port + 1000));
  else args.push('--headless');
  for (const flag of KEEL_SEARCH_ATTRIBUTE_FLAGS) args.push('--search-attribute', flag);
  args.push('--dynamic-config-value', 'limit.numPendingChildExecutions.error=5000');
  args.push('--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true');
  // One partition per task queue: on a single local server, forwarding between partitions only adds dispatch latency
  // (and it keeps the exchange queue's server-side rate limit exact instead of divided across partitions).
  args.push('--dynamic-config-value', 'matching.numTaskqueueReadPartitions=1');
  args.push('--dynamic-config-value', 'matching.numTaskqueueWritePartitions=1');
  // The CLI's dev server turns this on (a test convenience): every visibility read reloads the search attributes from the
  // database. keel registers its attributes at start, so the cache is enough, and the reloads were about a fifth of a
  // tick's SQLite operations.
  args.push('--dynamic-config-value', 'system.forceSearchAttributesCacheRefreshOnRead=false');
  for (const [key, value] of Object.entries(options.dynamicConfig ?? {})) args.push('--dynamic-config-value', `${key}=${String(value)}`);

  // Go's collector took about 7 % of the server's CPU in a 250-coin tick (perf, 2026-12-04). GOGC=400 lets the heap
  // grow to five times what is live before collecting (Go's default: twice), trading tens of MB for fewer collections.
  // A GOGC the user sets wins.
  const env = { ...process.env, GOGC: process.env.GOGC ?? String(DEV_SERVER_GOGC) };
  const child = spawn(options.cliPath, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: options.detached ?? false, env });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Never leave an orphaned server holding the SQLite file if this process dies without a clean stop.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.removeListener('exit', killOnExit));

  const deadline = Date.now() + 60_000;
  await waitUntilFrontendAnswers(`127.0.0.1:${port}`, deadline, exited, () => stderr, () => child.kill('SIGKILL'));
  return {
    address: `127.0.0.1:${port}`,
    uiUrl: options.ui ? `http://127.0.0.1:${options.uiPort ?? port + 1000}` : null,
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Connects until the frontend answers (the client's connect calls GetSystemInfo, which fails while the port is closed
 * and while the frontend says it is not healthy yet), the server exits or the deadline passes.
 */
async function waitUntilFrontendAnswers(address: string, deadlineMs: number, exited: Promise<number | null>, stderr: () => string, kill: () => void): Promise<void> {
  for (;;) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      await connection.close();
      return;
    } catch (error) {
      const early = await Promise.race([exited, new Promise((r) => setTimeout(r, 150, 'waiting'))]);
      if (early !== 'waiting') throw new Error(`the Temporal dev server exited (code ${String(early)}) before it was ready:\n${stderr()}`);
      if (Date.now() > deadlineMs) {
        kill();
        throw new Error(`the Temporal dev server at ${address} did not answer within 60 s (${(error as Error).message}):\n${stderr()}`);
      }
    }
  }
}
