import { defaultCycleConfig, type CycleConfig } from '../domain/cycle-config.js';
import { DEFAULT_AI_CONFIG } from '../domain/ai-policy.js';
import type { Timeframe } from '../domain/market-types.js';
import type { Settings } from '../config/settings.js';

/** The cycle config an entrypoint starts with, from settings; a running cycle keeps its own (see `keel config`). */
export function cycleConfigFromSettings(settings: Readonly<Settings>, overrides: Partial<CycleConfig> = {}): CycleConfig {
  return defaultCycleConfig({
    exchange: settings.KEEL_MARKET,
    name: settings.KEEL_CYCLE_NAME,
    timeframe: settings.KEEL_TIMEFRAME as Timeframe,
    quote: settings.KEEL_QUOTE,
    // A real exchange publishes candles as they close: its cycles tick on the wall clock.
    clock: settings.KEEL_MARKET === 'sim' || settings.KEEL_MARKET === 'replay' ? settings.KEEL_CLOCK : 'wall',
    tickPacingMs: settings.KEEL_TICK_PACING_MS,
    maxTicks: settings.KEEL_MAX_TICKS ?? null,
    universe: { symbols: null, maxCoins: settings.KEEL_COINS },
    taskQueuePrefix: settings.KEEL_TASK_QUEUE_PREFIX,
    // AI is on exactly when a key is configured; without one the cycle trades on its signals alone.
    ai: { ...DEFAULT_AI_CONFIG, enabled: Boolean(settings.ANTHROPIC_API_KEY) },
    ...overrides,
  });
}
