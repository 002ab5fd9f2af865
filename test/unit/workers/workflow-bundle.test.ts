import { describe, expect, it } from 'vitest';
import { bundleWorkflowCode } from '@temporalio/worker';
import { PRELOADED_MODULES, WORKFLOWS_PATH } from '../../../src/workers/workflow-bundle.js';

const quietLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** Webpack names every bundled module by its path; count the distinct decimal.js builds the bundle carries. */
function decimalBuilds(code: string): string[] {
  return [...new Set(code.match(/decimal\.js\/decimal\.m?js(?=")/g) ?? [])].sort();
}

describe('workflow bundle preloads', () => {
  it('preloads the same decimal.js build the workflow code imports, so the bundle carries one copy', async () => {
    const withPreload = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, preloadModules: PRELOADED_MODULES, logger: quietLogger });
    const withoutPreload = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });
    expect(decimalBuilds(withoutPreload.code)).toEqual(['decimal.js/decimal.mjs']);
    // A preload the workflow code does not share would add a second build (and ~370 kB) evaluated for nothing.
    expect(decimalBuilds(withPreload.code)).toEqual(decimalBuilds(withoutPreload.code));
    expect(withPreload.code).toContain('exports.preloadModules');
  }, 60_000);
});
