import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadSettings, redactUrl, SettingsError, type Settings } from '../config/settings.js';
import { statusQuery } from '../contracts/messages.js';
import { taskQueuesFor } from '../contracts/task-queues.js';
import type { CycleStatus } from '../contracts/workflow-types.js';
import { timeframeMs } from '../domain/market-types.js';
import { createLogger } from '../observability/logger.js';
import { createKeelMetrics } from '../observability/metrics.js';
import { startOrAttachCycle, webUiWorkflowUrl } from '../temporal/cycle-client.js';
import { isPortOpen, startDevServer, type DevServer } from '../temporal/dev-server.js';
import { registerSearchAttributes } from '../temporal/register-search-attributes.js';
import { ensureTemporalCli } from '../temporal/temporal-cli.js';
import { buildAdapters } from './adapters.js';
import { AnthropicAnalyst } from '../ai/anthropic-analyst.js';
import { createAiWorker } from './create-ai-worker.js';
import { createKeelWorkers } from './create-workers.js';
import { cycleConfigFromSettings } from './cycle-config-from-settings.js';
import { withReplayStart } from './market-start.js';
import { runWorkersUntilSignal } from './serve.js';
import { opsSettingsFromEnv, startProcessOps } from './ops.js';
import { installTemporalRuntimeWithMetrics } from './temporal-runtime.js';

const DEFAULT_PORT = 7233;
const say = (line: string) => console.log(`keel │ ${line}`);

/** Uses TEMPORAL_ADDRESS, else a server already on :7233, else starts a dev server persisted in the data folder. */
async function connectTemporal(settings: Readonly<Settings>): Promise<{ address: string; uiUrl: string | null; server: DevServer | null }> {
  if (settings.TEMPORAL_ADDRESS) return { address: settings.TEMPORAL_ADDRESS, uiUrl: null, server: null };
  if (await isPortOpen(DEFAULT_PORT)) {
    say(`a Temporal server already answers on 127.0.0.1:${DEFAULT_PORT}; using it`);
    return { address: `127.0.0.1:${DEFAULT_PORT}`, uiUrl: `http://localhost:${settings.TEMPORAL_UI_PORT}`, server: null };
  }
  const cliPath = ensureTemporalCli(settings.TEMPORAL_CLI_PATH, say);
  const dataDir = path.join(settings.dataDirAbs, 'temporal');
  say(`starting the Temporal dev server (${cliPath}), history kept in ${dataDir}`);
  const server = await startDevServer({ cliPath, dataDir, port: DEFAULT_PORT, ui: true, uiPort: settings.TEMPORAL_UI_PORT, namespace: settings.TEMPORAL_NAMESPACE });
  return { address: server.address, uiUrl: `http://localhost:${settings.TEMPORAL_UI_PORT}`, server };
}

function progressLine(status: CycleStatus): string {
  const t = status.lastTick!;
  const candle = new Date(t.tickTs).toISOString().replace('T', ' ').slice(0, 16);
  return `tick ${String(t.tickNo).padStart(4)} │ candle ${candle} │ ${t.evaluated}/${t.coins} coins${t.failed ? ` (${t.failed} failed)` : ''} │ ${t.buys} buys ${t.sells} sells │ ${(t.durationMs / 1000).toFixed(1)} s │ equity ${Number(t.equity).toFixed(2)} ${status.config.quote} │ ${status.openPositions} positions${status.inDoubt.length > 0 ? ` │ ${status.inDoubt.length} in doubt (not traded until reconciled)` : ''}`;
}

