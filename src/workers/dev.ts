import path from 'node:path';
import { Client } from '@temporalio/client';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { loadSettings, redactUrl, SettingsError, type Settings } from '../config/settings.js';
import { taskQueuesFor } from '../contracts/task-queues.js';
import { timeframeMs } from '../domain/market-types.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { createKeelMetrics } from '../observability/metrics.js';
import { connectClient } from '../temporal/client-connection.js';
import { startOrAttachCycle, webUiWorkflowUrl } from '../temporal/cycle-client.js';
import { isPortOpen, startDevServer, type DevServer } from '../temporal/dev-server.js';
import { registerSearchAttributes } from '../temporal/register-search-attributes.js';
import { ensureTemporalCli } from '../temporal/temporal-cli.js';
import { buildAdapters } from './adapters.js';
import { AnthropicAnalyst } from '../ai/anthropic-analyst.js';
import { createAiWorker } from './create-ai-worker.js';
import { createKeelWorkers } from './create-workers.js';
import { cycleConfigFromSettings } from './cycle-config-from-settings.js';
import { startDevApi, type DevApi } from './dev-api.js';
import { startProgressLines } from './dev-progress.js';
import { withReplayStart } from './market-start.js';
import { opsSettingsFromEnv, startProcessOps } from './ops.js';
import { ShutdownSequence } from './shutdown.js';
import { backtestWorkerPlan } from './serve.js';
import { installTemporalRuntimeWithMetrics } from './temporal-runtime.js';

const say = (line: string) => console.log(`keel │ ${line}`);

/** Uses TEMPORAL_ADDRESS, else a server already on TEMPORAL_DEV_PORT, else starts a dev server persisted in the data folder. */
async function connectTemporal(settings: Readonly<Settings>): Promise<{ address: string; uiUrl: string | null; server: DevServer | null }> {
  if (settings.TEMPORAL_ADDRESS) return { address: settings.TEMPORAL_ADDRESS, uiUrl: null, server: null };
  const port = settings.TEMPORAL_DEV_PORT;
  if (await isPortOpen(port)) {
    say(`a Temporal server already answers on 127.0.0.1:${port}; using it`);
    return { address: `127.0.0.1:${port}`, uiUrl: `http://localhost:${settings.TEMPORAL_UI_PORT}`, server: null };
  }
  const cliPath = ensureTemporalCli(settings.TEMPORAL_CLI_PATH, say);
  const dataDir = path.join(settings.dataDirAbs, 'temporal');
  say(`starting the Temporal dev server (${cliPath}), history kept in ${dataDir}`);
  // Detached: Ctrl-C reaches keel alone, which stops the server after the workers are done with it.
  const server = await startDevServer({ cliPath, dataDir, port, ui: true, uiPort: settings.TEMPORAL_UI_PORT, namespace: settings.TEMPORAL_NAMESPACE, detached: true });
  return { address: server.address, uiUrl: `http://localhost:${settings.TEMPORAL_UI_PORT}`, server };
}

function sayDashboard(api: DevApi | null, settings: Readonly<Settings>): void {
  if (!api) {
    say(`no dashboard: ports ${settings.KEEL_API_PORT}-${settings.KEEL_API_PORT + 9} are all taken; set KEEL_API_PORT to a free port`);
    return;
  }
  if (api.takenPort !== undefined) say(`port ${api.takenPort} (KEEL_API_PORT) is taken: the API and dashboard listen on ${api.port} instead`);
  say(`dashboard:       ${api.url}  (log in with ${api.generatedToken ? 'the API token below' : 'your KEEL_API_TOKEN'})`);
  if (api.generatedToken) say(`API token:       ${api.token}  (made up for this run; set KEEL_API_TOKEN to keep one)`);
  say(`API:             curl -H "Authorization: Bearer ${api.generatedToken ? api.token : '$KEEL_API_TOKEN'}" ${api.url}v1/cycles`);
}

/**
 * Opens everything in order, registering each piece with `shutdown` as it opens, then waits for a stop signal. The
 * shutdown sequence closes them last opened first: progress line and API (no new work), workers (drained), Temporal
 * connections, database, dev server. A signal during start-up stops it at the next step.
 */
