import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReplayMarket } from '../../../src/exchange/replay-market.js';
import { countCandles } from '../../../src/db/queries/candles.js';
import { listSignals, listTicks } from '../../../src/db/queries/ticks.js';
import { createHarness, type Harness } from '../../helpers/keel-harness.js';

const DATA_DIR = path.resolve('../shared/data/ohlcv/binance-spot-1h-2021');
const HOUR_MS = 3_600_000;
const TICKS = 50;
const COINS = 20;
const WARMUP = 100;

if (!existsSync(DATA_DIR)) console.warn(`skipping the replay cycle test: ${DATA_DIR} is absent (it ships in ../shared/data)`);

describe.skipIf(!existsSync(DATA_DIR))('a replay cycle over recorded Binance 1h candles, in market time', () => {
  let harness: Harness;
  let market: ReplayMarket;
  let symbols: string[];

  beforeAll(async () => {
    market = new ReplayMarket({ dir: DATA_DIR });
    const listed = await market.listSymbols('USDT');
    const coverage = await market.coverage(listed, '1h');
    // Pairs with the full window; their only holes are exchange maintenance gaps, none in the first 10 days.
    symbols = coverage.symbols.filter((c) => c.candles >= 5482).map((c) => c.symbol).slice(0, COINS);
    harness = await createHarness({ gateway: market });
    await harness.startWorkers();
  });
  afterAll(async () => harness?.teardown());

  it(`runs ${TICKS} ticks for ${COINS} coins without waiting for wall time, every candle from the files stored once`, async () => {
    expect(symbols).toHaveLength(COINS);
    const commonStartMs = await market.firstCommonTs(symbols, '1h');
    const marketStartMs = commonStartMs + WARMUP * HOUR_MS; // first tick: the candle closing after the warm-up window
    const startedAt = Date.now();
    const { handle } = await harness.startCycle({ clock: 'market', marketStartMs, maxTicks: TICKS, tickPacingMs: 0, warmupCandles: WARMUP, universe: { symbols, maxCoins: COINS } });
    const final = await handle.result();
    const elapsedMs = Date.now() - startedAt;
    console.log(`replay: ${TICKS} ticks x ${COINS} coins in ${elapsedMs} ms (${Math.round(elapsedMs / TICKS)} ms per tick); market time advanced ${TICKS} hours`);

    expect(final.tickNo).toBe(TICKS);
    expect(final.phase).toBe('finished');
    const db = harness.database.db;
    const ticks = await listTicks(db, handle.workflowId, 1000);
    expect(ticks).toHaveLength(TICKS);
    expect(ticks.map((t) => t.tickTs).sort((a, b) => a - b)).toEqual(Array.from({ length: TICKS }, (_, i) => marketStartMs + i * HOUR_MS));

    // First sync: the warm-up window in one call; then one new candle per coin per tick.
    expect(market.calls.ohlcv).toBe(COINS * TICKS);
    expect(await countCandles(db, { exchange: 'replay' })).toBe(COINS * (WARMUP + TICKS - 1));

    // Signals price each coin at the close of the file's candle for that tick: the cycle replayed market time.
    const signals = await listSignals(db, { cycleId: handle.workflowId, limit: 10_000 });
    expect(signals).toHaveLength(COINS * TICKS);
    const btcFile = JSON.parse(readFileSync(path.join(DATA_DIR, 'BTC_USDT-1h.json'), 'utf8')) as number[][];
    const closeByOpenTs = new Map(btcFile.map((row) => [row[0]!, row[4]!]));
    const btc = signals.filter((s) => s.symbol === 'BTC/USDT');
    if (symbols.includes('BTC/USDT')) {
      expect(btc).toHaveLength(TICKS);
      for (const s of btc) expect(s.price).toBeCloseTo(closeByOpenTs.get(s.tickTs - HOUR_MS)!, 6);
    }
    expect(Number(final.lastTick!.equity)).toBeGreaterThan(0);
  });
});
