import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedMarket } from '../../../src/exchange/simulated-market.js';
import { pauseSignal, resumeSignal, statusQuery } from '../../../src/contracts/messages.js';
import { countCandles } from '../../../src/db/queries/candles.js';
import { createHarness, waitFor, type Harness } from '../../helpers/keel-harness.js';

const COINS = 30;
const WARMUP = 100;

describe('restarting workers with candles already stored', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await createHarness({ gateway: new SimulatedMarket({ seed: 3, coins: COINS }) });
  });
  afterAll(async () => harness?.teardown());

  it('fetches only the candles newer than the last stored one: one call and one candle per coin', async () => {
    const before = await harness.startWorkers();
    const { handle } = await harness.startCycle({ maxTicks: 3, warmupCandles: WARMUP, universe: { symbols: null, maxCoins: COINS }, tickPacingMs: 500 });
    await waitFor('tick 1', async () => ((await handle.query(statusQuery)).tickNo >= 1 ? true : undefined));
    await handle.signal(pauseSignal, 'restart test');
    await waitFor('paused', async () => ((await handle.query(statusQuery)).phase === 'paused' ? true : undefined));
    const pausedAt = (await handle.query(statusQuery)).tickNo;
    await before.stop();
    expect(await countCandles(harness.database.db, { exchange: 'sim' })).toBe(COINS * (WARMUP + pausedAt - 1));

    // A new process: new market client with its call counters at zero, same database.
    const restartedMarket = new SimulatedMarket({ seed: 3, coins: COINS });
    await harness.startWorkers(['cycle', 'exchange', 'db'], restartedMarket);
    await handle.signal(resumeSignal);
    await waitFor('the next tick', async () => ((await handle.query(statusQuery)).tickNo >= pausedAt + 1 ? true : undefined));
    await handle.signal(pauseSignal, 'count calls of exactly one tick');
    await waitFor('paused again', async () => ((await handle.query(statusQuery)).phase === 'paused' ? true : undefined));

    const ticksRun = (await handle.query(statusQuery)).tickNo - pausedAt;
    expect(restartedMarket.calls.ohlcv).toBe(COINS * ticksRun);
    expect(restartedMarket.calls.ohlcvCandles).toBe(COINS * ticksRun);
    expect(await countCandles(harness.database.db, { exchange: 'sim' })).toBe(COINS * (WARMUP + pausedAt + ticksRun - 1));
    await handle.terminate('test done');
  });
});
