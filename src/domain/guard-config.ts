/**
 * Settings of the portfolio guards (`guards.*`): each guard is null (off, the default) or an object of its settings.
 * Windows and locks are counted in candles of the cycle's timeframe. Pure, sandbox-safe.
 */

export interface MaxDrawdownGuardConfig {
  /** Drawdown from the window's highest mark-to-market equity at or above which new buys stop, in (0, 1). */
  fraction: number;
  /** Candles the highest equity is taken over, this one included. */
  windowCandles: number;
  /** Candles new buys stay blocked after the drawdown was last at or above `fraction`. */
  blockCandles: number;
  /** Drawdown at or above which the cycle sells everything and pauses; null: never. Greater than `fraction`. */
  hardLimitFraction: number | null;
}

export interface StopLossGuardConfig {
  /** Stop exits (stop_loss or trailing_stop) within the window that lock buys. */
  stops: number;
  windowCandles: number;
  lockCandles: number;
  /** true: count and lock each pair on its own; false: count every pair's stops and lock buys of all coins. */
  perPair: boolean;
}

export interface LowProfitPairsConfig {
  windowCandles: number;
  /** A pair whose closed trades in the window sum to a profit fraction below this is locked (0.02 = 2%). */
  minProfitFraction: number;
  /** Fewer closed trades in the window than this never lock the pair. */
  minTrades: number;
  lockCandles: number;
}

export interface GuardConfig {
  maxDrawdown: MaxDrawdownGuardConfig | null;
  stopLossGuard: StopLossGuardConfig | null;
  lowProfitPairs: LowProfitPairsConfig | null;
}

/** What a cycle without a guards section means: every guard off (cycles started before the risk layer existed). */
export const DEFAULT_GUARD_CONFIG: Readonly<GuardConfig> = Object.freeze({ maxDrawdown: null, stopLossGuard: null, lowProfitPairs: null });

/**
 * The guards a new cycle starts with (defaultCycleConfig writes them into its config): buys stop for two days once
 * mark-to-market equity is 15 % below its 90-day high (hourly candles), and at 25 % everything is sold and the cycle
 * pauses until a person resumes it. Chosen on the shared 2021 data (README, "Default settings"): the defaults'
 * drawdown stayed under the hard limit over the whole window and reached it plus one candle in the bear months. A
 * 30-day window let a slow loss run past the limit unseen (its high rolls out of the window).
 */
export const NEW_CYCLE_GUARD_CONFIG: Readonly<GuardConfig> = Object.freeze({
  maxDrawdown: Object.freeze({ fraction: 0.15, windowCandles: 2160, blockCandles: 48, hardLimitFraction: 0.25 }),
  stopLossGuard: null,
  lowProfitPairs: null,
});

/**
 * What a guard's settings start from when it is turned on with only some of them given (`keel config set
 * guards.maxDrawdown.fraction 0.15` on a guard that was off). Moderate values for hourly candles.
 */
export const GUARD_SECTION_DEFAULTS: Readonly<{ [K in keyof GuardConfig]: Readonly<NonNullable<GuardConfig[K]>> }> = Object.freeze({
  maxDrawdown: Object.freeze({ fraction: 0.2, windowCandles: 168, blockCandles: 24, hardLimitFraction: null }),
  stopLossGuard: Object.freeze({ stops: 4, windowCandles: 24, lockCandles: 12, perPair: false }),
  lowProfitPairs: Object.freeze({ windowCandles: 168, minProfitFraction: 0, minTrades: 3, lockCandles: 48 }),
});

/** Longest window or lock: about a year of hourly candles. Bounds the state the guards carry from tick to tick. */
export const MAX_GUARD_CANDLES = 10_000;

