import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countTicks, listPositions, listSignals, listTicks, recordTick } from '../../../src/db/queries/ticks.js';
import type { TickRecordInput } from '../../../src/contracts/activity-types.js';
import type { CoinEvaluation } from '../../../src/domain/signal-types.js';
import { backend, freshDatabase } from '../../helpers/fresh-db.js';
import type { FreshDatabase } from '../../helpers/fresh-db.js';

const HOUR_MS = 3_600_000;
const T0 = 1_700_002_800_000;

function evaluation(symbol: string, score: number): CoinEvaluation {
  return {
    symbol,
    candleTs: T0 - HOUR_MS,
    price: 100.25,
    score,
    action: score > 0.05 ? 'buy' : score < -0.05 ? 'sell' : 'hold',
    volatility: 0.012,
    regime: 'ranging',
    indicators: { rsi: 48.5, maFast: 100.1, maSlow: 99.9, macd: 0.3, macdSignal: 0.2, macdHistogram: 0.1 },
  };
}

function tick(cycleId: string, tickNo: number, overrides: Partial<TickRecordInput> = {}): TickRecordInput {
  const tickTs = T0 + tickNo * HOUR_MS;
  return {
    cycleId,
    tickNo,
    tickTs,
    startedAtMs: tickTs + 1_000,
    completedAtMs: tickTs + 3_500,
    coins: 3,
    failedCoins: ['BAD/USDT'],
    evaluations: [evaluation('BTC/USDT', 0.4), evaluation('ETH/USDT', -0.3), evaluation('SOL/USDT', 0)],
    ordersPlaced: 1,
    cash: '9000.123456789012345678',
    equity: '10000.5',
    realizedPnl: '-0.000000001',
    positions: [
      { symbol: 'BTC/USDT', quantity: '0.015', averagePrice: '64000.5', openedTick: 1 },
      { symbol: 'ETH/USDT', quantity: '1.2', averagePrice: '3100', openedTick: tickNo },
    ],
    ...overrides,
  };
}

describe(`tick queries (${backend})`, () => {
  let fresh: FreshDatabase;
  beforeAll(async () => {
    fresh = await freshDatabase();
  });
  afterAll(async () => {
    await fresh?.dispose();
  });

  it('records a tick with its signals and positions, and a repeat changes nothing', async () => {
    const input = tick('cycle-a', 1);
    await recordTick(fresh.db, input);
    await recordTick(fresh.db, input);

    expect(await countTicks(fresh.db, 'cycle-a')).toBe(1);
    const [row] = await listTicks(fresh.db, 'cycle-a', 10);
    expect(row).toEqual({
      cycleId: 'cycle-a',
      tickNo: 1,
      tickTs: input.tickTs,
      startedAtMs: input.startedAtMs,
      completedAtMs: input.completedAtMs,
      durationMs: 2_500,
      coins: 3,
      failedCoins: ['BAD/USDT'],
      ordersPlaced: 1,
      cash: '9000.123456789012345678', // numeric keeps every digit
      equity: '10000.5',
      realizedPnl: '-0.000000001',
    });

    const signals = await listSignals(fresh.db, { cycleId: 'cycle-a', limit: 100 });
    expect(signals.map((s) => s.symbol)).toEqual(['BTC/USDT', 'ETH/USDT', 'SOL/USDT']);
    expect(signals[0]).toEqual({ cycleId: 'cycle-a', tickTs: input.tickTs, ...evaluation('BTC/USDT', 0.4) });

    expect(await listPositions(fresh.db, 'cycle-a')).toEqual([
      { symbol: 'BTC/USDT', quantity: '0.015', averagePrice: '64000.5', openedTick: 1, updatedTickTs: input.tickTs },
      { symbol: 'ETH/USDT', quantity: '1.2', averagePrice: '3100', openedTick: 1, updatedTickTs: input.tickTs },
    ]);
  });

  it('replaces the position set at the next tick and lists ticks newest first', async () => {
    await recordTick(fresh.db, tick('cycle-b', 1));
    const second = tick('cycle-b', 2, {
      positions: [
        { symbol: 'BTC/USDT', quantity: '0.02', averagePrice: '64100', openedTick: 1 },
        { symbol: 'SOL/USDT', quantity: '10', averagePrice: '150.5', openedTick: 2 },
      ],
    });
    await recordTick(fresh.db, second);
    expect(await listPositions(fresh.db, 'cycle-b')).toEqual([
      { symbol: 'BTC/USDT', quantity: '0.02', averagePrice: '64100', openedTick: 1, updatedTickTs: second.tickTs },
      { symbol: 'SOL/USDT', quantity: '10', averagePrice: '150.5', openedTick: 2, updatedTickTs: second.tickTs },
    ]);

    // A late retry of tick 1 must not roll positions back to the older snapshot.
    await recordTick(fresh.db, tick('cycle-b', 1));
    expect((await listPositions(fresh.db, 'cycle-b')).map((p) => p.symbol)).toEqual(['BTC/USDT', 'SOL/USDT']);

    await recordTick(fresh.db, tick('cycle-b', 3, { positions: [] }));
    expect(await listPositions(fresh.db, 'cycle-b')).toEqual([]);

    expect((await listTicks(fresh.db, 'cycle-b', 10)).map((t) => t.tickNo)).toEqual([3, 2, 1]);
    expect((await listTicks(fresh.db, 'cycle-b', 2)).map((t) => t.tickNo)).toEqual([3, 2]);
    expect(await countTicks(fresh.db, 'cycle-b')).toBe(3);
    // Other cycles are untouched.
    expect(await listPositions(fresh.db, 'cycle-a')).toHaveLength(2);
  });

  it('lists one coin across ticks, newest first', async () => {
    await recordTick(fresh.db, tick('cycle-c', 1));
    await recordTick(fresh.db, tick('cycle-c', 2, { evaluations: [evaluation('BTC/USDT', -0.9)] }));
    const btc = await listSignals(fresh.db, { cycleId: 'cycle-c', symbol: 'BTC/USDT', limit: 10 });
    expect(btc.map((s) => [s.tickTs, s.action])).toEqual([
      [T0 + 2 * HOUR_MS, 'sell'],
      [T0 + HOUR_MS, 'buy'],
    ]);
    expect(await listSignals(fresh.db, { cycleId: 'cycle-c', limit: 2 })).toHaveLength(2);
  });

  it('records a tick with no evaluations and stores non-finite indicators', async () => {
    await recordTick(fresh.db, tick('cycle-d', 1, { evaluations: [], coins: 0, failedCoins: [] }));
    expect(await listSignals(fresh.db, { cycleId: 'cycle-d', limit: 10 })).toEqual([]);
    const warmingUp = evaluation('NEW/USDT', 0);
    warmingUp.indicators.macdSignal = Number.NaN;
    await recordTick(fresh.db, tick('cycle-d', 2, { evaluations: [warmingUp] }));
    const [stored] = await listSignals(fresh.db, { cycleId: 'cycle-d', limit: 10 });
    expect(stored?.indicators.macdSignal).toBeNaN();
  });

  it('writes 300 coins of one tick in one transaction', async () => {
    const evaluations = Array.from({ length: 300 }, (_, i) => evaluation(`C${i}/USDT`, (i % 7) / 10 - 0.3));
    await recordTick(fresh.db, tick('cycle-e', 1, { evaluations, coins: 300 }));
    await recordTick(fresh.db, tick('cycle-e', 1, { evaluations, coins: 300 }));
    expect(await listSignals(fresh.db, { cycleId: 'cycle-e', limit: 1_000 })).toHaveLength(300);
  });
});
