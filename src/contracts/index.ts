export * from './ai-types.js';
export * from './activity-types.js';
export * from './messages.js';
export * from './search-attributes.js';
export * from './task-queues.js';
export * from './workflow-ids.js';
export * from './workflow-types.js';
export * from './backtest-types.js';
