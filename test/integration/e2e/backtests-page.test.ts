import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser } from 'playwright-core';
import { buildApp } from '../../../src/api/app.js';
import { startBacktestRun } from '../../../src/db/queries/backtest-runs.js';
import { SimulatedMarket } from '../../../src/exchange/simulated-market.js';
import { seedFinishedRun } from '../../helpers/backtest-seed.js';
import { createHarness, type Harness } from '../../helpers/keel-harness.js';

/**
 * The dashboard's backtests page in a real headless Chromium (as dashboard.test.ts): runs seeded through the real
 * queries, no workers. From the dashboard's nav to the run list, the equity chart against buy-and-hold and the metrics
 * at the quote's precision. Skips when the browser is absent.
 */
const CHROMIUM = process.env.KEEL_CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
const TOKEN = 'backtests-e2e-token-0123456789';
const RUN_ID = 'bt-20240301T000000-abcdef/1';

describe.skipIf(!HAS_CHROMIUM)(`backtests page in headless Chromium${HAS_CHROMIUM ? '' : ` (skipped: ${CHROMIUM} is absent)`}`, () => {
  let harness: Harness;
  let app: FastifyInstance;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    harness = await createHarness({ gateway: new SimulatedMarket({ seed: 1, coins: 2 }) });
    await seedFinishedRun(harness.database.db, { id: RUN_ID, sweepId: 'bt-20240301T000000-abcdef', label: '1h BTC/USDT,ETH/USDT signal.buyThreshold=0.1' });
    // Newer, so listed (and selected) first: the finished run is picked by a click.
    await startBacktestRun(harness.database.db, { id: 'bt-20240302T000000-000000/1', request: {}, label: 'still running' });
    app = buildApp({ client: harness.client, namespace: 'default', db: harness.database.db, apiTokens: [TOKEN], temporalUiUrl: 'http://127.0.0.1:8233' });
    origin = await app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await harness?.teardown();
  });

  it('is linked from the dashboard, lists the runs, draws the equity against buy-and-hold and shows the metrics', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });

    // Behind the same login as the dashboard.
    await page.goto(`${origin}/dashboard/backtests`);
    expect(new URL(page.url()).pathname).toBe('/');
    await page.fill('#token', TOKEN);
    await page.click('button[type=submit]');
    await page.waitForURL(`${origin}/dashboard`);
    await page.click('#nav-backtests');
    await page.waitForURL(`${origin}/dashboard/backtests`);

    const row = page.locator(`tr[data-run="${RUN_ID}"]`);
    await row.waitFor({ timeout: 30_000 });
    expect(await row.locator('td.run-label').textContent()).toBe('1h BTC/USDT,ETH/USDT signal.buyThreshold=0.1');
    expect(await row.locator('td.state .badge').textContent()).toBe('finished');
    expect(await row.locator('td.total-return').textContent()).toBe('+7.10 %');
    expect(await page.locator('tr[data-run] td.state .badge').allTextContents()).toEqual(['running', 'finished']);

    await row.click();
    await expect.poll(() => page.locator('#detail-title').textContent()).toBe(RUN_ID);
    expect(new URL(page.url()).hash).toBe(`#${encodeURIComponent(RUN_ID)}`);
    // Two lines through the 72 recorded ticks: the strategy and buy-and-hold.
    const series = page.locator('#equity-chart path.series');
    await expect.poll(() => series.count()).toBe(2);
    expect(await series.evaluateAll((paths) => paths.map((p) => [p.getAttribute('class'), p.getAttribute('data-points')]))).toEqual([
      ['series equity', '72'],
      ['series hold', '72'],
    ]);
    // Money at the quote's precision (USDT: 2 places), grouped; ratios as percentages.
    expect(await page.locator('tr[data-metric="final equity"] td').textContent()).toBe('107,100.00');
    expect(await page.locator('tr[data-metric="fees paid"] td').textContent()).toBe('100.50');
    expect(await page.locator('tr[data-metric="closed trades"] td').textContent()).toBe('2');
    expect(await page.locator('tr[data-metric="max drawdown"] td').textContent()).toMatch(/^\d+\.\d\d % over \d+\.\d (days|h)$/);
    expect(await page.locator('#orders tbody tr').count()).toBe(3);
    expect(await page.locator('#orders-note').textContent()).toBe('(3)');

    const screenshot = path.join(tmpdir(), `keel-backtests-${Date.now()}.png`);
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`backtests page screenshot: ${screenshot}`);

    expect(problems).toEqual([]);
    await context.close();
  });
});
