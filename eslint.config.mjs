// Lint enforces ARCHITECTURE.md's folder rules: what each layer may import.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const io = ['ccxt', 'ccxt/*', 'pg', 'drizzle-orm', 'drizzle-orm/*', '@electric-sql/*', '@anthropic-ai/*', 'pino', 'zod'];
const temporalRuntime = ['@temporalio/activity', '@temporalio/client', '@temporalio/worker', '@temporalio/testing'];

// Node built-ins are matched by exact name (`paths`): as gitignore-style patterns, the built-in `domain` would
// also match our own `../domain/...` imports.
function restrict(patterns, message, extra = []) {
  const builtins = patterns.filter((p) => nodeBuiltins.includes(p));
  const rest = patterns.filter((p) => !nodeBuiltins.includes(p));
  return {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        paths: builtins.map((name) => ({ name, message })),
        patterns: [{ group: rest, message }, ...extra],
      },
    ],
  };
}

export default tseslint.config(
  { ignores: ['node_modules/**', 'src/db/migrations/**', '.keel/**', 'bin/**', '.scratch/**', 'dist/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'separate-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: restrict(
      [...nodeBuiltins, ...io, '@temporalio/*', '**/contracts/**', '**/workflows/**', '**/activities/**', '**/exchange/**', '**/db/**', '**/ai/**', '**/config/**', '**/workers/**', '**/api/**'],
      'src/domain is pure: it imports only itself (plus trading-signals and decimal.js for math).',
    ),
  },
  {
    files: ['src/contracts/**/*.ts'],
    rules: restrict(
      [...nodeBuiltins, ...io, ...temporalRuntime, '**/workflows/**', '**/activities/**', '**/exchange/**', '**/db/**', '**/ai/**', '**/config/**', '**/workers/**', '**/api/**'],
      'src/contracts may import only src/domain and Temporal definitions.',
    ),
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: restrict(
      [...nodeBuiltins, ...io, ...temporalRuntime, 'trading-signals', '**/exchange/**', '**/db/**', '**/ai/**', '**/config/**', '**/workers/**', '**/api/**'],
      'Workflow code must stay deterministic: no Node built-ins, I/O libraries or adapters (they also break the bundle).',
      [{ group: ['**/activities/**'], allowTypeImports: true, message: 'Workflows may only `import type` activities.' }],
    ),
  },
  {
    files: ['src/activities/**/*.ts'],
    rules: restrict(
      ['@temporalio/workflow', '@temporalio/client', '@temporalio/worker', '**/workflows/**', '**/config/**', '**/workers/**', '**/api/**'],
      'Activities are thin adapters over ports: no workflow APIs, config or entrypoints.',
    ),
  },
  {
    files: ['src/exchange/**/*.ts', 'src/ai/**/*.ts', 'src/db/**/*.ts'],
    rules: restrict(
      ['@temporalio/*', '**/workflows/**', '**/activities/**', '**/config/**', '**/workers/**', '**/api/**', '**/contracts/**'],
      'Adapters (exchange, ai, db) know nothing of Temporal, config or each other: they import domain and their library.',
      [{ group: ['**/exchange/**', '**/ai/**', '**/db/**'], message: 'Adapters do not import each other.' }],
    ),
  },
  {
    files: ['src/observability/**/*.ts'],
    rules: restrict(
      ['@temporalio/workflow', '**/workflows/**', '**/activities/**', '**/api/**', '**/config/**'],
      'Observability wraps ports and serves metrics; it knows nothing of workflows, activities, the API or config.',
    ),
  },
  {
    files: ['src/api/**/*.ts'],
    rules: restrict(
      ['**/activities/**', '**/exchange/**', '**/ai/**', '**/workflows/**', 'ccxt', '@anthropic-ai/*', '@temporalio/worker'],
      'The API talks to Temporal and reads PostgreSQL; it never calls an exchange or the model.',
    ),
  },
  {
    files: ['src/backtest/**/*.ts'],
    rules: restrict(
      ['@temporalio/*', '**/workflows/**', '**/activities/**', '**/db/**', '**/api/**', '**/workers/**', '**/config/**', '**/ai/**'],
      'The backtester runs the domain over replayed candles in-process: it imports domain, exchange (data loading) and Node built-ins, no Temporal, database or model.',
    ),
  },
);
