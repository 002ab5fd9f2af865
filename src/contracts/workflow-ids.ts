/** Workflow ids are business keys: starting the same thing twice finds the existing execution instead of duplicating it. */
export function cycleWorkflowId(exchange: string, name: string): string {
  return `cycle/${exchange}/${name}`;
}

/** One coin in one tick: a tick redone after a crash finds finished coins by id and does not repeat them. */
export function coinWorkflowId(cycleId: string, tickTs: number, symbol: string): string {
  return `${cycleId}/${tickTs}/${symbol}`;
}

export function orderWorkflowId(cycleId: string, tickTs: number, symbol: string, side: string): string {
  return `${cycleId}/${tickTs}/${symbol}/order-${side}`;
}
