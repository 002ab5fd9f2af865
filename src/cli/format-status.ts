import type { CycleStatus } from '../contracts/workflow-types.js';
import { formatMoney } from '../domain/money-format.js';

/** `keel status` for a person: money at the quote currency's precision (--json keeps every digit). */
export function formatStatus(s: CycleStatus): string {
  const last = s.lastTick;
  const quote = s.config.quote;
  return [
    `${s.cycleId}: ${s.phase}${s.paused ? ' (paused)' : ''}`,
    `  ticks done   ${s.tickNo}`,
    `  last tick    ${last ? `#${last.tickNo} ${new Date(last.tickTs).toISOString()}: ${last.evaluated}/${last.coins} coins, ${last.buys} buys, ${last.sells} sells, ${last.durationMs} ms` : 'none yet'}`,
    `  next tick    ${s.nextTickTs ? new Date(s.nextTickTs).toISOString() : 'next candle close'}`,
    `  cash         ${formatMoney(s.cash, quote)}, ${s.openPositions} open positions${last ? `, equity ${formatMoney(last.equity, quote)}` : ''}`,
    `  circuits     ${s.openCircuits.length > 0 ? s.openCircuits.join(', ') : 'all closed'}`,
    `  in doubt     ${s.inDoubt.length > 0 ? `${s.inDoubt.join(', ')} (not traded until a reconciliation clears them; GET …/findings says why)` : 'none'}`,
    ...(s.reconcileReason ? [`  reconcile    before the next tick: ${s.reconcileReason}`] : []),
    ...((s.dust ?? []).length > 0 ? [`  dust         ${s.dust.join(', ')} (below the market minimum: not sold, no slot taken)`] : []),
    ...(s.orderDoubts ?? []).map((d) => `  unknown fate ${d.symbol} ${d.clientOrderId}: ${d.reason}`),
    ...(s.risk === undefined
      ? []
      : [
          `  risk         ${s.risk.protectedPositions} positions with exit levels (checked by keel at each candle close${s.risk.stops === 'on_exchange' ? '; stops also resting on the exchange' : ''})${s.risk.marketRegime ? `, market regime ${s.risk.marketRegime}` : ''}`,
          ...(s.risk.halt ? [`  HALTED       ${s.risk.halt} (everything sold; resume to trade again)`] : []),
          ...s.risk.locks.map((l) => `  lock         ${l.symbol ?? 'all coins'} until tick ${l.untilTick} (${l.guard}): ${l.reason}`),
        ]),
    ...(s.working ?? []).map((o) => `  resting      ${o.side} ${o.amount} ${o.symbol} at ${o.limitPrice} post-only (re-price ${o.attempt}, ${o.clientOrderId})`),
    ...(s.exchangeStops ?? []).map((o) => `  stop         sell ${o.amount} ${o.symbol} at ${o.stopPrice}, resting on the exchange (${o.clientOrderId})`),
    ...(s.twaps ?? []).map((t) => `  twap         ${t.side} ${t.symbol}: ${t.slicesSent} of ${t.slices} slices sent, ${t.amountLeft} left, next at tick ${t.nextSliceTick} (${t.parentId})`),
  ].join('\n');
}