async function main(): Promise<void> {
  const settings = loadSettings();
  const logger = createLogger(settings.LOG_LEVEL === 'info' ? 'warn' : settings.LOG_LEVEL, { name: 'keel-dev' });
  const ops = opsSettingsFromEnv();
  const sdkMetricsUrl = await installTemporalRuntimeWithMetrics(logger, 'WARN');
  const metrics = createKeelMetrics({ processMetrics: true });
  const clock = cycleConfigFromSettings(settings).clock;
  say(`market ${settings.KEEL_MARKET} · ${settings.KEEL_COINS} coins · ${settings.KEEL_TIMEFRAME} candles · ${clock} clock · ${settings.KEEL_LIVE_TRADING ? 'LIVE trading' : 'paper trading'}`);

  const temporal = await connectTemporal(settings);
  say(`database: ${settings.DATABASE_URL ? `PostgreSQL ${redactUrl(settings.DATABASE_URL)}` : `embedded PGlite in ${path.join(settings.dataDirAbs, 'pglite')}`}`);
  const adapters = await buildAdapters(settings);
  say(`exchange: ${adapters.description}`);

  const nativeConnection = await NativeConnection.connect({ address: temporal.address });
  const connection = await Connection.connect({ address: temporal.address });
  if (!temporal.server) await registerSearchAttributes(connection, settings.TEMPORAL_NAMESPACE);
  const client = new Client({ connection, namespace: settings.TEMPORAL_NAMESPACE });

  const config = await withReplayStart(cycleConfigFromSettings(settings), adapters.gateway);
  if (settings.KEEL_MARKET === 'replay' && config.maxTicks !== null) {
    const lastTickMs = config.marketStartMs + (config.maxTicks - 1) * timeframeMs(config.timeframe);
    say(`replay: ${config.maxTicks} ticks, candle closes ${new Date(config.marketStartMs).toISOString()} to ${new Date(lastTickMs).toISOString()}; the cycle finishes at the end of the data`);
  }
  const workers = await createKeelWorkers({
    connection: nativeConnection,
    namespace: settings.TEMPORAL_NAMESPACE,
    queues: taskQueuesFor(config.taskQueuePrefix, config.exchange),
    roles: ['cycle', 'exchange', 'db'],
    db: adapters.database.db,
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
    workers.push(
      await createAiWorker({
        connection: nativeConnection,
        namespace: settings.TEMPORAL_NAMESPACE,
        queues: taskQueuesFor(config.taskQueuePrefix, config.exchange),
        analyst,
        db: adapters.database.db,
        budget: {
          ...(settings.KEEL_AI_DAILY_TOKEN_BUDGET !== undefined && { dailyTokens: settings.KEEL_AI_DAILY_TOKEN_BUDGET }),
          ...(settings.KEEL_AI_DAILY_COST_BUDGET_USD !== undefined && { dailyCostUsd: settings.KEEL_AI_DAILY_COST_BUDGET_USD }),
        },
        metrics,
      }),
    );
    say(`AI analysis on: ${settings.KEEL_AI_MODEL}, one request at a time on its own queue`);
  } else {
    say('AI analysis off (set ANTHROPIC_API_KEY to turn it on)');
  }
  const opsServer = await startProcessOps({ ...ops, logger, metrics, sdkMetricsUrl, workers: () => workers, db: adapters.database.db, whenPortTaken: 'warn' });
  if (opsServer) say(`metrics and health: ${opsServer.url}/metrics, /healthz, /readyz`);
  const running = runWorkersUntilSignal(workers, logger, async () => {
    clearInterval(progress);
    await opsServer?.close();
    await adapters.close();
    await nativeConnection.close();
    await connection.close();
    await temporal.server?.stop();
    say('stopped. The cycle is durable: `npm start` picks it up where it left off.');
  });

  const { handle, started } = await startOrAttachCycle(client, config);
  say(started ? `started market cycle ${handle.workflowId}` : `market cycle ${handle.workflowId} was already running: resuming it (its own config applies; change it with \`npm run keel -- config set\`)`);
  if (temporal.uiUrl) {
    say(`Temporal Web UI: ${temporal.uiUrl}`);
    say(`this cycle:      ${webUiWorkflowUrl(temporal.uiUrl, settings.TEMPORAL_NAMESPACE, handle.workflowId)}`);
  }
  say('the first tick loads the warm-up candles of every coin; Ctrl-C stops, `npm run keel -- pause` pauses');

  let lastPrinted = -1;
  let lastPhase = '';
  const progress = setInterval(() => {
    handle.query(statusQuery).then(
      (status) => {
        if (status.lastTick && status.lastTick.tickNo !== lastPrinted) {
          lastPrinted = status.lastTick.tickNo;
          say(progressLine(status));
        }
        if (status.phase !== lastPhase && (status.phase === 'paused' || lastPhase === 'paused' || status.phase === 'finished')) say(`cycle ${status.phase}`);
        lastPhase = status.phase;
      },
      () => undefined, // the query fails briefly during continue-as-new; the next poll succeeds
    );
  }, 1_000);
  await running;
}

main().catch((error: unknown) => {
  console.error(error instanceof SettingsError ? error.message : `keel: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
