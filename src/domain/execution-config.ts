import { validateTwapConfig, type TwapConfig } from './twap.js';

/*
 * How a cycle's signal orders reach the market (issue 11, execution). Pure and sandbox-safe.
 *
 * market: every order is a market order at the tick, as keel always did (a taker's fee).
 * maker_first: a signal's buy or sell rests as a post-only limit at the best bid (buy) or ask (sell) for the next
 * candle; when that candle does not trade through it, it is re-priced at the new best price, up to maxReprices times,
 * and then sent as a market order, or as an immediate-or-cancel limit no worse than iocLimitBps from the price
 * (fallback). Exits and a drawdown halt always sell at market: waiting for a maker fill is not what a stop is for.
 * twap (either mode): a signal order of at least twap.minNotional goes out as market slices over ticks (twap.ts).
 */

export type ExecutionMode = 'market' | 'maker_first';
export const EXECUTION_MODES: readonly ExecutionMode[] = ['market', 'maker_first'];

export type ExecutionFallback = 'market' | 'ioc';
export const EXECUTION_FALLBACKS: readonly ExecutionFallback[] = ['market', 'ioc'];

export interface ExecutionConfig {
  mode: ExecutionMode;
  /** maker_first: how many times an unfilled post-only order is re-priced (one candle each) before the fallback. */
  maxReprices: number;
  /** maker_first: what follows the last unfilled re-price. */
  fallback: ExecutionFallback;
  /** fallback ioc: the limit's distance from the price, in basis points (against the order: above for a buy). */
  iocLimitBps: number;
  /** Signal orders of at least minNotional go out as slices over ticks (twap.ts); null or absent: off. */
  twap?: TwapConfig | null;
}

export const DEFAULT_EXECUTION_CONFIG: Readonly<ExecutionConfig> = Object.freeze({ mode: 'market', maxReprices: 2, fallback: 'market', iocLimitBps: 20, twap: null });

/** Longest a maker order may wait: each re-price is a candle, and a position should not wait a day to open. */
export const MAX_REPRICES = 24;
const MAX_IOC_LIMIT_BPS = 500;

/** Every problem of an execution section, each naming its setting; empty when it is valid. */
export function validateExecutionConfig(value: unknown, path = 'execution'): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [`${path} must be an object of settings (got ${JSON.stringify(value)})`];
  const execution = value as Record<string, unknown>;
  const problems: string[] = [];
  const known = Object.keys(DEFAULT_EXECUTION_CONFIG);
  for (const key of Object.keys(execution)) {
    if (!known.includes(key)) problems.push(`unknown setting ${path}.${key}; ${path} settings: ${known.join(', ')}`);
  }
  if (!EXECUTION_MODES.includes(execution.mode as ExecutionMode)) {
    problems.push(`${path}.mode must be ${EXECUTION_MODES.map((m) => `"${m}"`).join(' or ')} (got ${JSON.stringify(execution.mode)})`);
  }
  const reprices = execution.maxReprices;
  if (!(typeof reprices === 'number' && Number.isInteger(reprices) && reprices >= 0 && reprices <= MAX_REPRICES)) {
    problems.push(`${path}.maxReprices must be a whole number of candles from 0 to ${MAX_REPRICES} (got ${String(reprices)})`);
  }
  if (!EXECUTION_FALLBACKS.includes(execution.fallback as ExecutionFallback)) {
    problems.push(`${path}.fallback must be ${EXECUTION_FALLBACKS.map((m) => `"${m}"`).join(' or ')} (got ${JSON.stringify(execution.fallback)})`);
  }
  const bps = execution.iocLimitBps;
  if (!(typeof bps === 'number' && Number.isFinite(bps) && bps > 0 && bps <= MAX_IOC_LIMIT_BPS)) {
    problems.push(`${path}.iocLimitBps must be basis points above 0 and at most ${MAX_IOC_LIMIT_BPS}, such as 20 (got ${String(bps)})`);
  }
  problems.push(...validateTwapConfig(execution.twap, `${path}.twap`));
  return problems;
}
