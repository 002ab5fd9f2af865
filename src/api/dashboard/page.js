/* global document, location, fetch, setTimeout, clearTimeout, Node */
// What the dashboard's pages share: the session, calls to the /v1 API with its cookie (state changes carry the
// session's CSRF token), the refresh loop, table cells and a few formats. Values go in with textContent only.

/** GET /dashboard/session's answer, once startPage has read it. */
let session = null;

export const $ = (selector) => document.querySelector(selector);

/** A refusal the API explained (its message is for the person); anything else thrown means the API is unreachable. */
export class ApiFailure extends Error {}

export async function api(path, { method = 'GET', body } = {}) {
  const headers = { accept: 'application/json' };
  if (method !== 'GET') headers[session.csrfHeader] = session.csrfToken;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin', cache: 'no-store' });
  if (response.status === 401) {
    location.assign('/');
    throw new ApiFailure('the session has ended');
  }
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw new ApiFailure(data && typeof data.message === 'string' ? data.message : `HTTP ${response.status}`);
  return data;
}

// ---- formatting -------------------------------------------------------------------------------------------------

export const compact = (value) => (Number.isFinite(value) ? value.toLocaleString('en-US', { maximumSignificantDigits: 6 }) : '–');
export const utc = (ms) => (Number.isFinite(ms) ? `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC` : '–');

// ---- DOM helpers ------------------------------------------------------------------------------------------------

export function cell(content, className) {
  const td = document.createElement('td');
  if (className) td.className = className;
  if (content instanceof Node) td.append(content);
  else td.textContent = content ?? '';
  return td;
}

export function emptyRow(columns, text) {
  const tr = document.createElement('tr');
  const td = cell(text, 'muted');
  td.colSpan = columns;
  tr.append(td);
  return tr;
}

// ---- the page's life --------------------------------------------------------------------------------------------

/**
 * `fn`, one run at a time: a call while a run is under way does not start a second one at once, but one more run
 * follows it (calls in the meantime share that one), so what the call asked for is shown without waiting for the timer.
 */
export function singleFlight(fn) {
  let running = null;
  let again = null;
  const start = () =>
    fn().finally(() => {
      running = null;
    });
  return () => {
    if (running === null) {
      running = start();
      return running;
    }
    // Asked again while running (a click that changes what to show): run once more after this one, so the request is
    // not lost until the next timer tick. Any number of such calls share that one follow-up run.
    again ??= running.then(() => {
      again = null;
      running ??= start();
      return running;
    });
    return again;
  };
}

/**
 * Starts a page: reads the session (without one, back to the login page), shows the namespace, hands the session to
 * `onSession`, wires the logout button, then refreshes now and every `refreshMs` while the tab is visible.
 */
export async function startPage({ refreshMs, refresh, onSession }) {
  const response = await fetch('/dashboard/session', { credentials: 'same-origin', cache: 'no-store' });
  if (!response.ok) {
    location.assign('/');
    return;
  }
  session = await response.json();
  $('#namespace').textContent = `namespace ${session.namespace}`;
  onSession?.(session);
  $('#logout').addEventListener('click', async () => {
    await api('/logout', { method: 'POST' }).catch(() => undefined);
    location.assign('/');
  });
  await refresh();
  let timer = null;
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      if (!document.hidden) await refresh();
      schedule();
    }, refreshMs);
  };
  schedule();
}
