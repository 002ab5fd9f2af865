import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../src/temporal/dev-server.js';
import { findTemporalCli } from '../src/temporal/temporal-cli.js';
import { createScratchDatabase } from '../test/helpers/fresh-db.js';
import { median, type Figure } from './figure.js';

const COINS = 250;
/** Tick 1 loads the warm-up window; ticks 2-6 are the steady state measured. */
const TICKS = 6;
const TICK_LINE = /tick +(\d+) │ .* │ (\d+(?:\.\d)?) s │/;

/** CPU seconds (user + system) a process has used, from /proc (Linux); NaN elsewhere or once it is gone. */
export function processCpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Peak resident memory of a live process in MB (VmHWM, Linux); NaN elsewhere. */
export function peakRssMb(pid: number | undefined): number {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? Number.NaN : Math.round(Number(kb) / 1024);
  } catch {
    return Number.NaN;
  }
}

/** Direct children of a process (Linux). */
function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
        .split(' ')
        .filter((s) => s.trim() !== '')
        .map(Number),
    );
  } catch {
    return [];
  }
}

/**
 * dev_tick_ms_250: `npm start` as a newcomer runs it (its own persisted dev server and embedded database in a fresh
 * data folder, simulated market, 250 coins, paper trading), read from its own progress lines: the median of ticks
 * 2-6. With DATABASE_URL set, a scratch PostgreSQL database instead of the embedded one.
 */
export async function runDevBench({ log }: { log: (line: string) => void }): Promise<Figure[]> {
  const cliPath = findTemporalCli(process.env.TEMPORAL_CLI_PATH);
  if (!cliPath) throw new Error('the dev benchmark needs the Temporal CLI: run `bash .ci/run` once or set TEMPORAL_CLI_PATH');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'keel-dev-bench-'));
  const database = process.env.DATABASE_URL ? await createScratchDatabase() : undefined;
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('KEEL_') || key.startsWith('TEMPORAL_') || key === 'DATABASE_URL' || key === 'ANTHROPIC_API_KEY') delete env[key];
  Object.assign(env, {
    TEMPORAL_CLI_PATH: cliPath,
    TEMPORAL_DEV_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    KEEL_API_PORT: String(await freePort()),
    KEEL_OPS_PORT: '0',
    KEEL_DATA_DIR: dataDir,
    KEEL_COINS: String(COINS),
    KEEL_MAX_TICKS: String(TICKS),
    LOG_LEVEL: 'warn',
    ...(database && { DATABASE_URL: database.url }),
  });
  log(`npm start: ${COINS} coins, persisted dev server in ${dataDir}, ${TICKS} ticks`);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/workers/dev.ts'], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const tickMs = new Map<number, number>();
  const cpuAt = new Map<number, { workerS: number; serverS: number }>();
  let serverPid: number | undefined;
  let buffered = '';
  const allTicks = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const match = TICK_LINE.exec(line);
        if (!match) continue;
        const tickNo = Number(match[1]);
        serverPid ??= childPids(child.pid!).find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('start-dev'));
        tickMs.set(tickNo, Number(match[2]) * 1000);
        cpuAt.set(tickNo, { workerS: processCpuSeconds(child.pid), serverS: processCpuSeconds(serverPid) });
        log(`  tick ${tickNo}: ${match[2]} s`);
        if (tickMs.size >= TICKS) resolve();
      }
    });
    void exited.then((code) => reject(new Error(`npm start exited (${String(code)}) after ${tickMs.size} ticks:\n${stderr}`)));
  });
  const deadline = setTimeout(() => child.kill('SIGTERM'), 10 * 60_000);
  let rssMb = Number.NaN;
  try {
    await allTicks;
    rssMb = peakRssMb(child.pid);
  } finally {
    clearTimeout(deadline);
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
    await exited;
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const steady = [...tickMs.entries()].filter(([tickNo]) => tickNo >= 2).map(([, ms]) => ms);
  const [first, last] = [cpuAt.get(2)!, cpuAt.get(TICKS)!];
  const perTick = (a: number, b: number) => Math.round(((b - a) / (TICKS - 2)) * 100) / 100;
  return [
    { name: `dev_tick_ms_${COINS}`, value: median(steady), unit: 'ms', target: '<= 5000', note: `npm start (persisted dev server, ${database ? 'PostgreSQL' : 'embedded PGlite'}): median of ticks 2-${TICKS}` },
    { name: `dev_worker_rss_mb_${COINS}`, value: rssMb, unit: 'MB', target: '<= 1024', note: `peak RSS of npm start's own process after ${TICKS} ticks (VmHWM)` },
    { name: `dev_tick_cpu_s_worker_${COINS}`, value: perTick(first.workerS, last.workerS), unit: 's', note: 'CPU seconds per steady tick of npm start\'s own process (workers, API, database)' },
    { name: `dev_tick_cpu_s_server_${COINS}`, value: perTick(first.serverS, last.serverS), unit: 's', note: 'CPU seconds per steady tick of its Temporal dev server (SQLite file)' },
  ];
}
