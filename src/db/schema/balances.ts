import { sql } from 'drizzle-orm';
import { check, numeric, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/** The paper broker's balances per account and asset. */
export const balances = pgTable(
  'balances',
  {
    account: text('account').notNull(),
    asset: text('asset').notNull(),
    free: numeric('free').notNull(),
    used: numeric('used').notNull().default('0'),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.account, t.asset] }),
    // Last line of defence: recordFill checks funds itself, but a negative balance must be impossible to store.
    check('balances_free_non_negative', sql`${t.free} >= 0`),
    check('balances_used_non_negative', sql`${t.used} >= 0`),
  ],
);
