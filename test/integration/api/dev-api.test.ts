import net from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../../src/config/settings.js';
import { freePort } from '../../../src/temporal/dev-server.js';
import { devApiToken, startDevApi } from '../../../src/workers/dev-api.js';
import { freshDatabase, type FreshDatabase } from '../../helpers/fresh-db.js';

describe("npm start's API", () => {
  let database: FreshDatabase;
  // Listening needs no Temporal server: a lazy connection only dials on the first call.
  const connection = Connection.lazy({ address: '127.0.0.1:1' });
  const client = new Client({ connection, namespace: 'default' });
  beforeAll(async () => {
    database = await freshDatabase();
  });
  afterAll(async () => {
    await database.dispose();
    await connection.close();
  });

  it('makes up a login token when KEEL_API_TOKEN is unset, and uses the configured one otherwise', () => {
    const made = devApiToken(loadSettings({}));
    expect(made.generated).toBe(true);
    expect(made.tokens[0]).toMatch(/^[0-9a-f]{48}$/);
    expect(devApiToken(loadSettings({})).tokens[0]).not.toBe(made.tokens[0]);
    expect(devApiToken(loadSettings({ KEEL_API_TOKEN: 'first-token-0123456789,second-token-0123456789' }))).toEqual({ tokens: ['first-token-0123456789', 'second-token-0123456789'], generated: false });
  });

  it('listens on the next free port when KEEL_API_PORT is taken, and says which', async () => {
    const port = await freePort();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const api = await startDevApi({ settings: loadSettings({ KEEL_API_PORT: String(port) }), client, db: database.db, temporalUiUrl: 'http://localhost:8233' });
      expect(api).not.toBeNull();
      try {
        expect(api!.takenPort).toBe(port);
        expect(api!.port).toBeGreaterThan(port);
        expect(api!.url).toBe(`http://127.0.0.1:${api!.port}/`);
        const health = await fetch(new URL('health', api!.url));
        expect(health.status).toBe(200);
      } finally {
        await api!.app.close();
      }
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
