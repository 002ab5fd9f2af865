import { DEFAULT_AI_CONFIG } from './ai-policy.js';
import { applyConfigPatch, defaultCycleConfig, validateConfigPatch } from './cycle-config.js';
import type { CycleConfig, CycleConfigPatch } from './cycle-config.js';
import { KeelError } from './errors.js';
import type { Timeframe } from './market-types.js';

export interface BacktestConfigBase {
  timeframe: Timeframe;
  quote: string;
  /** Only these pairs; null for every pair of the quote. */
  pairs: string[] | null;
  /** KEEL_COINS where a person runs it; a patch's universe.maxCoins replaces it. */
  maxCoins?: number;
}

/**
 * The cycle config a backtest runs: a replay cycle on the market clock without pacing or AI (verdicts are not
 * replayed), then the patch, checked by the same validator as `keel config set`. One function, so `keel backtest`
 * and a sweep's runs on the backtest workers cannot drift apart. Throws InvalidConfig naming each bad setting.
 */
export function backtestCycleConfig(base: BacktestConfigBase, patch: CycleConfigPatch | undefined): CycleConfig {
  const config = defaultCycleConfig({
    exchange: 'replay',
    name: 'backtest',
    timeframe: base.timeframe,
    quote: base.quote,
    clock: 'market',
    tickPacingMs: 0,
    universe: { symbols: base.pairs, maxCoins: base.maxCoins ?? defaultCycleConfig().universe.maxCoins },
    ai: { ...DEFAULT_AI_CONFIG, enabled: false },
  });
  if (patch === undefined || Object.keys(patch).length === 0) return config;
  const problems = validateConfigPatch(config, patch);
  if (problems.length > 0) throw new KeelError('InvalidConfig', problems.join('; '));
  return applyConfigPatch(config, patch);
}
