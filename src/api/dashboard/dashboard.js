/* global document, location, history */
// keel dashboard: vanilla JS over the same /v1 API, authenticated by the session cookie; state changes carry the
// session's CSRF token. Every value from the API is written with textContent, never as HTML.
import { lineChart } from './chart.js';
import { money, price } from './money.js';
import { renderRisk } from './risk-panel.js';
import { $, ApiFailure, api, cell, compact, emptyRow, singleFlight, startPage, utc } from './page.js';

const REFRESH_MS = 3000;
const state = { session: null, selected: decodeURIComponent(location.hash.slice(1)) || null, actions: new Set(), actionError: null, refreshError: null };

function showErrors() {
  const message = [state.actionError, state.refreshError].filter(Boolean).join(' · ');
  const box = $('#error');
  box.hidden = message === '';
  box.textContent = message;
}

// ---- formatting -------------------------------------------------------------------------------------------------

// Money (equity, cash, PnL, values) and prices go through money.js: the quote currency's precision (2 places for
// USDT, 8 for BTC). `number` is for everything else (scores, RSI).
const number = (value, digits = 2) => (Number.isFinite(value) ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '–');
const signed = (value, digits = 2) => (Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${number(value, digits)}` : '–');
const signedMoney = (value, quote) => money(value, quote, { signed: true });
// The cycle's quote currency: from its status, else from a record's symbol ("BTC/USDT").
const quoteOf = (status, ...records) => status?.config?.quote ?? records.flat().find((r) => typeof r?.symbol === 'string' && r.symbol.includes('/'))?.symbol.split('/')[1];
const shortUtc = (ms) => new Date(ms).toISOString().slice(5, 16).replace('T', ' ');
function ago(ms) {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  return s < 90 ? `${s} s ago` : s < 5400 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
}
const duration = (ms) => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);

// ---- DOM helpers ------------------------------------------------------------------------------------------------

function link(text, href, className) {
  const a = document.createElement('a');
  a.textContent = text;
  a.href = href;
  a.target = '_blank';
  a.rel = 'noopener noreferrer';
  if (className) a.className = className;
  return a;
}

function span(text, className) {
  const s = document.createElement('span');
  s.textContent = text;
  if (className) s.className = className;
  return s;
}

const workflowUrl = (workflowId) => state.session.workflowUrlTemplate.replace('WORKFLOW_ID', encodeURIComponent(workflowId));
// The coin child's workflow id, as src/contracts/workflow-ids.ts builds it: cycle/<exchange>/<name>/<tickTs>/<symbol>.
const coinUrl = (cycleId, tickTs, symbol) => workflowUrl(`${cycleId}/${tickTs}/${symbol}`);
const cyclePath = (workflowId) => `/v1/${workflowId.replace(/^cycle\//, 'cycles/')}`;

// ---- cycles -----------------------------------------------------------------------------------------------------

function stateOf(item, status) {
  if (item.status !== 'RUNNING') return { label: item.status.toLowerCase(), className: 'ended' };
  if (!status) return { label: 'running', className: 'running' };
  if (status.paused) return status.phase === 'paused' ? { label: 'paused', className: 'paused' } : { label: 'pausing', className: 'pausing' };
  return { label: 'running', className: 'running', detail: status.phase };
}

async function act(workflowId, action) {
  state.actions.add(workflowId);
  state.actionError = null;
  try {
    await api(`${cyclePath(workflowId)}/${action}`, action === 'pause' ? { method: 'POST', body: { reason: 'paused from the dashboard' } } : { method: 'POST' });
  } catch (error) {
    state.actionError = `${action} ${workflowId}: ${error.message}`;
  } finally {
    state.actions.delete(workflowId);
    await refresh();
  }
}

function renderCycles(rows) {
  const body = $('#cycles tbody');
  body.replaceChildren();
  $('#cycles-empty').hidden = rows.length > 0;
  for (const { item, status } of rows) {
    const tr = document.createElement('tr');
    tr.dataset.cycle = item.workflowId;
    if (item.workflowId === state.selected) tr.className = 'selected';
    if (item.status !== 'RUNNING') tr.classList.add('ended');
    tr.addEventListener('click', (event) => {
      if (event.target.closest('a, button')) return;
      select(item.workflowId);
    });

    const name = document.createElement('span');
    name.append(span(item.workflowId, 'cycle-id'), ' ', link('↗', workflowUrl(item.workflowId), 'cycle-link'));
    tr.append(cell(name));

    const { label, className, detail } = stateOf(item, status);
    const stateCell = document.createElement('span');
    stateCell.append(span(label, `badge ${className}`));
    if (detail) stateCell.append(' ', span(detail, 'muted small'));
    // Coins reconciliation could not explain are not traded; say so where the operator looks first.
    if (status && status.inDoubt.length > 0) {
      const doubt = span(`${status.inDoubt.length} in doubt`, 'badge doubt');
      doubt.title = `not traded until a reconciliation clears them: ${status.inDoubt.join(', ')} (GET …/findings says why)`;
      stateCell.append(' ', doubt);
    }
    // Remainders below the market's minimum: held, but not open positions.
    if (status && (status.dust ?? []).length > 0) {
      const dust = span(`${status.dust.length} dust`, 'badge dust');
      dust.title = `below the market's minimum order, not sold and taking no slot: ${status.dust.join(', ')}`;
      stateCell.append(' ', dust);
    }
    tr.append(cell(stateCell, 'state'));

    const last = status?.lastTick;
    tr.append(cell(status ? String(status.tickNo) : '–', 'num'));
    const lastCell = document.createElement('span');
    if (last) {
      lastCell.append(span(ago(last.completedAtMs)), ' ', span(`candle ${utc(last.tickTs)}`, 'muted small'));
      lastCell.title = new Date(last.completedAtMs).toString();
    } else lastCell.textContent = '–';
    tr.append(cell(lastCell, 'last-tick'));
    tr.append(cell(last ? duration(last.durationMs) : '–', 'num duration'));
    tr.append(cell(last ? money(last.equity, status.config?.quote) : '–', 'num'));

    const actions = document.createElement('div');
    actions.className = 'actions';
    if (item.status === 'RUNNING' && status) {
      const busy = state.actions.has(item.workflowId);
      const pause = document.createElement('button');
      pause.type = 'button';
      pause.className = 'pause';
      pause.textContent = 'Pause';
      pause.disabled = busy || status.paused;
      pause.addEventListener('click', () => void act(item.workflowId, 'pause'));
      const resume = document.createElement('button');
      resume.type = 'button';
      resume.className = 'resume secondary';
      resume.textContent = 'Resume';
      resume.disabled = busy || !status.paused;
      resume.addEventListener('click', () => void act(item.workflowId, 'resume'));
      actions.append(pause, resume);
    }
    tr.append(cell(actions));
    body.append(tr);
  }
}

function select(workflowId) {
  state.selected = workflowId;
  history.replaceState(null, '', `#${encodeURIComponent(workflowId)}`);
  void refresh();
}

// ---- one cycle --------------------------------------------------------------------------------------------------

async function renderDetail(workflowId, status) {
  const base = cyclePath(workflowId);
  const coins = Math.min(1000, Math.max(1, status?.lastTick?.coins ?? status?.config?.universe?.maxCoins ?? 250));
  const [ticks, positions, orders, signals] = await Promise.all([
    api(`${base}/ticks?limit=500`),
    api(`${base}/positions`),
    api(`${base}/orders?limit=20`),
    api(`${base}/signals?limit=${coins}`),
  ]);
  const quote = quoteOf(status, positions.items, orders.items, signals.items);
  $('#detail').hidden = false;
  $('#detail-title').textContent = workflowId;
  $('#detail-ui').href = workflowUrl(workflowId);

  // Ticks come newest first; the charts go left to right in market time.
  const series = [...ticks.items].reverse();
  const equity = series.map((t) => [t.tickTs, Number(t.equity)]);
  const first = equity[0]?.[1];
  const pnl = equity.map(([x, y]) => [x, y - first]);
  const realized = series.map((t) => [t.tickTs, Number(t.realizedPnl)]);
  lineChart($('#equity-chart'), [{ name: 'equity', className: 'equity', points: equity }], { formatX: shortUtc, formatY: (v) => compact(v) });
  lineChart($('#pnl-chart'), [
    { name: 'total PnL since the first tick shown', className: 'pnl', points: pnl },
    { name: 'realized PnL', className: 'realized', points: realized },
  ], { formatX: shortUtc, formatY: (v) => `${v > 0 ? '+' : ''}${compact(v)}`, includeZero: true });

  const latest = ticks.items[0];
  $('#card-equity').textContent = latest ? money(latest.equity, quote) : '–';
  const totalPnl = latest && first !== undefined ? Number(latest.equity) - first : NaN;
  $('#card-pnl').textContent = signedMoney(totalPnl, quote);
  $('#card-pnl').className = `value ${totalPnl >= 0 ? 'pos' : 'neg'}`;
  $('#card-realized').textContent = latest ? signedMoney(latest.realizedPnl, quote) : '–';
  $('#card-cash').textContent = latest ? money(latest.cash, quote) : '–';
  $('#card-positions').textContent = String(positions.items.length);
  renderRisk(status);

  // Latest evaluation per coin: its price and the tick whose coin workflow to link.
  const latestSignal = new Map();
  for (const s of signals.items) if (!latestSignal.has(s.symbol)) latestSignal.set(s.symbol, s);

  const positionRows = positions.items.map((p) => {
    const signal = latestSignal.get(p.symbol);
    const qty = Number(p.quantity);
    const avg = Number(p.averagePrice);
    const last = signal?.price;
    const tr = document.createElement('tr');
    tr.append(
      cell(link(p.symbol, coinUrl(workflowId, signal?.tickTs ?? p.updatedTickTs, p.symbol), 'coin-link')),
      cell(compact(qty), 'num'),
      cell(price(avg, quote), 'num'),
      cell(price(last, quote), 'num'),
      cell(last === undefined ? '–' : money(qty * last, quote), 'num'),
    );
    const unrealized = last === undefined ? NaN : (last - avg) * qty;
    tr.append(cell(signedMoney(unrealized, quote), `num ${unrealized >= 0 ? 'pos' : 'neg'}`), cell(`#${p.openedTick}`, 'num'));
    return tr;
  });
  $('#positions tbody').replaceChildren(...positionRows);
  if (positionRows.length === 0) $('#positions tbody').append(emptyRow(7, 'no open positions'));

  const orderRows = orders.items.map((o) => {
    const tr = document.createElement('tr');
    tr.title = o.reason;
    tr.append(
      cell(utc(o.tickTs)),
      cell(link(o.symbol, coinUrl(workflowId, o.tickTs, o.symbol), 'coin-link')),
      cell(o.side, o.side),
      cell(compact(Number(o.amount)), 'num'),
      cell(price(Number(o.averagePrice) || Number(o.price), quote), 'num'),
      cell(o.status),
    );
    return tr;
  });
  $('#orders tbody').replaceChildren(...orderRows);
  if (orderRows.length === 0) $('#orders tbody').append(emptyRow(6, 'no orders yet'));

  const newestTick = signals.items[0]?.tickTs;
  const current = signals.items.filter((s) => s.tickTs === newestTick).sort((a, b) => Math.abs(b.score) - Math.abs(a.score)).slice(0, 25);
  $('#signals-note').textContent = newestTick === undefined ? '' : `(candle ${utc(newestTick)}, strongest ${current.length} by |score|)`;
  const signalRows = current.map((s) => {
    const tr = document.createElement('tr');
    tr.append(
      cell(link(s.symbol, coinUrl(workflowId, s.tickTs, s.symbol), 'coin-link')),
      cell(price(s.price, quote), 'num'),
      cell(signed(s.score, 3), `num ${s.score >= 0 ? 'pos' : 'neg'}`),
      cell(s.action, s.action),
      cell(s.regime.replace('_', ' ')),
      cell(number(s.indicators.rsi, 1), 'num'),
    );
    return tr;
  });
  $('#signals tbody').replaceChildren(...signalRows);
  if (signalRows.length === 0) $('#signals tbody').append(emptyRow(6, 'no signals yet'));
}

// ---- refresh loop -----------------------------------------------------------------------------------------------

const refresh = singleFlight(async () => {
  try {
    const list = await api('/v1/cycles?limit=50');
    // Running cycles first; each running one answers its status query.
    const items = [...list.items].sort((a, b) => Number(b.status === 'RUNNING') - Number(a.status === 'RUNNING'));
    const rows = await Promise.all(items.map(async (item) => ({ item, status: item.status === 'RUNNING' ? await api(cyclePath(item.workflowId)).catch(() => null) : null })));
    if (!state.selected || !rows.some((r) => r.item.workflowId === state.selected)) state.selected = rows.find((r) => r.status)?.item.workflowId ?? rows[0]?.item.workflowId ?? null;
    renderCycles(rows);
    if (state.selected) await renderDetail(state.selected, rows.find((r) => r.item.workflowId === state.selected)?.status ?? null);
    $('#updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
    state.refreshError = null;
  } catch (error) {
    state.refreshError = error instanceof ApiFailure ? error.message : `cannot reach the API: ${error.message}`;
  } finally {
    showErrors();
  }
});

void startPage({
  refreshMs: REFRESH_MS,
  refresh,
  onSession: (session) => {
    state.session = session;
    $('#temporal-ui').href = `${session.temporalUiUrl}/namespaces/${encodeURIComponent(session.namespace)}/workflows?query=${encodeURIComponent('WorkflowType="marketCycle"')}`;
  },
});
