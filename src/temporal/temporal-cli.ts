import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The Temporal CLI version keel builds when none is installed: the newest tag `go install` accepts. */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

function onPath(name: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const file = found.stdout.trim();
  return found.status === 0 && file ? file : undefined;
}

function goBinDir(): string | undefined {
  if (!onPath('go')) return undefined;
  try {
    const gopath = execFileSync('go', ['env', 'GOPATH'], { encoding: 'utf8' }).trim();
    return gopath ? path.join(gopath, 'bin') : undefined;
  } catch {
    return undefined;
  }
}

/** TEMPORAL_CLI_PATH, then `temporal` on PATH, then Go's bin folder (where `go install` puts it). */
export function findTemporalCli(explicitPath?: string): string | undefined {
  if (explicitPath) {
    if (!existsSync(explicitPath)) throw new Error(`TEMPORAL_CLI_PATH points to ${explicitPath}, which does not exist`);
    return explicitPath;
  }
  const candidates = [onPath('temporal'), path.join(goBinDir() ?? path.join(os.homedir(), 'go', 'bin'), 'temporal')];
  return candidates.find((c): c is string => c !== undefined && existsSync(c));
}

/**
 * Finds the Temporal CLI, building it with `go install` when it is missing (and saying so, since it takes minutes).
 * Throws with install instructions when neither the CLI nor Go is available.
 */
export function ensureTemporalCli(explicitPath: string | undefined, say: (line: string) => void): string {
  const found = findTemporalCli(explicitPath);
  if (found) return found;
  if (!onPath('go')) {
    throw new Error(
      'the Temporal CLI was not found and Go is not installed to build it. Install it (macOS: `brew install temporal`; ' +
        `with Go: \`go install ${TEMPORAL_CLI_MODULE}\`; or the official download), then set TEMPORAL_CLI_PATH or put \`temporal\` on PATH. ` +
        'Or point keel at a running server with TEMPORAL_ADDRESS=host:7233.',
    );
  }
  say(`Temporal CLI not found: building it with \`go install ${TEMPORAL_CLI_MODULE}\` (a few minutes, once)...`);
  const built = spawnSync('go', ['install', TEMPORAL_CLI_MODULE], { stdio: ['ignore', 'inherit', 'inherit'] });
  const cli = findTemporalCli();
  if (built.status !== 0 || !cli) throw new Error(`\`go install ${TEMPORAL_CLI_MODULE}\` failed (exit ${built.status}); see the output above`);
  say(`Temporal CLI built: ${cli}`);
  return cli;
}
