import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * `npm ci` (CI, the Dockerfile) refuses a lockfile that misses an optional platform package of a dependency (npm 11:
 * "Missing: @swc/core-darwin-arm64 from lock file"), and a dependency whose engines need a newer Node than keel's
 * `engines` warns on every install. Both are checked here on the committed files, without installing anything.
 */
interface LockEntry {
  version?: string;
  optionalDependencies?: Record<string, string>;
  engines?: { node?: string };
}
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, LockEntry> };
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };

/** Where npm would resolve `name` from the package at `path`: its own node_modules, then each parent's, then the root. */
function resolves(path: string, name: string): boolean {
  let base = path;
  for (;;) {
    if (lock.packages[`${base === '' ? '' : `${base}/`}node_modules/${name}`] !== undefined) return true;
    if (base === '') return false;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut < 0 ? '' : base.slice(0, cut);
  }
}

describe('package-lock.json', () => {
  it('has an entry for every optional dependency of every package, every platform included', () => {
    const missing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      for (const name of Object.keys(entry.optionalDependencies ?? {})) if (!resolves(path, name)) missing.push(`${path || '(root)'} -> ${name}`);
    }
    expect(missing).toEqual([]);
  });

  it(`has no package that needs a newer Node than keel's engines (${pkg.engines.node})`, () => {
    const keelMajor = Number(/(\d+)/.exec(pkg.engines.node)?.[1]);
    const tooNew = Object.entries(lock.packages)
      .filter(([, entry]) => {
        const floor = /^>=\s*(\d+)/.exec(entry.engines?.node ?? '');
        return floor !== null && Number(floor[1]) > keelMajor;
      })
      .map(([path, entry]) => `${path} ${entry.version ?? ''} needs node ${entry.engines?.node ?? ''}`);
    expect(tooNew).toEqual([]);
  });
});
