import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type KeelDatabase } from '../../../src/db/client.js';
import { reserveLiveNotional, type LiveReservationRequest } from '../../../src/db/queries/live-reservations.js';
import { freshDatabase, type FreshDatabase } from '../../helpers/fresh-db.js';

const DAY_START = Date.UTC(2026, 0, 5);
const NOW = DAY_START + 15 * 3_600_000;

const request = (clientOrderId: string, overrides: Partial<LiveReservationRequest> = {}): LiveReservationRequest => ({
  accountKey: 'cycle/kraken/',
  clientOrderId,
  notional: '200',
  sinceMs: DAY_START,
  nowMs: NOW,
  capNotional: '1000',
  ...overrides,
});

describe('live daily-cap reservations (live_order_reservations)', () => {
  let fresh: FreshDatabase;
  /** A second connection pool to the same database on PostgreSQL: another exchange-worker replica. */
  let replica: KeelDatabase | undefined;

  beforeAll(async () => {
    fresh = await freshDatabase();
    if (fresh.url !== undefined) replica = await createDatabase({ url: fresh.url });
  });
  afterAll(async () => {
    await replica?.close();
    await fresh?.dispose();
  });

  it('lets exactly as many concurrent buys through as the cap holds, across replicas', async () => {
    const handles = [fresh.db, replica?.db ?? fresh.db];
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => reserveLiveNotional(handles[i % 2]!, request(`c-${i}`))));
    expect(results.filter((r) => r.reserved)).toHaveLength(5);
    const refused = results.filter((r) => !r.reserved);
    expect(refused).toHaveLength(5);
    for (const r of refused) expect(Number(r.usedBefore)).toBe(1000);
  });

  it('keeps a reserved order reserved on a retry without counting it twice', async () => {
    const reserved = (await Promise.all(Array.from({ length: 10 }, (_, i) => reserveLiveNotional(fresh.db, request(`c-${i}`))))).filter((r) => r.reserved);
    expect(reserved).toHaveLength(5);
    for (const r of reserved) expect(Number(r.usedBefore)).toBe(800);
  });

  it('starts afresh at 00:00 UTC and keeps accounts apart', async () => {
    const nextDay = DAY_START + 86_400_000;
    expect(await reserveLiveNotional(fresh.db, request('d2-1', { sinceMs: nextDay, nowMs: nextDay + 60_000 }))).toEqual({ reserved: true, usedBefore: '0' });
    expect(await reserveLiveNotional(fresh.db, request('b-1', { accountKey: 'cycle/binance/' }))).toEqual({ reserved: true, usedBefore: '0' });
    const refused = await reserveLiveNotional(fresh.db, request('c-late', { notional: '0.01' }));
    expect(refused.reserved).toBe(false);
  });
});
