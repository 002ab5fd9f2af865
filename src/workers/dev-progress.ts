import type { Client, WorkflowHandle } from '@temporalio/client';
import { statusQuery } from '../contracts/messages.js';
import type { CycleStatus } from '../contracts/workflow-types.js';
import { formatMoney } from '../domain/money-format.js';

const POLL_MS = 1_000;
/** A status query that takes longer (a busy or stopping worker) is dropped; the next poll asks again. */
const QUERY_DEADLINE_MS = 5_000;

/** One line per tick for `npm start`'s terminal; equity at the quote currency's precision. */
export function progressLine(status: CycleStatus): string {
  const t = status.lastTick!;
  const candle = new Date(t.tickTs).toISOString().replace('T', ' ').slice(0, 16);
  return `tick ${String(t.tickNo).padStart(4)} │ candle ${candle} │ ${t.evaluated}/${t.coins} coins${t.failed ? ` (${t.failed} failed)` : ''} │ ${t.buys} buys ${t.sells} sells │ ${(t.durationMs / 1000).toFixed(1)} s │ equity ${formatMoney(t.equity, status.config.quote)} │ ${status.openPositions} positions${status.inDoubt.length > 0 ? ` │ ${status.inDoubt.length} in doubt (not traded until reconciled)` : ''}`;
}

/**
 * Polls the cycle's status query once a second and prints a line per completed tick and on pause, resume and
 * finish. One query at a time, each under a deadline; `stop` waits for the one in flight, so the Temporal connection
 * is never closed under it.
 */
export function startProgressLines(client: Client, handle: WorkflowHandle, say: (line: string) => void): { stop(): Promise<void> } {
  let lastPrinted = -1;
  let lastPhase = '';
  let inFlight: Promise<void> | undefined;
  const show = (status: CycleStatus) => {
    if (status.lastTick && status.lastTick.tickNo !== lastPrinted) {
      lastPrinted = status.lastTick.tickNo;
      say(progressLine(status));
    }
    if (status.phase !== lastPhase && (status.phase === 'paused' || lastPhase === 'paused' || status.phase === 'finished')) say(`cycle ${status.phase}`);
    lastPhase = status.phase;
  };
  const timer = setInterval(() => {
    if (inFlight) return;
    inFlight = client
      .withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query(statusQuery))
      // The query fails briefly during continue-as-new, and while workers stop; the next poll succeeds.
      .then(show, () => undefined)
      .finally(() => {
        inFlight = undefined;
      });
  }, POLL_MS);
  return {
    async stop() {
      clearInterval(timer);
      await inFlight;
    },
  };
}
