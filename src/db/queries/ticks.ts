import type { TickRecord } from '../../domain/tick-record.js';
import { and, count, desc, asc, eq, gt, notInArray } from 'drizzle-orm';
import type { Position } from '../../domain/portfolio-types.js';
import type { CoinEvaluation } from '../../domain/signal-types.js';
import type { Database } from '../client.js';
import { withDatabaseErrors } from '../errors.js';
import { positions, signals, ticks } from '../schema/index.js';
import { chunkForInsert, excluded, lastPerKey } from './sql-helpers.js';

export type { TickRecord };

/** A stored tick, as the API and tests read it back. */
export interface TickRow {
  cycleId: string;
  tickNo: number;
  tickTs: number;
  startedAtMs: number;
  completedAtMs: number;
  durationMs: number;
  coins: number;
  failedCoins: string[];
  ordersPlaced: number;
  cash: string;
  equity: string;
  realizedPnl: string;
}

/** A stored coin evaluation of one tick (without the candle's range and ATR: exits use them within the tick only). */
export interface SignalRow extends Omit<CoinEvaluation, 'candle' | 'atr'> {
  cycleId: string;
  tickTs: number;
}

export interface StoredPosition extends Position {
  /** Market time (epoch ms) of the tick that last wrote the position. */
  updatedTickTs: number;
}

const COLUMNS_PER_SIGNAL = 15;
const COLUMNS_PER_POSITION = 6;

/**
 * Records a tick in one transaction: the tick row, every coin's signal (one statement) and the cycle's position set
 * (replaced: rows missing from the snapshot are deleted). Everything is an upsert, so an activity retry that repeats
 * the call changes nothing.
 */
export async function recordTick(db: Database, record: TickRecord): Promise<void> {
  const { cycleId, tickTs } = record;
  const tickRow = {
    cycleId,
    tickTs,
    tickNo: record.tickNo,
    startedAt: new Date(record.startedAtMs),
    completedAt: new Date(record.completedAtMs),
    durationMs: Math.max(0, Math.round(record.completedAtMs - record.startedAtMs)),
    coins: record.coins,
    failedCoins: record.failedCoins,
    ordersPlaced: record.ordersPlaced,
    cash: record.cash,
    equity: record.equity,
    realizedPnl: record.realizedPnl,
  };
  const signalRows = lastPerKey(record.evaluations, (e) => e.symbol).map((e) => ({
    cycleId,
    tickTs,
    symbol: e.symbol,
    candleTs: e.candleTs,
    price: e.price,
    score: e.score,
    action: e.action,
    volatility: e.volatility,
    regime: e.regime,
    rsi: e.indicators.rsi,
    maFast: e.indicators.maFast,
    maSlow: e.indicators.maSlow,
    macd: e.indicators.macd,
    macdSignal: e.indicators.macdSignal,
    macdHistogram: e.indicators.macdHistogram,
  }));
  const positionRows = lastPerKey(record.positions, (p) => p.symbol).map((p) => ({
    cycleId,
    symbol: p.symbol,
    quantity: p.quantity,
    averagePrice: p.averagePrice,
    openedTick: p.openedTick,
    updatedTickTs: tickTs,
  }));

  await withDatabaseErrors('recordTick', () =>
    db.transaction(async (tx) => {
      await tx
        .insert(ticks)
        .values(tickRow)
        .onConflictDoUpdate({
          target: [ticks.cycleId, ticks.tickTs],
          set: {
            tickNo: excluded(ticks.tickNo),
            startedAt: excluded(ticks.startedAt),
            completedAt: excluded(ticks.completedAt),
            durationMs: excluded(ticks.durationMs),
            coins: excluded(ticks.coins),
            failedCoins: excluded(ticks.failedCoins),
            ordersPlaced: excluded(ticks.ordersPlaced),
            cash: excluded(ticks.cash),
            equity: excluded(ticks.equity),
            realizedPnl: excluded(ticks.realizedPnl),
          },
        });

      for (const chunk of chunkForInsert(signalRows, COLUMNS_PER_SIGNAL)) {
        await tx
          .insert(signals)
          .values(chunk)
          .onConflictDoUpdate({
            target: [signals.cycleId, signals.tickTs, signals.symbol],
            set: {
              candleTs: excluded(signals.candleTs),
              price: excluded(signals.price),
              score: excluded(signals.score),
              action: excluded(signals.action),
              volatility: excluded(signals.volatility),
              regime: excluded(signals.regime),
              rsi: excluded(signals.rsi),
              maFast: excluded(signals.maFast),
              maSlow: excluded(signals.maSlow),
              macd: excluded(signals.macd),
              macdSignal: excluded(signals.macdSignal),
              macdHistogram: excluded(signals.macdHistogram),
            },
          });
      }

      // The position table holds the cycle's LATEST snapshot: a late retry of an older tick must not roll it back.
      const newer = await tx
        .select({ tickTs: ticks.tickTs })
        .from(ticks)
        .where(and(eq(ticks.cycleId, cycleId), gt(ticks.tickTs, tickTs)))
        .limit(1);
      if (newer.length > 0) return;

      const kept = positionRows.map((p) => p.symbol);
      await tx
        .delete(positions)
        .where(kept.length > 0 ? and(eq(positions.cycleId, cycleId), notInArray(positions.symbol, kept)) : eq(positions.cycleId, cycleId));
      for (const chunk of chunkForInsert(positionRows, COLUMNS_PER_POSITION)) {
        await tx
          .insert(positions)
          .values(chunk)
          .onConflictDoUpdate({
            target: [positions.cycleId, positions.symbol],
            set: {
              quantity: excluded(positions.quantity),
              averagePrice: excluded(positions.averagePrice),
              openedTick: excluded(positions.openedTick),
              updatedTickTs: excluded(positions.updatedTickTs),
            },
          });
      }
    }),
  );
}

