// The whole schema, as drizzle-kit and the typed `Database` see it.
export { candles } from './candles.js';
export { ticks } from './ticks.js';
export { signals } from './signals.js';
export { orders } from './orders.js';
export { positions } from './positions.js';
export { paperOrders } from './paper-orders.js';
export { balances } from './balances.js';
export { aiAnalyses } from './ai-analyses.js';
export { reconciliationFindings } from './reconciliation-findings.js';
export { findingAcknowledgements } from './finding-acknowledgements.js';
export { liveOrderReservations } from './live-order-reservations.js';
export { backtestRuns, backtestOrders } from './backtest-runs.js';
