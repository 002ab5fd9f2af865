import type { TestProject } from 'vitest/node';
import { findTemporalCli } from '../../src/temporal/temporal-cli.js';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
  }
}

let server: DevServer | undefined;

/** One real Temporal dev server (in memory, keel's search attributes registered) shared by every integration file. */
export async function setup(project: TestProject): Promise<void> {
  if (process.env.KEEL_TEST_TEMPORAL_ADDRESS) {
    project.provide('temporalAddress', process.env.KEEL_TEST_TEMPORAL_ADDRESS);
    return;
  }
  const cliPath = findTemporalCli(process.env.TEMPORAL_CLI_PATH);
  if (!cliPath) {
    throw new Error('integration tests need the Temporal CLI: run `bash .ci/run` once (it builds it with go install), or set TEMPORAL_CLI_PATH');
  }
  server = await startDevServer({ cliPath });
  project.provide('temporalAddress', server.address);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
