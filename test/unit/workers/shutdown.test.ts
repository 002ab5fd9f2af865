import { describe, expect, it } from 'vitest';
import { ShutdownSequence } from '../../../src/workers/shutdown.js';

describe('ShutdownSequence', () => {
  it('closes last opened first, once, and reports a failing step while the others still close', async () => {
    const closed: string[] = [];
    const failures: string[] = [];
    const shutdown = new ShutdownSequence({ signals: [], onCloseError: (name, error) => failures.push(`${name}: ${(error as Error).message}`) });
    shutdown.defer('dev server', () => void closed.push('dev server'));
    shutdown.defer('database', async () => void closed.push('database'));
    shutdown.defer('client connection', () => {
      throw new Error('already closed');
    });
    shutdown.defer('workers', async () => void closed.push('workers'));
    shutdown.defer('api', () => void closed.push('api'));

    const [first, second] = await Promise.all([shutdown.close(), shutdown.close()]);
    expect(closed).toEqual(['api', 'workers', 'database', 'dev server']);
    expect(failures).toEqual(['client connection: already closed']);
    expect([first, second]).toEqual([false, false]);
  });

  it('turns the first stop signal into a request that start-up code can check and await', async () => {
    const seen: string[] = [];
    const shutdown = new ShutdownSequence({ signals: ['SIGUSR2'], onSignal: (signal) => seen.push(signal) });
    expect(shutdown.requested).toBe(false);
    process.emit('SIGUSR2', 'SIGUSR2');
    await shutdown.requestedPromise;
    expect(shutdown.requested).toBe(true);
    expect(seen).toEqual(['SIGUSR2']);
    expect(await shutdown.close()).toBe(true);
    expect(process.listenerCount('SIGUSR2')).toBe(0);
  });
});
