/** Task-queue names. The prefix isolates deployments (and test runs) that share one Temporal namespace. */
export interface TaskQueues {
  cycle: string;
  exchange: string;
  db: string;
  ai: string;
}

export function taskQueuesFor(prefix: string, exchange: string): TaskQueues {
  return {
    cycle: `${prefix}keel-cycle`,
    exchange: `${prefix}keel-exchange-${exchange}`,
    db: `${prefix}keel-db`,
    ai: `${prefix}keel-ai`,
  };
}
