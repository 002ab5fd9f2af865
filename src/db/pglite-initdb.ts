import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Creates a new PGlite data directory (initdb) in a short-lived child process. PGlite runs initdb inside the process
 * that opens a new directory, and that instance keeps about 400 MB of WebAssembly memory until it is collected; done in
 * a child, that memory goes back to the system when the child exits, and keel's own process opens the finished
 * directory for about 200 MB.
 */
export async function initPgliteDir(dataDir: string): Promise<void> {
  const pglite = import.meta.resolve('@electric-sql/pglite');
  const script = `const { PGlite } = await import(${JSON.stringify(pglite)}); const db = new PGlite(process.argv[1]); await db.waitReady; await db.close();`;
  await run(process.execPath, ['--input-type=module', '-e', script, dataDir], { timeout: 120_000 });
}
