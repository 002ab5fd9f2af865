import { Worker } from 'node:worker_threads';

/**
 * Starts a thread on one of this folder's modules, named without its extension (new URL('./x-thread',
 * import.meta.url)). Under TypeScript (tsx, vitest) the module is a .ts file a plain thread cannot load: a small
 * bootstrap registers tsx's loader in the thread first. A fresh thread inherits no execArgv, so no loader is
 * registered twice.
 */
export function startThread(entry: URL, workerData: unknown): Worker {
  const ts = import.meta.url.endsWith('.ts');
  const module = new URL(`${entry.href}.${ts ? 'ts' : 'js'}`);
  if (!ts) return new Worker(module, { workerData, execArgv: [] });
  const api = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(module.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData, execArgv: [] });
}
