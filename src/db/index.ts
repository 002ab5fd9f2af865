// keel's persistence adapter: PostgreSQL (DATABASE_URL) or embedded PGlite, through drizzle.
export { createDatabase } from './client.js';
export type { Database, DatabaseOptions, KeelDatabase } from './client.js';
export { redactUrl, toKeelDatabaseError, withDatabaseErrors } from './errors.js';
export * from './queries/candles.js';
export * from './queries/ticks.js';
export * from './queries/orders.js';
export { createPaperLedger } from './queries/paper-ledger.js';
