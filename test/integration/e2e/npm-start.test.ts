import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, isPortOpen } from '../../../src/temporal/dev-server.js';
import { findTemporalCli } from '../../../src/temporal/temporal-cli.js';
import { adminUrl, createScratchDatabase } from '../../helpers/fresh-db.js';

/**
 * `npm start` as a person runs it: the dev entry in its own process, starting its own Temporal dev server (on free
 * ports), with a tiny universe and no pause between ticks. Ctrl-C in a terminal goes to the whole foreground process
 * group, so the test signals the group, not just the node process.
 */
interface DevRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  temporalPort: number;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  cleanup(): Promise<void>;
}

const runs: DevRun[] = [];
afterEach(async () => {
  await Promise.all(runs.splice(0).map((r) => r.cleanup()));
});

async function startDev(): Promise<DevRun> {
  const cliPath = findTemporalCli(process.env.TEMPORAL_CLI_PATH);
  if (!cliPath) throw new Error('this test needs the Temporal CLI (TEMPORAL_CLI_PATH)');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'keel-npm-start-'));
  const database = adminUrl === undefined ? undefined : await createScratchDatabase();
  const [temporalPort, uiPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('KEEL_') || key.startsWith('TEMPORAL_') || key === 'DATABASE_URL' || key === 'ANTHROPIC_API_KEY') delete env[key];
  Object.assign(env, {
    TEMPORAL_CLI_PATH: cliPath,
    TEMPORAL_DEV_PORT: String(temporalPort),
    TEMPORAL_UI_PORT: String(uiPort),
    KEEL_API_PORT: String(apiPort),
    KEEL_OPS_PORT: '0',
    KEEL_DATA_DIR: dataDir,
    KEEL_COINS: '5',
    KEEL_TICK_PACING_MS: '0',
    ...(database && { DATABASE_URL: database.url }),
  });
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/workers/dev.ts'], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const run: DevRun = {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    temporalPort,
    exited,
    async cleanup() {
      // A failed test must not leave keel or its detached dev server behind: SIGTERM stops both in order.
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(-child.pid!, 'SIGTERM');
        const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  runs.push(run);
  return run;
}

async function waitForOutput(run: DevRun, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(run.stdout());
    if (match) return match;
    if (run.child.exitCode !== null) throw new Error(`npm start exited (${run.child.exitCode}) before printing ${pattern}:\n${run.stdout()}\n${run.stderr()}`);
    if (Date.now() > deadline) throw new Error(`npm start did not print ${pattern} within ${timeoutMs} ms:\n${run.stdout()}\n${run.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Ctrl-C, as a terminal sends it; then a clean stop within the limit: exit 0, the "stopped" line, nothing on stderr. */
async function expectCleanStopOnCtrlC(run: DevRun): Promise<void> {
  process.kill(-run.child.pid!, 'SIGINT');
  const code = await Promise.race([run.exited, new Promise<'timeout'>((r) => setTimeout(r, 30_000, 'timeout'))]);
  expect(code, `${run.stdout()}\n${run.stderr()}`).toBe(0);
  expect(run.stdout()).toContain('keel │ stopped. The cycle is durable');
  expect(run.stderr()).not.toMatch(/Error|Channel has been shut down|^\s+at /m);
  expect(run.stdout()).not.toMatch(/Channel has been shut down|Uncaught|"level":50/);
  // The detached dev server was stopped by keel, not left running.
  expect(await isPortOpen(run.temporalPort)).toBe(false);
}

describe('npm start (src/workers/dev.ts)', () => {
  it('serves the dashboard API on its own database, and Ctrl-C mid-tick stops it cleanly', async () => {
    const run = await startDev();
    const [, dashboardUrl] = await waitForOutput(run, /dashboard: +(http:\/\/\S+\/) /, 90_000);
    const [, token] = await waitForOutput(run, /API token: +([0-9a-f]{48}) /, 1_000);
    // The first tick that bought something (the default signal waits for a clear majority of its indicators).
    await waitForOutput(run, /│ tick +\d+ │ .* │ [1-9]\d* buys \d+ sells │ .* equity \d+\.\d\d USDT │/, 180_000);

    const get = async (route: string) => {
      const response = await fetch(new URL(route, dashboardUrl), { headers: { authorization: `Bearer ${token}` } });
      return { status: response.status, body: (await response.json()) as { items: Array<Record<string, unknown>> } };
    };
    // The records the dashboard's chart and tables read: 200 from the workers' own database, not 503.
    const ticks = await get('v1/cycles/sim/main/ticks');
    expect(ticks.status).toBe(200);
    expect(ticks.body.items[0]).toMatchObject({ tickNo: expect.any(Number), equity: expect.stringMatching(/^\d+(\.\d+)?$/) });
    const [positions, orders] = await Promise.all([get('v1/cycles/sim/main/positions'), get('v1/cycles/sim/main/orders')]);
    expect([positions.status, orders.status]).toEqual([200, 200]);
    expect(orders.body.items.length).toBeGreaterThan(0);
    expect(positions.body.items.length).toBeGreaterThan(0);
    expect((await fetch(new URL('v1/cycles/sim/main/ticks', dashboardUrl))).status).toBe(401);

    // No pause between ticks: the next tick is running when Ctrl-C comes.
    await expectCleanStopOnCtrlC(run);
  });

  it('stops cleanly on Ctrl-C during start-up, dev server included', async () => {
    const run = await startDev();
    await waitForOutput(run, /starting the Temporal dev server/, 60_000);
    await expectCleanStopOnCtrlC(run);
    expect(run.stdout()).not.toContain('started market cycle');
  });
});
