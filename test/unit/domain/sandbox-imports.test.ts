import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const domainDir = fileURLToPath(new URL('../../../src/domain/', import.meta.url));

/** Runtime imports (not `import type`) of a domain file, following relative ones. */
function runtimeImports(file: string, seen = new Set<string>()): { files: Set<string>; packages: Set<string> } {
  const packages = new Set<string>();
  seen.add(file);
  const source = readFileSync(`${domainDir}${file}`, 'utf8');
  for (const match of source.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)';/gms)) {
    const [, typeOnly, specifier] = match as unknown as [string, string | undefined, string];
    if (typeOnly) continue;
    if (specifier.startsWith('./')) {
      const next = specifier.slice(2).replace(/\.js$/, '.ts');
      if (!seen.has(next)) runtimeImports(next, seen).packages.forEach((p) => packages.add(p));
    } else {
      packages.add(specifier);
    }
  }
  return { files: seen, packages };
}

describe('workflow-sandbox domain code', () => {
  it('allocation.ts reaches only decimal.js at runtime (no trading-signals, no Node built-ins)', () => {
    const { files, packages } = runtimeImports('allocation.ts');
    expect([...packages]).toEqual(['decimal.js']);
    // The walk really follows relative imports (and re-exports)...
    expect(files.has('portfolio-accounting.ts') && files.has('decimal-math.ts') && files.has('cooldowns.ts')).toBe(true);
    // ...and never reaches the indicator code.
    expect(files.has('indicators.ts')).toBe(false);
  });

  it('tick-decision.ts, the decision the workflow and the backtester share, reaches only decimal.js at runtime', () => {
    const { files, packages } = runtimeImports('tick-decision.ts');
    expect([...packages]).toEqual(['decimal.js']);
    expect(files.has('allocation.ts') && files.has('ai-policy.ts') && files.has('coin-health.ts')).toBe(true);
    expect(files.has('indicators.ts')).toBe(false);
  });
});
