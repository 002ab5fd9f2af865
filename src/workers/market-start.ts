import type { CycleConfig } from '../domain/cycle-config.js';
import { KeelError } from '../domain/errors.js';
import { timeframeMs } from '../domain/market-types.js';
import type { ExchangeGateway } from '../exchange/port.js';
import { ReplayMarket } from '../exchange/replay-market.js';

/**
 * A replay on the market clock must start where the recorded files have data (the first candle close after the
 * warm-up window) and stop where they end: past the last recorded candle every tick would find nothing new, so the
 * cycle's maxTicks is capped at the candles left. Other markets keep the configured start and length.
 */
export async function withReplayStart(config: CycleConfig, gateway: ExchangeGateway): Promise<CycleConfig> {
  if (!(gateway instanceof ReplayMarket) || config.clock !== 'market') return config;
  const listed = config.universe.symbols ?? (await gateway.listSymbols(config.quote));
  const coverage = await gateway.coverage(listed, config.timeframe);
  // Symbols listed later than the rest would push the common start far out; start where most symbols have data.
  const starts = coverage.symbols.map((c) => c.firstTs).filter((ts): ts is number => ts !== null).sort((a, b) => a - b);
  if (starts.length === 0) {
    throw new KeelError('InvalidConfig', `replay folder ${gateway.dir} has no ${config.timeframe} candles for ${config.quote}; check KEEL_REPLAY_DIR and KEEL_TIMEFRAME`);
  }
  const tfMs = timeframeMs(config.timeframe);
  const marketStartMs = starts[Math.floor(starts.length / 2)]! + config.warmupCandles * tfMs;
  // Likewise symbols delisted early would cut the replay short: stop where most symbols' data ends.
  const ends = coverage.symbols.map((c) => c.lastTs).filter((ts): ts is number => ts !== null).sort((a, b) => a - b);
  const lastCloseMs = ends[Math.floor(ends.length / 2)]! + tfMs;
  const ticksInData = Math.floor((lastCloseMs - marketStartMs) / tfMs) + 1;
  if (ticksInData < 1) {
    throw new KeelError(
      'InvalidConfig',
      `replay folder ${gateway.dir} has too few ${config.timeframe} candles for a warm-up of ${config.warmupCandles}: most symbols end at ${new Date(lastCloseMs).toISOString()}; lower warmupCandles or add data`,
    );
  }
  const maxTicks = config.maxTicks === null ? ticksInData : Math.min(config.maxTicks, ticksInData);
  return { ...config, marketStartMs, maxTicks };
}
