import { loadSettings } from '../config/settings.js';
import { serveRole } from './serve.js';

// Entrypoint of the keel-backtest worker (sweeps); each replica runs KEEL_BACKTEST_SLOTS backtests at once.
serveRole('backtest', loadSettings()).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
