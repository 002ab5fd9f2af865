import type { Client } from '@temporalio/client';
import type { Database } from '../db/client.js';
import { ApiError } from './errors.js';

/** What route handlers share: the Temporal client (with a deadline on every call) and the optional database. */
export interface ApiContext {
  client: Client;
  namespace: string;
  /** Runs Temporal calls under a deadline, so a stalled server or a missing worker cannot hang a request forever. */
  temporal<T>(fn: () => Promise<T>): Promise<T>;
  /** The database the workers write, or UNAVAILABLE when this API runs without one. */
  database(): Database;
}

export function createApiContext(options: { client: Client; namespace: string; db: Database | undefined; temporalTimeoutMs: number }): ApiContext {
  const { client, namespace, db, temporalTimeoutMs } = options;
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
  };
}