const SECTION_KEYS: { [K in keyof GuardConfig]: readonly string[] } = {
  maxDrawdown: ['fraction', 'windowCandles', 'blockCandles', 'hardLimitFraction'],
  stopLossGuard: ['stops', 'windowCandles', 'lockCandles', 'perPair'],
  lowProfitPairs: ['windowCandles', 'minProfitFraction', 'minTrades', 'lockCandles'],
};

const isPlainObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
const isFraction = (value: unknown): value is number => typeof value === 'number' && value > 0 && value < 1;
const isIntegerIn = (value: unknown, min: number, max: number): boolean => Number.isInteger(value) && (value as number) >= min && (value as number) <= max;

function shown(value: unknown): string {
  if (typeof value === 'number' || value === undefined) return String(value);
  return JSON.stringify(value) ?? String(value);
}

/**
 * Checks `guards` (the whole section, as the cycle config holds it); one message per problem naming the dotted key,
 * the value and what is allowed. Pure and synchronous so the workflow's update validator can call it.
 */
export function validateGuardConfig(value: unknown): string[] {
  const sections = Object.keys(SECTION_KEYS) as Array<keyof GuardConfig>;
  if (!isPlainObject(value)) return [`guards must be an object of ${sections.join(', ')} (got ${shown(value)})`];
  const problems: string[] = [];
  const need = (ok: boolean, message: string): void => {
    if (!ok) problems.push(message);
  };
  for (const key of Object.keys(value)) {
    need((sections as string[]).includes(key), `guards.${key} is not a setting (known: ${sections.join(', ')})`);
  }
  for (const section of sections) {
    const settings = value[section];
    if (settings === null) continue;
    const path = `guards.${section}`;
    if (!isPlainObject(settings)) {
      problems.push(`${path} must be null (off) or an object of ${SECTION_KEYS[section].join(', ')} (got ${shown(settings)})`);
      continue;
    }
    for (const key of Object.keys(settings)) {
      need(SECTION_KEYS[section].includes(key), `${path}.${key} is not a setting (known: ${SECTION_KEYS[section].join(', ')})`);
    }
    const candles = (key: string, min = 1): void => {
      need(isIntegerIn(settings[key], min, MAX_GUARD_CANDLES), `${path}.${key} must be an integer from ${min} to ${MAX_GUARD_CANDLES} (got ${shown(settings[key])})`);
    };
    if (section === 'maxDrawdown') {
      const { fraction, hardLimitFraction } = settings;
      need(isFraction(fraction), `${path}.fraction must be in (0, 1) (got ${shown(fraction)})`);
      // A one-candle window holds only the current equity, whose drawdown from itself is always 0.
      candles('windowCandles', 2);
      candles('blockCandles');
      need(hardLimitFraction === null || isFraction(hardLimitFraction), `${path}.hardLimitFraction must be null (no hard limit) or in (0, 1) (got ${shown(hardLimitFraction)})`);
      if (isFraction(fraction) && isFraction(hardLimitFraction)) {
        need(hardLimitFraction > fraction, `${path}.hardLimitFraction (${hardLimitFraction}) must be greater than ${path}.fraction (${fraction})`);
      }
    } else if (section === 'stopLossGuard') {
      need(isIntegerIn(settings.stops, 1, 1000), `${path}.stops must be an integer from 1 to 1000 (got ${shown(settings.stops)})`);
      candles('windowCandles');
      candles('lockCandles');
      need(typeof settings.perPair === 'boolean', `${path}.perPair must be true or false (got ${shown(settings.perPair)})`);
    } else {
      candles('windowCandles');
      const { minProfitFraction } = settings;
      need(typeof minProfitFraction === 'number' && minProfitFraction >= -1 && minProfitFraction <= 1, `${path}.minProfitFraction must be a number from -1 to 1 (got ${shown(minProfitFraction)})`);
      need(isIntegerIn(settings.minTrades, 1, 1000), `${path}.minTrades must be an integer from 1 to 1000 (got ${shown(settings.minTrades)})`);
      candles('lockCandles');
    }
  }
  return problems;
}
