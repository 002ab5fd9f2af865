import { loadSettings } from '../config/settings.js';
import { serveRole } from './serve.js';

// Entrypoint of the keel-exchange-<exchange> worker; replicas share one server-side request budget (KEEL_EXCHANGE_RPS).
serveRole('exchange', loadSettings()).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
