import { and, eq, gte, ne, sql } from 'drizzle-orm';
import { Dec } from '../../domain/decimal-math.js';
import type { Database } from '../client.js';
import { withDatabaseErrors } from '../errors.js';
import { liveOrderReservations } from '../schema/index.js';

export interface LiveReservationRequest {
  /** The exchange account the cap applies to, e.g. `cycle/kraken/`. */
  accountKey: string;
  clientOrderId: string;
  /** This order's notional in the quote currency (decimal string). */
  notional: string;
  /** Start of the cap's day (00:00 UTC, epoch ms) and the wall time of this reservation. */
  sinceMs: number;
  nowMs: number;
  /** The daily cap (decimal string). */
  capNotional: string;
}

export interface LiveReservation {
  reserved: boolean;
  /** Notional reserved by the account's other orders since `sinceMs` (decimal string). */
  usedBefore: string;
}

/**
 * Reserves an order's notional against the account's daily cap, atomically across every process: one transaction
 * holding a per-account advisory lock sums the day's reservations and inserts this one only if the cap still holds.
 * A client order id reserved before (a retry, a replay, a restart) is not counted twice and stays reserved.
 */
export async function reserveLiveNotional(db: Database, request: LiveReservationRequest): Promise<LiveReservation> {
  return withDatabaseErrors('reserveLiveNotional', () =>
    db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`keel-live-cap:${request.accountKey}`}))`);
      const [used] = await tx
        .select({ notional: sql<string>`coalesce(sum(${liveOrderReservations.notional}), 0)::text` })
        .from(liveOrderReservations)
        .where(and(eq(liveOrderReservations.accountKey, request.accountKey), gte(liveOrderReservations.reservedAtMs, request.sinceMs), ne(liveOrderReservations.clientOrderId, request.clientOrderId)));
      const usedBefore = used?.notional ?? '0';
      const [existing] = await tx.select({ id: liveOrderReservations.clientOrderId }).from(liveOrderReservations).where(eq(liveOrderReservations.clientOrderId, request.clientOrderId));
      if (existing !== undefined) return { reserved: true, usedBefore };
      if (new Dec(usedBefore).plus(request.notional).gt(request.capNotional)) return { reserved: false, usedBefore };
      await tx.insert(liveOrderReservations).values({ clientOrderId: request.clientOrderId, accountKey: request.accountKey, notional: request.notional, reservedAtMs: request.nowMs });
      return { reserved: true, usedBefore };
    }),
  );
}
