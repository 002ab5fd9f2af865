import type { CycleConfig } from '../domain/cycle-config.js';
import { replayWindow } from '../domain/replay-window.js';
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
  const present = coverage.symbols.filter((c) => c.firstTs !== null && c.lastTs !== null);
  const { marketStartMs, maxTicks } = replayWindow({
    firstTs: present.map((c) => c.firstTs!),
    lastTs: present.map((c) => c.lastTs!),
    warmupCandles: config.warmupCandles,
    timeframeMs: timeframeMs(config.timeframe),
    maxTicks: config.maxTicks,
    timeframe: config.timeframe,
    quote: config.quote,
    what: `replay folder ${gateway.dir}`,
    fix: 'check KEEL_REPLAY_DIR and KEEL_TIMEFRAME',
  });
  return { ...config, marketStartMs, maxTicks };
}
