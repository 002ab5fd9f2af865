import type { Position } from './portfolio-types.js';
import type { CoinEvaluation } from './signal-types.js';

/** Everything recorded for one completed tick, written in one transaction (the tick row, its signals, positions). */
export interface TickRecord {
  cycleId: string;
  tickNo: number;
  tickTs: number;
  startedAtMs: number;
  completedAtMs: number;
  coins: number;
  failedCoins: string[];
  evaluations: CoinEvaluation[];
  ordersPlaced: number;
  cash: string;
  equity: string;
  realizedPnl: string;
  positions: Position[];
}
