import { bigint, index, integer, jsonb, numeric, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Backtest runs: what was asked (the request, for a rerun), how it went (status, error), and what came out (metrics,
 * fingerprint, the equity curve against buy-and-hold). A sweep's runs share its sweep id.
 */
export const backtestRuns = pgTable(
  'backtest_runs',
  {
    /** A business key: `bt-<time>-<random>` for a single run, `<sweep id>/<n>` for run n of a sweep. */
    id: text('id').primaryKey(),
    sweepId: text('sweep_id'),
    /** 'running' | 'finished' | 'failed'. */
    status: text('status').$type<'running' | 'finished' | 'failed'>().notNull(),
    /** The BacktestRequest as JSON (folder, config, cash, fill, window): enough to run it again. */
    request: jsonb('request').notNull(),
    /** What a person reads first: "timeframe, pairs, from → to, the settings that differ". */
    label: text('label').notNull(),
    fingerprint: text('fingerprint'),
    metrics: jsonb('metrics'),
    /** [[ts, equity], ...] per tick. */
    equity: jsonb('equity'),
    /** [[ts, value], ...] per tick: the same universe bought with equal shares and held. */
    buyAndHold: jsonb('buy_and_hold'),
    error: text('error'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('backtest_runs_created_idx').on(t.createdAt), index('backtest_runs_sweep_idx').on(t.sweepId)],
);

/** A run's filled orders, in fill order (seq), in the shape `keel backtest --json` prints them. */
export const backtestOrders = pgTable(
  'backtest_orders',
  {
    runId: text('run_id')
      .notNull()
      .references(() => backtestRuns.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    tickTs: bigint('tick_ts', { mode: 'number' }).notNull(),
    symbol: text('symbol').notNull(),
    side: text('side').$type<'buy' | 'sell'>().notNull(),
    amount: numeric('amount').notNull(),
    price: numeric('price').notNull(),
    fee: numeric('fee').notNull(),
    reason: text('reason').notNull(),
    feeRole: text('fee_role').$type<'maker' | 'taker'>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.seq] })],
);
