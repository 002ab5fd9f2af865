import { bigint, index, numeric, pgTable, text } from 'drizzle-orm/pg-core';

/**
 * Notional the live broker reserved against the daily cap, one row per client order id, written BEFORE the order is
 * sent: every exchange-worker replica and every restart sees the same reservations, so orders in flight count too.
 * A refused or failed placement keeps its reservation for the day (errs towards refusing, never towards overspending).
 */
export const liveOrderReservations = pgTable(
  'live_order_reservations',
  {
    clientOrderId: text('client_order_id').primaryKey(),
    /** The exchange account the cap applies to (one key set): `cycle/<exchange>/`. */
    accountKey: text('account_key').notNull(),
    notional: numeric('notional').notNull(),
    /** Wall time of the reservation (epoch ms), from the broker's clock; the day is counted from 00:00 UTC. */
    reservedAtMs: bigint('reserved_at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [index('live_order_reservations_account_time_idx').on(t.accountKey, t.reservedAtMs)],
);
