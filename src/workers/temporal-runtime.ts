import { DefaultLogger, Runtime, makeTelemetryFilterString, type LogEntry, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../observability/logger.js';
import { freePort } from '../temporal/dev-server.js';

export interface TemporalRuntimeOptions {
  /**
   * Where the Core runtime serves its own Prometheus endpoint (`host:port`, e.g. `127.0.0.1:9465`), with the SDK's
   * worker metrics (slots, pollers, latencies, workflow completions). keel's ops server scrapes it and serves it with
   * keel's own series; keep it on 127.0.0.1. Absent: the SDK's metrics are not exported.
   */
  prometheusBindAddress?: string;
}

let installed = false;
let sdkMetricsUrl: string | null = null;

/**
 * Where the installed runtime serves the SDK's Prometheus metrics (`http://127.0.0.1:<port>/metrics`), or null when
 * it was installed without a prometheusBindAddress (or not installed yet).
 */
export function temporalSdkMetricsUrl(): string | null {
  return sdkMetricsUrl;
}

/**
 * Maps an SDK log entry to keel's logger fields. Workflow entries carry workflowId, runId and workflowType;
 * activity entries workflowId, workflowRunId (copied to runId, so one field finds both), activityId and activityType.
 * The activity task token (long, base64, useless in a log search) is dropped.
 */
export function temporalLogFields(entry: Pick<LogEntry, 'meta'>): Record<string, unknown> {
  const { taskToken: _taskToken, ...meta } = (entry.meta ?? {}) as Record<string, unknown>;
  if (meta.runId === undefined && meta.workflowRunId !== undefined) meta.runId = meta.workflowRunId;
  return { ...meta, source: 'temporal' };
}

/** The DefaultLogger sink: SDK, workflow and activity logs into keel's structured logger. */
export function routeTemporalLogs(logger: Logger): (entry: LogEntry) => void {
  return (entry) => {
    // Expected for single-purpose workers (a workflow-only queue has no activities): not worth a warning.
    if (entry.message.startsWith('No activities registered') || entry.message.startsWith('No workflows registered')) return;
    const method = entry.level === 'ERROR' ? 'error' : entry.level === 'WARN' ? 'warn' : entry.level === 'INFO' ? 'info' : 'debug';
    logger[method](temporalLogFields(entry), entry.message);
  };
}

/**
 * Installs the Temporal runtime once per process, routing SDK and workflow logs (with their workflow ids) into
 * keel's structured logger. Shutdown signals are left to keel's entrypoints so Ctrl-C can stop things in order.
 * Throws when the prometheus bind address is taken (the runtime stays uninstalled, so a caller may try another).
 */
export function installTemporalRuntime(logger: Logger, level: LogLevel = 'INFO', options: TemporalRuntimeOptions = {}): void {
  if (installed) return;
  Runtime.install({
    shutdownSignals: [],
    logger: new DefaultLogger(level, routeTemporalLogs(logger)),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }), forward: {} },
      ...(options.prometheusBindAddress !== undefined && { metrics: { prometheus: { bindAddress: options.prometheusBindAddress } } }),
    },
  });
  installed = true;
  if (options.prometheusBindAddress !== undefined) sdkMetricsUrl = `http://${options.prometheusBindAddress}/metrics`;
}

/**
 * installTemporalRuntime with the SDK's Prometheus exporter on a free 127.0.0.1 port (retried if another process
 * takes the port first). Returns the URL to scrape, for the ops server; null if the runtime was already installed
 * without metrics.
 */
export async function installTemporalRuntimeWithMetrics(logger: Logger, level: LogLevel = 'INFO'): Promise<string | null> {
  if (installed) return sdkMetricsUrl;
  for (let attempt = 1; ; attempt++) {
    const bindAddress = `127.0.0.1:${await freePort()}`;
    try {
      installTemporalRuntime(logger, level, { prometheusBindAddress: bindAddress });
      return sdkMetricsUrl;
    } catch (error) {
      if (attempt >= 3 || !/address already in use/i.test(error instanceof Error ? error.message : String(error))) throw error;
    }
  }
}