async function run(settings: Readonly<Settings>, logger: Logger, shutdown: ShutdownSequence): Promise<void> {
  const ops = opsSettingsFromEnv();
  const sdkMetricsUrl = await installTemporalRuntimeWithMetrics(logger, 'WARN');
  // The runtime shuts itself down when its last worker and connection close; stopped during start-up, before any
  // opened, it must be shut down here, or its log forwarding keeps the process alive after "stopped".
  const runtime = Runtime.instance();
  shutdown.defer('the Temporal runtime', () => runtime.shutdown());
  const metrics = createKeelMetrics({ processMetrics: true });
  const clock = cycleConfigFromSettings(settings).clock;
  say(`market ${settings.KEEL_MARKET} · ${settings.KEEL_COINS} coins · ${settings.KEEL_TIMEFRAME} candles · ${clock} clock · ${settings.KEEL_LIVE_TRADING ? 'LIVE trading' : 'paper trading'}`);

  let temporal: Awaited<ReturnType<typeof connectTemporal>>;
  try {
    temporal = await connectTemporal(settings);
  } catch (error) {
    // Ctrl-C while the dev server starts can reach it between its fork and its own process group (Node's detached
    // spawn): it dies of the signal meant for keel. Stopping was asked for, so that is a stop, not a failure.
    if (shutdown.requested) return;
    throw error;
  }
  const devServer = temporal.server;
  if (devServer) shutdown.defer('the Temporal dev server', () => devServer.stop());
  if (shutdown.requested) return;
  say(`database: ${settings.DATABASE_URL ? `PostgreSQL ${redactUrl(settings.DATABASE_URL)}` : `embedded PGlite in ${path.join(settings.dataDirAbs, 'pglite')}`}`);
  const adapters = await buildAdapters(settings);
  shutdown.defer('the database and exchange connection', () => adapters.close());
  if (shutdown.requested) return;
  say(`exchange: ${adapters.description}`);

  const nativeConnection = await NativeConnection.connect({ address: temporal.address });
  shutdown.defer("the workers' Temporal connection", () => nativeConnection.close());
  const connection = await connectClient(temporal.address);
  shutdown.defer('the Temporal client connection', () => connection.close());
  if (!temporal.server) await registerSearchAttributes(connection, settings.TEMPORAL_NAMESPACE);
  const client = new Client({ connection, namespace: settings.TEMPORAL_NAMESPACE });

  const config = await withReplayStart(cycleConfigFromSettings(settings), adapters.gateway);
  if (settings.KEEL_MARKET === 'replay' && config.maxTicks !== null) {
    const lastTickMs = config.marketStartMs + (config.maxTicks - 1) * timeframeMs(config.timeframe);
    say(`replay: ${config.maxTicks} ticks, candle closes ${new Date(config.marketStartMs).toISOString()} to ${new Date(lastTickMs).toISOString()}; the cycle finishes at the end of the data`);
  }
  if (shutdown.requested) return;
  const queues = taskQueuesFor(config.taskQueuePrefix, config.exchange);
  const workers: Worker[] = await createKeelWorkers({
    connection: nativeConnection,
    namespace: settings.TEMPORAL_NAMESPACE,
    queues,
    roles: ['cycle', 'exchange', 'db', 'backtest'],
    db: adapters.database.db,
    // Sweeps (`keel backtest --sweep`) run here too, on threads of their own, so the cycle keeps its pace.
    backtest: backtestWorkerPlan(settings),
    gateway: adapters.gateway,
    broker: adapters.broker,
    ...(adapters.marketRules && { marketRules: adapters.marketRules }),
    ...(adapters.accountReader && { accountReader: adapters.accountReader }),
    ...(adapters.requestBudget && { requestBudget: adapters.requestBudget }),
    exchangeRequestsPerSecond: adapters.exchangeRequestsPerSecond,
    metrics,
  });
  if (settings.ANTHROPIC_API_KEY) {
    const analyst = new AnthropicAnalyst({ apiKey: settings.ANTHROPIC_API_KEY, model: settings.KEEL_AI_MODEL, maxTokens: settings.KEEL_AI_MAX_TOKENS, promptVersion: settings.KEEL_AI_PROMPT_VERSION });
    const budget = {
      ...(settings.KEEL_AI_DAILY_TOKEN_BUDGET !== undefined && { dailyTokens: settings.KEEL_AI_DAILY_TOKEN_BUDGET }),
      ...(settings.KEEL_AI_DAILY_COST_BUDGET_USD !== undefined && { dailyCostUsd: settings.KEEL_AI_DAILY_COST_BUDGET_USD }),
    };
    workers.push(await createAiWorker({ connection: nativeConnection, namespace: settings.TEMPORAL_NAMESPACE, queues, analyst, db: adapters.database.db, budget, metrics }));
    say(`AI analysis on: ${settings.KEEL_AI_MODEL}, one request at a time on its own queue`);
  } else {
    say('AI analysis off (set ANTHROPIC_API_KEY to turn it on)');
  }
  // Started even when a stop is already asked for: a created worker holds the connection until it has run and drained.
  const running = Promise.all(workers.map((w) => w.run()));
  shutdown.defer('the workers', async () => {
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  });
  if (shutdown.requested) return;

  const opsServer = await startProcessOps({ ...ops, logger, metrics, sdkMetricsUrl, workers: () => workers, db: adapters.database.db, whenPortTaken: 'warn' });
  if (opsServer) {
    shutdown.defer('the metrics endpoint', () => opsServer.close());
    say(`metrics and health: ${opsServer.url}/metrics, /healthz, /readyz`);
  }
  const temporalUiUrl = settings.KEEL_TEMPORAL_UI_URL ?? temporal.uiUrl ?? `http://localhost:${settings.TEMPORAL_UI_PORT}`;
  const api = await startDevApi({ settings, client, db: adapters.database.db, temporalUiUrl });
  if (api) shutdown.defer('the HTTP API', () => api.app.close());
  if (shutdown.requested) return;

  const { handle, started } = await startOrAttachCycle(client, config);
  say(started ? `started market cycle ${handle.workflowId}` : `market cycle ${handle.workflowId} was already running: resuming it (its own config applies; change it with \`npm run keel -- config set\`)`);
  if (temporal.uiUrl) {
    say(`Temporal Web UI: ${temporal.uiUrl}`);
    say(`this cycle:      ${webUiWorkflowUrl(temporal.uiUrl, settings.TEMPORAL_NAMESPACE, handle.workflowId)}`);
  }
  sayDashboard(api, settings);
  say('the first tick loads the warm-up candles of every coin; Ctrl-C stops, `npm run keel -- pause` pauses');
  const progress = startProgressLines(client, handle, say);
  shutdown.defer('the progress line', () => progress.stop());

  // Until Ctrl-C, or until the workers stop by themselves (a fatal worker error, reported when they are closed).
  await Promise.race([shutdown.requestedPromise, running.then(noop, noop)]);
  if (!shutdown.requested) say('the workers stopped; closing the rest');
}

const noop = () => undefined;

async function main(): Promise<void> {
  const settings = loadSettings();
  const logger = createLogger(settings.LOG_LEVEL === 'info' ? 'warn' : settings.LOG_LEVEL, { name: 'keel-dev' });
  const shutdown = new ShutdownSequence({
    onSignal: () => say('stopping: no new ticks or requests; the workers finish their in-flight tasks (Ctrl-C again to force)'),
    onCloseError: (name, error) => say(`stopping ${name} failed: ${error instanceof Error ? error.message : String(error)}`),
  });
  let clean: boolean;
  try {
    await run(settings, logger, shutdown);
  } finally {
    clean = await shutdown.close();
  }
  if (!clean) {
    process.exitCode = 1;
    return;
  }
  say('stopped. The cycle is durable: `npm start` picks it up where it left off.');
}

main().catch((error: unknown) => {
  console.error(error instanceof SettingsError ? error.message : `keel: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
