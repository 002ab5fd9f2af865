import { loadSettings } from '../config/settings.js';
import { serveRole } from './serve.js';

// Entrypoint of the keel-cycle task queue worker; scale it with replicas.
serveRole('cycle', loadSettings()).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
