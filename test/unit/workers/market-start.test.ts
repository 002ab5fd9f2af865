import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultCycleConfig } from '../../../src/domain/cycle-config.js';
import { ReplayMarket } from '../../../src/exchange/replay-market.js';
import { SimulatedMarket } from '../../../src/exchange/simulated-market.js';
import { withReplayStart } from '../../../src/workers/market-start.js';

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
  });
});
