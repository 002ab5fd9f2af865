export { createExchangeActivities } from './exchange-activities.js';
export type { ExchangeActivities, ExchangeActivityDeps } from './exchange-activities.js';
export { createDbActivities } from './db-activities.js';
export type { DbActivities, DbActivityDeps } from './db-activities.js';
export { toApplicationFailure } from './to-application-failure.js';
export { createBacktestActivities } from './backtest-activities.js';
export type { BacktestActivities, BacktestActivityDeps } from './backtest-activities.js';
