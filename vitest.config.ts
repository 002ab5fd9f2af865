import { defineConfig } from 'vitest/config';

// Two projects: fast offline unit tests, and integration tests against a real Temporal dev server and PostgreSQL
// (or embedded PGlite when DATABASE_URL is unset). Integration files share one dev server started in globalSetup.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // Fast offline tests first; the integration project runs after them with its own worker limit.
          sequence: { groupOrder: 0 },
          environment: 'node',
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/replay/**/*.test.ts'],
          sequence: { groupOrder: 1 },
          environment: 'node',
          pool: 'forks',
          // Each file runs its own workers; two at once is what a 2-core machine sustains.
          maxWorkers: 2,
          globalSetup: ['test/helpers/global-setup.ts'],
          testTimeout: 240_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
