import type { CycleConfig } from '../domain/cycle-config.js';
import { KeelError } from '../domain/errors.js';
import { timeframeMs } from '../domain/market-types.js';
import type { ExchangeGateway } from '../exchange/port.js';
import { ReplayMarket } from '../exchange/replay-market.js';

/**
 * A replay on the market clock must start where the recorded files have data: the first candle close after the
 * warm-up window that every chosen symbol covers. Other markets keep the configured start.
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
  const median = starts[Math.floor(starts.length / 2)]!;
  return { ...config, marketStartMs: median + config.warmupCandles * timeframeMs(config.timeframe) };
}
