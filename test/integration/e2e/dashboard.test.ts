import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser } from 'playwright-core';
import { buildApp } from '../../../src/api/app.js';
import { statusQuery } from '../../../src/contracts/messages.js';
import { SimulatedMarket } from '../../../src/exchange/simulated-market.js';
import type { CycleHandle } from '../../../src/temporal/cycle-client.js';
import { createHarness, waitFor, type Harness } from '../../helpers/keel-harness.js';

/**
 * The dashboard in a real headless Chromium (Debian's, driven by playwright-core; no browser download): log in with
 * the token, find the running cycle, pause it, see it paused, see the equity chart. Skips when the browser is absent.
 */
const CHROMIUM = process.env.KEEL_CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
const TOKEN = 'dashboard-e2e-token-0123456789';
const UI = 'http://127.0.0.1:8233';
const COINS = 6;

if (!HAS_CHROMIUM) console.warn(`dashboard browser test skipped: ${CHROMIUM} is absent (install it with: apt-get install chromium, or set KEEL_CHROMIUM_PATH)`);

describe.skipIf(!HAS_CHROMIUM)(`dashboard in headless Chromium${HAS_CHROMIUM ? '' : ` (skipped: ${CHROMIUM} is absent)`}`, () => {
  let harness: Harness;
  let handle: CycleHandle;
  let app: FastifyInstance;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    harness = await createHarness({ gateway: new SimulatedMarket({ seed: 5, coins: COINS }) });
    await harness.startWorkers();
    // A drawdown guard that trips on the first fees paid, so the page has a buy lock to show (no hard limit: it trades on).
    const guards = { maxDrawdown: { fraction: 0.00001, windowCandles: 720, blockCandles: 1000, hardLimitFraction: null }, stopLossGuard: null, lowProfitPairs: null };
    handle = (await harness.startCycle({ universe: { symbols: null, maxCoins: COINS }, tickPacingMs: 300, signal: { ...harness.cycleConfig().signal, buyThreshold: 0.01 }, guards })).handle;
    // A longer Temporal deadline than production's 10 s: on a loaded CI machine a status query can queue behind a busy
    // worker, and this test is about what the page shows, not about how fast the machine is.
    app = buildApp({ client: harness.client, namespace: 'default', db: harness.database.db, apiTokens: [TOKEN], temporalUiUrl: UI, temporalTimeoutMs: 30_000 });
    origin = await app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    // Enough ticks for a line, not just a point.
    await waitFor('three recorded ticks', async () => ((await handle.query(statusQuery)).tickNo >= 3 ? true : undefined));
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await handle?.terminate('dashboard test done').catch(() => undefined);
    await harness?.teardown();
  });

  it('logs in, shows the cycle, pauses it, shows it paused and draws the chart', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 1100 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    // Failed requests are judged by their URL below; other console errors are problems.
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(`console: ${message.text()}`);
    });
    page.on('response', (response) => {
      if (response.status() < 400) return;
      const url = new URL(response.url());
      // Other test files share the dev server and the dashboard lists their cycles too. Their workers stop and their
      // cycles end while this page polls, so their status answers (409, 503, or a 500 from a run whose worker went away
      // mid-query) say nothing about the dashboard; every other request, this cycle's included, must succeed.
      const ownPath = `/v1/cycles/${handle.workflowId.split('/').slice(1).join('/')}`;
      const own = url.pathname === ownPath || url.pathname.startsWith(`${ownPath}/`);
      const otherCycle = url.pathname.startsWith('/v1/cycles/') && !own;
      if (otherCycle) console.log(`dashboard test: another file's cycle answered ${response.status()} ${url.pathname}`);
      else problems.push(`${response.status()} ${url.pathname}`);
    });

    // Not logged in: the dashboard sends us to the login page.
    await page.goto(`${origin}/dashboard`);
    expect(new URL(page.url()).pathname).toBe('/');
    await page.fill('#token', 'not-the-token');
    await page.click('button[type=submit]');
    await expect.poll(() => page.locator('.error').textContent()).toContain('not valid');

    await page.fill('#token', TOKEN);
    await page.click('button[type=submit]');
    await page.waitForURL(`${origin}/dashboard`);
    const cookies = await context.cookies();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ name: 'keel_session', httpOnly: true, sameSite: 'Strict', secure: false, path: '/' });
    expect(cookies[0]!.value).not.toContain(TOKEN);

    // The cycle's row: running, with its last tick and a link to its workflow in the Temporal Web UI.
    const row = page.locator(`tr[data-cycle="${handle.workflowId}"]`);
    await row.waitFor({ timeout: 30_000 });
    await expect.poll(() => row.locator('td.state .badge').textContent()).toBe('running');
    expect(await row.locator('a.cycle-link').getAttribute('href')).toBe(`${UI}/namespaces/default/workflows/${encodeURIComponent(handle.workflowId)}`);
    await expect.poll(() => row.locator('td.last-tick').textContent()).toMatch(/ago/);
    await expect.poll(() => row.locator('td.duration').textContent()).toMatch(/\d+(\.\d)? m?s/);

    // Its details: the equity and PnL charts (SVG paths through the recorded ticks) and coin links.
    await row.locator('.cycle-id').click();
    await expect.poll(() => page.locator('#detail-title').textContent()).toBe(handle.workflowId);
    await expect.poll(async () => Number(await page.locator('#equity-chart path.series').getAttribute('data-points')), { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
    const d = (await page.locator('#equity-chart path.series').getAttribute('d')) ?? '';
    expect(d).toMatch(/^M[\d.]+,[\d.]+( L[\d.]+,[\d.]+){2,}/);
    expect(await page.locator('#pnl-chart path.series').count()).toBe(2);
    // Money at the quote currency's precision (USDT: 2 places), grouped for reading, not the API's full digits.
    await expect.poll(() => page.locator('#card-equity').textContent()).toMatch(/^\d{1,3}(,\d{3})*\.\d\d$/);
    expect(await page.locator('#card-cash').textContent()).toMatch(/^\d{1,3}(,\d{3})*\.\d\d$/);
    expect(await page.locator('#card-pnl').textContent()).toMatch(/^[+-]\d{1,3}(,\d{3})*\.\d\d$/);
    // The risk layer: the guard in words, and its buy lock with reason and expiry.
    await expect.poll(() => page.locator('#risk-settings').textContent()).toContain('drawdown guard: buys stop for 1000 candles once equity is 0.001 % below its 720-candle high');
    expect(await page.locator('#risk-settings').textContent()).toContain('with exit levels (checked by keel at each candle close)');
    const lock = page.locator('#locks tbody tr').first();
    await expect.poll(() => lock.locator('td').first().textContent(), { timeout: 30_000 }).toBe('max_drawdown');
    expect(await lock.locator('td').nth(1).textContent()).toBe('all coins');
    expect(await lock.locator('td.reason').textContent()).toMatch(/^drawdown .* ≥ /);
    expect(await lock.locator('td').nth(3).textContent()).toMatch(/^#\d+$/);
    expect(await page.locator('#risk-halt').isHidden()).toBe(true);
    const coinHref = await page.locator('#signals a.coin-link').first().getAttribute('href');
    expect(coinHref).toMatch(new RegExp(`^${UI}/namespaces/default/workflows/${encodeURIComponent(handle.workflowId)}%2F\\d+%2F[A-Z0-9]+%2FUSDT$`));

    // Pause from the dashboard; the row shows "paused" once the running tick has finished.
    await row.locator('button.pause').click();
    await expect.poll(() => row.locator('td.state .badge').textContent(), { timeout: 60_000 }).toBe('paused');
    expect(await row.locator('button.resume').isEnabled()).toBe(true);
    expect(await row.locator('button.pause').isEnabled()).toBe(false);
    const status = await handle.query(statusQuery);
    expect(status).toMatchObject({ paused: true, phase: 'paused' });

    const screenshot = path.join(tmpdir(), `keel-dashboard-${Date.now()}.png`);
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`dashboard screenshot: ${screenshot}`);

    // Log out: back to the login page, and the dashboard is closed again.
    await page.click('#logout');
    await page.waitForURL(`${origin}/`);
    await page.goto(`${origin}/dashboard`);
    expect(new URL(page.url()).pathname).toBe('/');

    // The failed login's 401 is the one expected failure.
    expect(problems.filter((p) => !p.startsWith('401 '))).toEqual([]);
    await context.close();
  });
});
