import type { Client } from '@temporalio/client';
import type { Database } from '../db/client.js';
import type { CycleConfig } from '../domain/cycle-config.js';
import { webUiWorkflowUrl } from '../temporal/cycle-client.js';
import { ApiError } from './errors.js';
import { ReadCache } from './read-cache.js';

/** What route handlers share: the Temporal client (with a deadline on every call) and the optional database. */
export interface ApiContext {
  client: Client;
  namespace: string;
  /** Runs Temporal calls under a deadline, so a stalled server or a missing worker cannot hang a request forever. */
  temporal<T>(fn: () => Promise<T>): Promise<T>;
  /** The database the workers write, or UNAVAILABLE when this API runs without one. */
  database(): Database;
  /** Base URL of the Temporal Web UI, without a trailing slash. */
  temporalUiUrl: string;
  /** The Web UI page of a workflow. */
  workflowUrl(workflowId: string): string;
  /** Settings every cycle started through the API gets (before the request's own), e.g. the task-queue prefix. */
  cycleDefaults: Partial<CycleConfig>;
  /** Single-flight, short-lived answers of reads: the status query and the record routes (see ReadCache). */
  cache: ReadCache;
}

export function createApiContext(options: {
  client: Client;
  namespace: string;
  db: Database | undefined;
  temporalTimeoutMs: number;
  temporalUiUrl: string;
  cycleDefaults: Partial<CycleConfig>;
  readCacheMs: number;
}): ApiContext {
  const { client, namespace, db, temporalTimeoutMs, cycleDefaults } = options;
  const temporalUiUrl = options.temporalUiUrl.replace(/\/+$/, '');
  return {
    client,
    namespace,
    temporal: (fn) => client.withDeadline(Date.now() + temporalTimeoutMs, fn),
    database() {
      if (db === undefined) {
        throw new ApiError('UNAVAILABLE', 'this API runs without a database: start it with DATABASE_URL set to the PostgreSQL database the workers write');
      }
      return db;
    },
    temporalUiUrl,
    workflowUrl: (workflowId) => webUiWorkflowUrl(temporalUiUrl, namespace, workflowId),
    cycleDefaults,
    cache: new ReadCache(options.readCacheMs),
  };
}
