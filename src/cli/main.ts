import { parseArgs } from 'node:util';
import { Client, Connection, WorkflowUpdateFailedError } from '@temporalio/client';
import { loadSettings, SettingsError } from '../config/settings.js';
import { pauseSignal, resumeSignal, statusQuery, updateConfigUpdate } from '../contracts/messages.js';
import { cycleWorkflowId } from '../contracts/workflow-ids.js';
import { cycleConfigFromSettings } from '../workers/cycle-config-from-settings.js';
import { withReplayStart } from '../workers/market-start.js';
import { createGateway } from '../workers/adapters.js';
import { withRiskLayerDefaults } from '../domain/risk-layer-config.js';
import { startOrAttachCycle, webUiWorkflowUrl } from '../temporal/cycle-client.js';
import { parseConfigAssignments } from './config-patch.js';
import { formatStatus } from './format-status.js';
import { createDatabase } from '../db/client.js';
import { listAnalyses } from '../db/queries/ai-analyses.js';
import { CliUsageError, FINDINGS_USAGE, parseFindingsCommand, type FindingsCommand } from './findings-args.js';
import { runFindings } from './findings.js';
import { runBacktestCli } from './backtest.js';
import { ORDERS_USAGE, parseOrdersCommand, runOrders, type OrdersCommand } from './orders.js';

const USAGE = `keel: control durable market cycles

usage: keel <command> [options]

commands:
  start                     start the cycle from settings (KEEL_* env), or attach if it runs
  status                    phase, tick, last tick summary of a cycle
  pause [--reason TEXT]     finish the current tick, then start no new one
  resume                    start ticking again
  config show               print the running cycle's config
  config set KEY=VALUE...   change settings (e.g. risk.maxOpenPositions=20 signal.buyThreshold=0.1)
  list                      market cycles known to Temporal
  analyses [--symbol S]     recorded AI analyses of the cycle, newest first (needs DATABASE_URL)
  backtest [--replay-dir DIR] [--config KEY=VALUE]... [--json]
                            run the cycle's decisions over recorded candles, no Temporal needed (keel backtest --help);
                            with --sweep KEY=V1,V2 every combination runs on the keel-backtest workers, ranked
  findings [EXCHANGE/NAME] [--open]
                            reconciliation findings of the cycle, newest first (needs DATABASE_URL)
  findings ack [EXCHANGE/NAME] KIND REF --note TEXT [--by NAME]
                            say a finding was handled: audit row (by cli:NAME, default $USER), then the cycle releases the coin
  orders [--limit N]        filled orders of the cycle, oldest tick first, sells before buys, then by symbol; --json as a
                            backtest lists them: {"orders":[{tickTs,symbol,side,amount,price,fee,reason}]} (needs DATABASE_URL)

options:
  --exchange ID   market/exchange of the cycle (default: KEEL_MARKET, sim)
  --name NAME     cycle name (default: KEEL_CYCLE_NAME, main)
  --json          machine-readable output
environment: TEMPORAL_ADDRESS (default 127.0.0.1:7233), TEMPORAL_NAMESPACE (default "default")`;

