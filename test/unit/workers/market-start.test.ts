import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultCycleConfig } from '../../../src/domain/cycle-config.js';
import { ReplayMarket } from '../../../src/exchange/replay-market.js';
import { SimulatedMarket } from '../../../src/exchange/simulated-market.js';
import { withReplayStart } from '../../../src/workers/market-start.js';

const HOUR_MS = 3_600_000;
const DATA_DIR = path.resolve('../shared/data/ohlcv/binance-spot-1h-2021');
if (!existsSync(DATA_DIR)) console.warn(`skipping the replay start test: ${DATA_DIR} is absent`);

describe('where a market-clock cycle starts', () => {
  it('keeps the configured start on the simulated market', async () => {
    const config = defaultCycleConfig();
    expect(await withReplayStart(config, new SimulatedMarket({ seed: 1, coins: 3 }))).toBe(config);
  });

  it.skipIf(!existsSync(DATA_DIR))('starts a replay at the first candle close after the warm-up window of the recorded files', async () => {
    const config = defaultCycleConfig({ exchange: 'replay', warmupCandles: 100 });
    const started = await withReplayStart(config, new ReplayMarket({ dir: DATA_DIR }));
    // Most files begin at 2020-12-01 00:00 UTC; 100 hourly candles later is 2020-12-05 04:00 UTC.
    expect(new Date(started.marketStartMs).toISOString()).toBe('2020-12-05T04:00:00.000Z');
    // The files end with the candle opened 2021-07-17 20:00 UTC: the last tick is its close, 21:00.
    expect(new Date(started.marketStartMs + (started.maxTicks! - 1) * HOUR_MS).toISOString()).toBe('2021-07-17T21:00:00.000Z');
  });

  describe('on a small recorded folder (10 hourly candles per symbol)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-replay-start-'));
    const t0 = Date.UTC(2024, 0, 1);
    for (const base of ['AAA', 'BBB']) {
      const candles = Array.from({ length: 10 }, (_, i) => [t0 + i * HOUR_MS, 10, 11, 9, 10.5, 100]);
      writeFileSync(path.join(dir, `${base}_USDT-1h.json`), JSON.stringify(candles));
    }
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('stops after the last recorded candle: maxTicks is the candles left after the warm-up', async () => {
      const started = await withReplayStart(defaultCycleConfig({ exchange: 'replay', warmupCandles: 5, maxTicks: null }), new ReplayMarket({ dir }));
      expect(started.marketStartMs).toBe(t0 + 5 * HOUR_MS);
      // Closes t0+5h .. t0+10h: six ticks, the last one evaluating the candle opened at t0+9h.
      expect(started.maxTicks).toBe(6);
    });

    it('keeps a shorter maxTicks the user chose', async () => {
      const started = await withReplayStart(defaultCycleConfig({ exchange: 'replay', warmupCandles: 5, maxTicks: 2 }), new ReplayMarket({ dir }));
      expect(started.maxTicks).toBe(2);
    });

    it('refuses a warm-up longer than the data, saying what to change', async () => {
      await expect(withReplayStart(defaultCycleConfig({ exchange: 'replay', warmupCandles: 40 }), new ReplayMarket({ dir }))).rejects.toThrow(/too few 1h candles for a warm-up of 40.*lower warmupCandles or add data/);
    });
  });
});
