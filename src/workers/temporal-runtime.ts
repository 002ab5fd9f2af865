import { DefaultLogger, Runtime, makeTelemetryFilterString, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../observability/logger.js';

let installed = false;

/**
 * Installs the Temporal runtime once per process, routing SDK and workflow logs (with their workflow ids) into
 * keel's structured logger. Shutdown signals are left to keel's entrypoints so Ctrl-C can stop things in order.
 */
export function installTemporalRuntime(logger: Logger, level: LogLevel = 'INFO'): void {
  if (installed) return;
  installed = true;
  Runtime.install({
    shutdownSignals: [],
    logger: new DefaultLogger(level, (entry) => {
      // Expected for single-purpose workers (a workflow-only queue has no activities): not worth a warning.
      if (entry.message.startsWith('No activities registered') || entry.message.startsWith('No workflows registered')) return;
      const fields = { ...(entry.meta ?? {}), source: 'temporal' };
      const method = entry.level === 'ERROR' ? 'error' : entry.level === 'WARN' ? 'warn' : entry.level === 'INFO' ? 'info' : 'debug';
      logger[method](fields, entry.message);
    }),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }), forward: {} } },
  });
}
