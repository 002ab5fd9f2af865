import { KeelError } from './errors.js';
import { TIMEFRAMES, isTimeframe, timeframeMs } from './market-types.js';
import type { Timeframe } from './market-types.js';

export interface RequestBudgetInput {
  /** Exchange id for messages ('kraken'). */
  exchange: string;
  /** What the exchange allows on the budget that carries the calls (its public REST), requests per second. */
  requestsPerSecond: number;
  /** Coins in the universe: each needs one OHLCV call per timeframe whenever a candle of that timeframe closes. */
  coins: number;
  /** Candle timeframes the cycle reads. The shortest one is the period: the cycle ticks once per such candle. */
  timeframes: readonly Timeframe[];
  /** Ticker calls per tick (one bulk call on exchanges that have one). Default 1. */
  tickersCallsPerTick?: number;
  /** Any other calls per tick on the same budget (balances, order lookups, ...). Default 0. */
  extraCallsPerTick?: number;
  /** Timeframes the exchange supports, to suggest only those; default every keel timeframe. */
  supportedTimeframes?: readonly Timeframe[];
  /** Candles each coin needs at cycle start, with the exchange's candles per call: adds the warm-up cost. */
  warmup?: { candles: number; maxCandlesPerCall: number };
}

export interface RequestBudgetPlan {
  /** Calls in the busiest period: every timeframe's candle closes at once (at 00:00 UTC all of them do). */
  callsPerPeriod: number;
  /** The shortest timeframe, in ms. */
  periodMs: number;
  requiredRps: number;
  availableRps: number;
  fits: boolean;
  /** Most coins that fit with these timeframes. */
  maxCoins: number;
  /** The shortest timeframe (replacing every shorter one) at which all the coins fit; null when none does. */
  fittingTimeframe: Timeframe | null;
  /** Warm-up calls at cycle start and how long they take at the available rate; 0 without `warmup`. */
  warmupCalls: number;
  warmupMs: number;
  /** The figures in one sentence; for a plan that does not fit, what to change. */
  message: string;
}

/**
 * Plans the requests a cycle makes per candle period against what the exchange allows, at cycle start and on every
 * config update, so a plan that cannot keep up (say 250 coins of 1m candles over Kraken's 1 request/s) is refused
 * with the figures before any tick runs late. The count is for the busiest period, when candles of every timeframe
 * close together, so the budget holds at every tick, not just on average.
 */
export function planRequestBudget(input: RequestBudgetInput): RequestBudgetPlan {
  const { exchange, requestsPerSecond, coins } = input;
  const tickers = input.tickersCallsPerTick ?? 1;
  const extra = input.extraCallsPerTick ?? 0;
  checkInput(input, tickers, extra);
  const timeframes = sortedUnique(input.timeframes);
  const shortest = timeframes[0] as Timeframe;

  const periodMs = timeframeMs(shortest);
  const callsPerPeriod = coins * timeframes.length + tickers + extra;
  const requiredRps = callsPerPeriod / (periodMs / 1000);
  const fits = requiredRps <= requestsPerSecond;
  const maxCoins = Math.max(0, Math.floor((requestsPerSecond * (periodMs / 1000) - tickers - extra) / timeframes.length));
  const fittingTimeframe = findFittingTimeframe(input, timeframes, tickers, extra);

  let warmupCalls = 0;
  if (input.warmup !== undefined) {
    const { candles, maxCandlesPerCall } = input.warmup;
    if (!Number.isInteger(candles) || candles < 0 || !Number.isInteger(maxCandlesPerCall) || maxCandlesPerCall < 1) {
      throw new KeelError('InvalidConfig', `request budget: warmup needs whole candles >= 0 and maxCandlesPerCall >= 1, got ${candles} and ${maxCandlesPerCall}`);
    }
    warmupCalls = coins * timeframes.length * Math.ceil(candles / maxCandlesPerCall);
  }
  const warmupMs = Math.ceil((warmupCalls / requestsPerSecond) * 1000);

  const demand =
    `${coins} coins x ${timeframes.join('+')} candles need ${callsPerPeriod} calls per ${formatSeconds(periodMs)} (${formatRate(requiredRps)}/s)`;
  const allowance = `${exchange}'s public REST allows ${formatRate(requestsPerSecond)}/s`;
  const warmupText = warmupCalls > 0 ? `; warm-up takes ${warmupCalls} calls (about ${formatSeconds(warmupMs)})` : '';
  let message: string;
  if (fits) {
    message = `${demand}; ${allowance} (${Math.round((requiredRps / requestsPerSecond) * 100)}% used)${warmupText}`;
  } else {
    const choices: string[] = [];
    choices.push(maxCoins > 0 ? `fewer coins (at most ${maxCoins})` : 'fewer coins (not even one fits these timeframes)');
    choices.push(fittingTimeframe === null ? `a longer timeframe (none up to 1d fits ${coins} coins)` : `a longer timeframe (${fittingTimeframe} fits)`);
    message = `${demand} but ${allowance}: choose ${choices.join(' or ')}${warmupText}`;
  }
  return { callsPerPeriod, periodMs, requiredRps, availableRps: requestsPerSecond, fits, maxCoins, fittingTimeframe, warmupCalls, warmupMs, message };
}

