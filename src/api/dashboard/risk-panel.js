/* global document */
// The cycle's risk layer on the dashboard: what guards it runs, a drawdown halt, and each buy lock with its reason and
// expiry (the status query's `risk` block and the cycle's config). Written with textContent only, as the rest.
import { $, cell, emptyRow } from './page.js';

const percent = (fraction) => `${Number((fraction * 100).toPrecision(3))} %`;

/** One line per part of the risk layer that is on, in words. */
function riskSettings(config, risk) {
  const lines = [];
  const drawdown = config?.guards?.maxDrawdown;
  if (drawdown) {
    const hard = drawdown.hardLimitFraction === null ? '' : `; at ${percent(drawdown.hardLimitFraction)} everything is sold and the cycle pauses`;
    lines.push(`drawdown guard: buys stop for ${drawdown.blockCandles} candles once equity is ${percent(drawdown.fraction)} below its ${drawdown.windowCandles}-candle high${hard}`);
  }
  const stopGuard = config?.guards?.stopLossGuard;
  if (stopGuard) lines.push(`stop-loss guard: ${stopGuard.stops} stops within ${stopGuard.windowCandles} candles lock buys ${stopGuard.perPair ? 'of that coin' : 'of every coin'} for ${stopGuard.lockCandles} candles`);
  const lowProfit = config?.guards?.lowProfitPairs;
  if (lowProfit) lines.push(`low-profit lock: a coin whose trades over ${lowProfit.windowCandles} candles sum below ${percent(lowProfit.minProfitFraction)} is locked for ${lowProfit.lockCandles} candles`);
  const where = risk.stops === 'checked_each_tick' ? 'checked by keel at each candle close' : risk.stops === 'on_exchange' ? 'resting on the exchange as stop-market sells, and checked by keel at each candle close' : risk.stops;
  lines.push(`${risk.protectedPositions} ${risk.protectedPositions === 1 ? 'position' : 'positions'} with exit levels (${where})`);
  if (config?.regimeGate?.enabled) lines.push(`market regime: ${risk.marketRegime === null ? 'not yet seen' : risk.marketRegime.replace('_', ' ')}`);
  return lines;
}

/** Shows the risk section for a cycle whose status carries a risk block, and hides it otherwise. */
export function renderRisk(status) {
  const risk = status?.risk;
  $('#risk').hidden = risk === undefined;
  if (risk === undefined) return;

  const settings = riskSettings(status.config, risk).map((line) => {
    const li = document.createElement('li');
    li.textContent = line;
    return li;
  });
  $('#risk-settings').replaceChildren(...settings);

  const halt = $('#risk-halt');
  halt.hidden = risk.halt === null;
  halt.textContent = risk.halt === null ? '' : `Halted by the drawdown guard: ${risk.halt}. Everything was sold; resume the cycle to trade again.`;

  const rows = risk.locks.map((lock) => {
    const tr = document.createElement('tr');
    const left = lock.untilTick - status.tickNo;
    tr.append(cell(lock.guard), cell(lock.symbol ?? 'all coins'), cell(lock.reason, 'reason'), cell(`#${lock.untilTick}`, 'num'), cell(left <= 1 ? 'after this tick' : `${left} ticks`, 'num'));
    return tr;
  });
  $('#locks tbody').replaceChildren(...rows);
  if (rows.length === 0) $('#locks tbody').append(emptyRow(5, 'no buy locks'));
}
