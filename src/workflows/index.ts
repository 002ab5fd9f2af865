// The workflow bundle's entry (workflowsPath). One workflow per file; names must stay unique.
export { marketCycle } from './market-cycle.js';
export { coinCycle } from './coin-cycle.js';
export { orderExecution } from './order-execution.js';
export { aiAnalysis } from './ai-analysis.js';
export { backtestSweep } from './backtest-sweep.js';
export { workingOrderStep } from './working-order-step.js';