async function main(argv: string[]): Promise<number> {
  // The backtester takes flags of its own and needs neither Temporal nor a database.
  if (argv[0] === 'backtest') {
    const interactive = process.stderr.isTTY === true;
    return runBacktestCli(argv.slice(1), loadSettings(), {
      out: (text) => console.log(text),
      err: (text) => console.error(text),
      ...(interactive && { status: (line: string) => process.stderr.write(`\r\x1b[2K${line}`) }),
    });
  }
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      exchange: { type: 'string' },
      name: { type: 'string' },
      reason: { type: 'string' },
      symbol: { type: 'string' },
      limit: { type: 'string' },
      open: { type: 'boolean' },
      note: { type: 'string' },
      by: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  const settings = loadSettings();
  if (command === 'analyses') {
    return showAnalyses(settings, cycleWorkflowId(values.exchange ?? settings.KEEL_MARKET, values.name ?? settings.KEEL_CYCLE_NAME), values);
  }
  if (command === 'orders') {
    let parsed: OrdersCommand;
    try {
      parsed = parseOrdersCommand(rest, values, { exchange: values.exchange ?? settings.KEEL_MARKET, name: values.name ?? settings.KEEL_CYCLE_NAME });
    } catch (error) {
      if (!(error instanceof CliUsageError)) throw error;
      console.error(`${error.message}\n\n${ORDERS_USAGE}`);
      return 2;
    }
    return runOrders(parsed, settings, { out: (text) => console.log(text), err: (text) => console.error(text) });
  }
  if (command === 'findings') {
    let parsed: FindingsCommand;
    try {
      parsed = parseFindingsCommand(rest, values, { exchange: values.exchange ?? settings.KEEL_MARKET, name: values.name ?? settings.KEEL_CYCLE_NAME, user: process.env.USER });
    } catch (error) {
      if (!(error instanceof CliUsageError)) throw error;
      console.error(`${error.message}\n\n${FINDINGS_USAGE}`);
      return 2;
    }
    return runFindings(parsed, settings, (human, data) => console.log(values.json ? JSON.stringify(data, null, 2) : human));
  }
  const address = settings.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
  const connection = await Connection.connect({ address }).catch((error: unknown) => {
    throw new Error(`cannot reach Temporal at ${address} (${(error as Error).message}); is \`npm start\` running, or TEMPORAL_ADDRESS set?`);
  });
  const client = new Client({ connection, namespace: settings.TEMPORAL_NAMESPACE });
  const workflowId = cycleWorkflowId(values.exchange ?? settings.KEEL_MARKET, values.name ?? settings.KEEL_CYCLE_NAME);
  const handle = client.workflow.getHandle(workflowId);
  const print = (human: string, data: unknown) => console.log(values.json ? JSON.stringify(data, null, 2) : human);
  try {
    switch (command) {
      case 'start': {
        const config = settings.KEEL_MARKET === 'replay' ? await withReplayStart(cycleConfigFromSettings(settings), createGateway(settings)) : cycleConfigFromSettings(settings);
        const { handle: started, started: isNew } = await startOrAttachCycle(client, config);
        print(`${isNew ? 'started' : 'already running'}: ${started.workflowId}\n${webUiWorkflowUrl(`http://localhost:${settings.TEMPORAL_UI_PORT}`, settings.TEMPORAL_NAMESPACE, started.workflowId)}`, { workflowId: started.workflowId, started: isNew });
        return 0;
      }
      case 'status': {
        const status = await handle.query(statusQuery);
        print(formatStatus(status), status);
        return 0;
      }
      case 'pause':
        await handle.signal(pauseSignal, values.reason ?? 'paused from the keel CLI');
        print(`pause sent to ${workflowId}: the current tick finishes, then no new tick starts`, { workflowId, signal: 'pause' });
        return 0;
      case 'resume':
        await handle.signal(resumeSignal);
        print(`resume sent to ${workflowId}`, { workflowId, signal: 'resume' });
        return 0;
      case 'config': {
        const [sub, ...assignments] = rest;
        if (sub === 'show') {
          const status = await handle.query(statusQuery);
          // Every setting, the risk layer's defaults included (cycles started before it hold none of its sections).
          console.log(JSON.stringify(withRiskLayerDefaults(status.config), null, 2));
          return 0;
        }
        if (sub === 'set' && assignments.length > 0) {
          const config = await handle.executeUpdate(updateConfigUpdate, { args: [parseConfigAssignments(assignments)] });
          print(`config updated on ${workflowId}`, config);
          return 0;
        }
        console.error('usage: keel config show | keel config set KEY=VALUE...');
        return 2;
      }
      case 'list': {
        const rows: string[] = [];
        for await (const wf of client.workflow.list({ query: 'WorkflowType = "marketCycle"' })) {
          rows.push(`${wf.workflowId}  ${wf.status.name}  started ${wf.startTime.toISOString()}`);
        }
        console.log(rows.length > 0 ? rows.join('\n') : 'no market cycles');
        return 0;
      }
      default:
        console.error(`unknown command "${command}"\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) {
      console.error(`rejected: ${(error.cause as Error | undefined)?.message ?? error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await connection.close();
  }
}

/** Recorded AI analyses, read from PostgreSQL; needs no Temporal connection. */
async function showAnalyses(settings: ReturnType<typeof loadSettings>, workflowId: string, values: { symbol?: string; limit?: string; json: boolean }): Promise<number> {
  const print = (human: string, data: unknown) => console.log(values.json ? JSON.stringify(data, null, 2) : human);
  if (!settings.DATABASE_URL) {
    console.error('keel analyses reads PostgreSQL: set DATABASE_URL (the embedded database belongs to the running `npm start` process)');
    return 2;
  }
  const limit = Number(values.limit ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    console.error(`--limit must be a whole number from 1 to 1000 (got ${values.limit})`);
    return 2;
  }
  const database = await createDatabase({ url: settings.DATABASE_URL });
  try {
    const rows = await listAnalyses(database.db, { cycleId: workflowId, ...(values.symbol && { symbol: values.symbol }), limit });
    print(
      rows.length === 0
        ? `no AI analyses recorded for ${workflowId}${values.symbol ? ` and ${values.symbol}` : ''}`
        : rows
            .map((a) => `${new Date(a.analyzedAtMs).toISOString()}  ${a.symbol.padEnd(12)} ${a.status.padEnd(16)} signal ${a.signalAction} ${a.signalScore} → ${a.action ?? '-'} ${a.confidence ?? ''}  ${a.inputTokens}+${a.outputTokens} tok  ${a.costUsd === null ? '' : `$${a.costUsd.toFixed(4)}`}  ${a.rationale ?? a.errorMessage ?? ''}`)
            .join('\n'),
      rows,
    );
  } finally {
    await database.close();
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // An unknown or incomplete option is a usage error (exit 2), like every command's own argument checks.
    if (error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('ERR_PARSE_ARGS_')) {
      console.error(`keel: ${error.message}\nrun \`keel --help\` for the commands and their options`);
      process.exit(2);
    }
    console.error(error instanceof SettingsError ? error.message : `keel: ${(error as Error).message ?? String(error)}`);
    process.exit(1);
  },
);
