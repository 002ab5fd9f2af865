/* global document, location, history */
// keel backtests page: the runs the backtest workers stored, and for the selected one its equity against buy-and-hold,
// its metrics and its orders. Read-only, over the /v1 API with the session cookie. Values go in with textContent only.
import { lineChart } from './chart.js';
import { money, price } from './money.js';
import { $, ApiFailure, api, cell, compact, emptyRow, singleFlight, startPage, utc } from './page.js';

const REFRESH_MS = 5000;
const ORDERS_SHOWN = 50;
const state = { session: null, selected: decodeURIComponent(location.hash.slice(1)) || null, shown: null };

function showError(message) {
  $('#error').hidden = !message;
  $('#error').textContent = message ?? '';
}

// ---- formatting -------------------------------------------------------------------------------------------------

const percent = (value, signed = false) => (Number.isFinite(value) ? `${signed && value > 0 ? '+' : ''}${(value * 100).toFixed(2)} %` : '–');
const ratio = (value) => (Number.isFinite(value) ? value.toFixed(2) : '–');
const count = (value) => (Number.isFinite(value) ? value.toLocaleString('en-US') : '–');
const shortDate = (ms) => new Date(ms).toISOString().slice(0, 10);
function days(ms) {
  if (!Number.isFinite(ms)) return '–';
  const d = ms / 86_400_000;
  return d >= 1 ? `${d.toFixed(1)} days` : `${(ms / 3_600_000).toFixed(1)} h`;
}
// The quote currency: as the run was asked for, else from an order's symbol ("BTC/USDT").
const quoteOf = (run, orders = []) => (typeof run?.request?.quote === 'string' ? run.request.quote : orders.find((o) => o.symbol.includes('/'))?.symbol.split('/')[1]);
const runPath = (id) => `/v1/backtests/${encodeURIComponent(id)}`;

// ---- the list ---------------------------------------------------------------------------------------------------

function renderRuns(runs) {
  $('#runs-empty').hidden = runs.length > 0;
  const rows = runs.map((run) => {
    const tr = document.createElement('tr');
    tr.dataset.run = run.id;
    if (run.id === state.selected) tr.className = 'selected';
    tr.addEventListener('click', () => select(run.id));
    const label = cell(run.label, 'run-label');
    label.title = run.id;
    const status = document.createElement('td');
    status.className = 'state';
    const badge = document.createElement('span');
    badge.className = `badge ${run.status}`;
    badge.textContent = run.status;
    status.append(badge);
    if (run.error) status.title = run.error;
    const m = run.metrics;
    tr.append(
      label,
      status,
      cell(percent(m?.totalReturn, true), `num total-return ${m ? (m.totalReturn >= 0 ? 'pos' : 'neg') : ''}`),
      cell(percent(m?.maxDrawdown), 'num'),
      cell(ratio(m?.sharpe), 'num'),
      cell(count(m?.trades), 'num'),
      cell(utc(run.createdAtMs)),
    );
    return tr;
  });
  $('#runs tbody').replaceChildren(...rows);
}

function select(id) {
  state.selected = id;
  state.shown = null;
  history.replaceState(null, '', `#${encodeURIComponent(id)}`);
  void refresh();
}

// ---- one run ----------------------------------------------------------------------------------------------------

function metricRows(m, quote) {
  return [
    ['final equity', money(m.finalEquity, quote)],
    ['total return', percent(m.totalReturn, true)],
    ['annualised return', percent(m.annualisedReturn, true)],
    ['buy-and-hold return', percent(m.buyAndHoldReturn, true)],
    ['max drawdown', `${percent(m.maxDrawdown)} over ${days(m.maxDrawdownDurationMs)}`],
    ['sharpe', ratio(m.sharpe)],
    ['sortino', ratio(m.sortino)],
    ['calmar', ratio(m.calmar)],
    ['closed trades', count(m.trades)],
    ['win rate', percent(m.winRate)],
    ['profit factor', ratio(m.profitFactor)],
    ['expectancy per trade', money(m.expectancy, quote, { signed: true })],
    ['exposure', percent(m.exposure)],
    ['fees paid', money(m.feesPaid, quote)],
    ['fees if all taker', money(m.feesAllTaker, quote)],
    ['orders', count(m.orders)],
    ['ticks', count(m.ticks)],
  ];
}

async function renderDetail(id) {
  const [run, page] = await Promise.all([api(runPath(id)), api(`${runPath(id)}/orders?limit=${ORDERS_SHOWN}`)]);
  const quote = quoteOf(run, page.items);
  $('#detail').hidden = false;
  $('#detail-title').textContent = run.id;
  $('#detail-label').textContent = run.label;
  $('#detail-error').hidden = !run.error;
  $('#detail-error').textContent = run.error ?? '';
  if (run.sweepId) $('#detail-ui').href = state.session.workflowUrlTemplate.replace('WORKFLOW_ID', encodeURIComponent(`backtest/${run.sweepId}`));
  $('#detail-ui').hidden = !run.sweepId;

  lineChart(
    $('#equity-chart'),
    [
      { name: 'strategy', className: 'equity', points: run.equity ?? [] },
      { name: 'buy and hold', className: 'hold', points: run.buyAndHold ?? [] },
    ],
    { width: 1000, height: 260, formatX: shortDate, formatY: (v) => compact(v), emptyText: run.status === 'running' ? 'the run has not finished yet' : 'no equity recorded' },
  );

  const metricBody = $('#metrics tbody');
  if (run.metrics) {
    metricBody.replaceChildren(
      ...metricRows(run.metrics, quote).map(([name, value]) => {
        const tr = document.createElement('tr');
        const th = document.createElement('th');
        th.textContent = name;
        th.scope = 'row';
        tr.dataset.metric = name;
        tr.append(th, cell(value, 'num'));
        return tr;
      }),
    );
  } else metricBody.replaceChildren(emptyRow(2, run.status === 'failed' ? 'the run failed' : 'metrics appear when the run has finished'));

  $('#orders-note').textContent = page.total > page.items.length ? `(first ${page.items.length} of ${count(page.total)})` : `(${count(page.total)})`;
  const orderRows = page.items.map((o) => {
    const tr = document.createElement('tr');
    tr.append(cell(utc(o.tickTs)), cell(o.symbol), cell(o.side, o.side), cell(compact(Number(o.amount)), 'num'), cell(price(o.price, quote), 'num'), cell(money(o.fee, quote), 'num'), cell(o.reason, 'muted small'));
    return tr;
  });
  $('#orders tbody').replaceChildren(...orderRows);
  if (orderRows.length === 0) $('#orders tbody').append(emptyRow(7, 'no orders'));
}

// ---- refresh loop -----------------------------------------------------------------------------------------------

const refresh = singleFlight(async () => {
  try {
    const list = await api('/v1/backtests?limit=200');
    if (!state.selected || !list.items.some((r) => r.id === state.selected)) state.selected = list.items[0]?.id ?? null;
    renderRuns(list.items);
    // A finished or failed run does not change: it is drawn once, a running one on every refresh.
    const selected = list.items.find((r) => r.id === state.selected);
    const shown = selected && `${selected.id} ${selected.status}`;
    if (selected && (state.shown !== shown || selected.status === 'running')) {
      await renderDetail(selected.id);
      state.shown = shown;
    }
    $('#updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
    showError(null);
  } catch (error) {
    showError(error instanceof ApiFailure ? error.message : `cannot reach the API: ${error.message}`);
  }
});

void startPage({
  refreshMs: REFRESH_MS,
  refresh,
  onSession: (session) => {
    state.session = session;
  },
});
