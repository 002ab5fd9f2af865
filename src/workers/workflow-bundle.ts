import { bundleWorkflowCode } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/**
 * Modules evaluated once per workflow thread and shared by every workflow, instead of once per new workflow (each coin
 * child would otherwise evaluate decimal.js again). Only stateless libraries belong here: the SDK freezes what they
 * export, and anything they kept per workflow would leak between workflows. Named by the file the workflow code's
 * `import` resolves to (decimal.js's ESM build): the preload is a `require`, and plain 'decimal.js' would resolve to the
 * CommonJS build and bundle a second, unused copy.
 */
export const PRELOADED_MODULES = ['decimal.js/decimal.mjs'];

let bundle: Promise<{ code: string }> | undefined;

/** Bundles the workflow code once per process (1-2 s); every cycle worker in the process shares it. */
export function workflowBundle(): Promise<{ code: string }> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, preloadModules: PRELOADED_MODULES, logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error } });
  return bundle;
}

/** Forgets the cached bundle, so the next worker bundles again as a freshly started process would. */
export function resetWorkflowBundleCache(): void {
  bundle = undefined;
}