/** Throws InvalidConfig with the plan's message when the plan does not fit; returns it otherwise. */
export function assertRequestBudget(input: RequestBudgetInput): RequestBudgetPlan {
  const plan = planRequestBudget(input);
  if (!plan.fits) throw new KeelError('InvalidConfig', plan.message);
  return plan;
}

function findFittingTimeframe(input: RequestBudgetInput, timeframes: Timeframe[], tickers: number, extra: number): Timeframe | null {
  const shortestMs = timeframeMs(timeframes[0] as Timeframe);
  const allowed = input.supportedTimeframes ?? TIMEFRAMES;
  for (const candidate of TIMEFRAMES) {
    const candidateMs = timeframeMs(candidate);
    if (candidateMs < shortestMs || !allowed.includes(candidate)) continue;
    // Every timeframe shorter than the candidate becomes the candidate; longer ones stay.
    const replaced = sortedUnique(timeframes.map((timeframe) => (timeframeMs(timeframe) < candidateMs ? candidate : timeframe)));
    const calls = input.coins * replaced.length + tickers + extra;
    if (calls / (candidateMs / 1000) <= input.requestsPerSecond) return candidate;
  }
  return null;
}

function checkInput(input: RequestBudgetInput, tickers: number, extra: number): void {
  const where = `request budget for ${input.exchange}`;
  if (!Number.isFinite(input.requestsPerSecond) || input.requestsPerSecond <= 0) {
    throw new KeelError('InvalidConfig', `${where}: requestsPerSecond must be a positive number, got ${String(input.requestsPerSecond)}`);
  }
  if (!Number.isInteger(input.coins) || input.coins < 0) {
    throw new KeelError('InvalidConfig', `${where}: coins must be a whole number >= 0, got ${String(input.coins)}`);
  }
  if (input.timeframes.length === 0) {
    throw new KeelError('InvalidConfig', `${where}: at least one timeframe is needed; use some of ${TIMEFRAMES.join(', ')}`);
  }
  for (const timeframe of input.timeframes) {
    if (!isTimeframe(timeframe)) {
      throw new KeelError('InvalidConfig', `${where}: timeframe "${String(timeframe)}" is not one of ${TIMEFRAMES.join(', ')}`);
    }
  }
  for (const [name, value] of [['tickersCallsPerTick', tickers], ['extraCallsPerTick', extra]] as const) {
    if (!Number.isFinite(value) || value < 0) {
      throw new KeelError('InvalidConfig', `${where}: ${name} must be a number >= 0, got ${String(value)}`);
    }
  }
}

function sortedUnique(timeframes: readonly Timeframe[]): Timeframe[] {
  return [...new Set(timeframes)].sort((a, b) => timeframeMs(a) - timeframeMs(b));
}

/** Two significant digits: 4.2, 0.028, 17, 130. */
function formatRate(rate: number): string {
  return String(Number(rate.toPrecision(2)));
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toPrecision(6))} s`;
}