/** The cycle's ticks, newest first. */
export async function listTicks(db: Database, cycleId: string, limit: number): Promise<TickRow[]> {
  return withDatabaseErrors('listTicks', async () => {
    const rows = await db.select().from(ticks).where(eq(ticks.cycleId, cycleId)).orderBy(desc(ticks.tickTs)).limit(limit);
    return rows.map(({ startedAt, completedAt, ...rest }) => ({
      ...rest,
      startedAtMs: startedAt.getTime(),
      completedAtMs: completedAt.getTime(),
    }));
  });
}

/** The cycle's coin evaluations, newest tick first (symbols alphabetical within a tick), optionally for one coin. */
export async function listSignals(db: Database, query: { cycleId: string; symbol?: string; limit: number }): Promise<SignalRow[]> {
  return withDatabaseErrors('listSignals', async () => {
    const filter =
      query.symbol === undefined ? eq(signals.cycleId, query.cycleId) : and(eq(signals.cycleId, query.cycleId), eq(signals.symbol, query.symbol));
    const rows = await db.select().from(signals).where(filter).orderBy(desc(signals.tickTs), asc(signals.symbol)).limit(query.limit);
    return rows.map((r) => ({
      cycleId: r.cycleId,
      tickTs: r.tickTs,
      symbol: r.symbol,
      candleTs: r.candleTs,
      price: r.price,
      score: r.score,
      action: r.action,
      volatility: r.volatility,
      regime: r.regime,
      indicators: { rsi: r.rsi, maFast: r.maFast, maSlow: r.maSlow, macd: r.macd, macdSignal: r.macdSignal, macdHistogram: r.macdHistogram },
    }));
  });
}

/** The cycle's current positions, by symbol. */
export async function listPositions(db: Database, cycleId: string): Promise<StoredPosition[]> {
  return withDatabaseErrors('listPositions', async () => {
    const rows = await db.select().from(positions).where(eq(positions.cycleId, cycleId)).orderBy(asc(positions.symbol));
    return rows.map((r) => ({ symbol: r.symbol, quantity: r.quantity, averagePrice: r.averagePrice, openedTick: r.openedTick, updatedTickTs: r.updatedTickTs }));
  });
}

/** How many ticks are recorded, for one cycle or for all. */
export async function countTicks(db: Database, cycleId?: string): Promise<number> {
  return withDatabaseErrors('countTicks', async () => {
    const [row] = await db
      .select({ n: count() })
      .from(ticks)
      .where(cycleId === undefined ? undefined : eq(ticks.cycleId, cycleId));
    return row?.n ?? 0;
  });
}
