/**
 * Settings of the per-position exits (exits.ts): which stops, take-profit and time limit a held coin has. All off by
 * default. Pure, sandbox-safe; validateExitConfig plugs into the cycle config's validator.
 */
export interface ExitConfig {
  /** Sell when the price falls this fraction below the entry price (0.08: stop at entry × 0.92); null: none. */
  stopLossFraction: number | null;
  /**
   * Stop at entry - multiple × ATR(period) measured when the position opens; used instead of stopLossFraction when
   * set. A position opened without a usable ATR (too little history, or a flat market) falls back to the fraction.
   */
  stopLossAtr: { multiple: number; period: number } | null;
  /** Once the highest price since entry reaches entry × (1 + activationFraction), a stop trails at highest × (1 - fraction). */
  trailingStop: { fraction: number; activationFraction: number } | null;
  /** Sell when the price rises this fraction above entry (0.2: at entry × 1.2); null: none. */
  takeProfitFraction: number | null;
  /** Sell at the close once a position has been held this many candles; null: no limit. */
  timeLimitCandles: number | null;
  /**
   * Live accounts on venues with stop-market sells: keep each held coin's stop (fixed or trailing) resting on the
   * exchange too, so it fires while keel is down (exchange-stops.ts). Absent in sections stored before it: false.
   */
  onExchange?: boolean;
}

export const DEFAULT_EXIT_CONFIG: Readonly<ExitConfig> = Object.freeze({
  stopLossFraction: null,
  stopLossAtr: null,
  trailingStop: null,
  takeProfitFraction: null,
  timeLimitCandles: null,
  onExchange: false,
});

/** The keys of each part of the exits settings; anything else is a typo, not a setting. */
export const EXIT_CONFIG_KEYS = {
  exits: Object.keys(DEFAULT_EXIT_CONFIG) as readonly string[],
  stopLossAtr: ['multiple', 'period'] as readonly string[],
  trailingStop: ['fraction', 'activationFraction'] as readonly string[],
} as const;

/** Largest ATR period: the window needs period + 1 candles, and a cycle loads at most 1000 (warmupCandles). */
const MAX_ATR_PERIOD = 500;
/** Bounds that only keep typos out (a take-profit of 1e6 is a mistake, not a plan). */
const MAX_ATR_MULTIPLE = 100;
const MAX_PRICE_RISE_FRACTION = 100;
const MAX_TIME_LIMIT_CANDLES = 1_000_000;

const isPlainObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const shown = (value: unknown): string => (typeof value === 'string' || isPlainObject(value) || Array.isArray(value) ? JSON.stringify(value) : String(value));

/**
 * Checks an exits section (`path` is its dotted name in the cycle config); one message per problem, naming the dotted
 * key, the bad value and what is allowed. Empty when the settings may be used.
 */
export function validateExitConfig(value: unknown, path = 'exits'): string[] {
  if (!isPlainObject(value)) return [`${path} must be an object of settings (got ${shown(value)})`];
  const problems: string[] = [];
  const need = (ok: boolean, message: string): void => {
    if (!ok) problems.push(message);
  };
  problems.push(...unknownKeys(value, path, EXIT_CONFIG_KEYS.exits));

  const fraction = (v: unknown) => isFiniteNumber(v) && v > 0 && v < 1;
  const rise = (v: unknown) => isFiniteNumber(v) && v > 0 && v <= MAX_PRICE_RISE_FRACTION;
  need(value.stopLossFraction === null || fraction(value.stopLossFraction), `${path}.stopLossFraction must be in (0, 1) or null (got ${shown(value.stopLossFraction)})`);
  need(value.takeProfitFraction === null || rise(value.takeProfitFraction), `${path}.takeProfitFraction must be in (0, ${MAX_PRICE_RISE_FRACTION}] or null (got ${shown(value.takeProfitFraction)})`);
  const limit = value.timeLimitCandles;
  need(value.onExchange === undefined || typeof value.onExchange === 'boolean', `${path}.onExchange must be true or false (got ${shown(value.onExchange)})`);
  need(limit === null || (Number.isInteger(limit) && (limit as number) >= 1 && (limit as number) <= MAX_TIME_LIMIT_CANDLES),
    `${path}.timeLimitCandles must be an integer from 1 to ${MAX_TIME_LIMIT_CANDLES} or null (got ${shown(limit)})`);

  const atr = value.stopLossAtr;
  if (atr !== null) {
    if (!isPlainObject(atr)) {
      problems.push(`${path}.stopLossAtr must be an object { multiple, period } or null (got ${shown(atr)})`);
    } else {
      problems.push(...unknownKeys(atr, `${path}.stopLossAtr`, EXIT_CONFIG_KEYS.stopLossAtr));
      need(isFiniteNumber(atr.multiple) && atr.multiple > 0 && atr.multiple <= MAX_ATR_MULTIPLE, `${path}.stopLossAtr.multiple must be in (0, ${MAX_ATR_MULTIPLE}] (got ${shown(atr.multiple)})`);
      need(Number.isInteger(atr.period) && (atr.period as number) >= 1 && (atr.period as number) <= MAX_ATR_PERIOD, `${path}.stopLossAtr.period must be an integer from 1 to ${MAX_ATR_PERIOD} (got ${shown(atr.period)})`);
    }
  }
  const trailing = value.trailingStop;
  if (trailing !== null) {
    if (!isPlainObject(trailing)) {
      problems.push(`${path}.trailingStop must be an object { fraction, activationFraction } or null (got ${shown(trailing)})`);
    } else {
      problems.push(...unknownKeys(trailing, `${path}.trailingStop`, EXIT_CONFIG_KEYS.trailingStop));
      need(fraction(trailing.fraction), `${path}.trailingStop.fraction must be in (0, 1) (got ${shown(trailing.fraction)})`);
      const activation = trailing.activationFraction;
      need(isFiniteNumber(activation) && activation >= 0 && activation <= MAX_PRICE_RISE_FRACTION,
        `${path}.trailingStop.activationFraction must be in [0, ${MAX_PRICE_RISE_FRACTION}] (0: trail from entry) (got ${shown(activation)})`);
    }
  }
  return problems;
}

function unknownKeys(value: Record<string, unknown>, path: string, allowed: readonly string[]): string[] {
  const unknown = Object.keys(value).filter((key) => !allowed.includes(key));
  if (unknown.length === 0) return [];
  return [`unknown ${path} setting${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `${path}.${k}`).join(', ')}; ${path} settings: ${allowed.join(', ')}`];
}

/** True when any exit is on (a cycle with none needs no per-position exit state at all). */
export function exitsEnabled(config: ExitConfig): boolean {
  return config.stopLossFraction !== null || config.stopLossAtr !== null || config.trailingStop !== null || config.takeProfitFraction !== null || config.timeLimitCandles !== null;
}

/** Candles a coin's window must hold for the ATR stop (period + 1), or 0 without one; warmupCandles must cover it. */
export function exitWarmupCandles(config: ExitConfig): number {
  return config.stopLossAtr === null ? 0 : config.stopLossAtr.period + 1;
}

/** 0.08 -> "8%", 0.025 -> "2.5%". */
function percent(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(4))}%`;
}

/**
 * One line for status: "stop-loss 8% below entry; trailing stop 5% below the high once 3% up; take-profit +20%;
 * time limit 48 candles", or "exits off".
 */
export function exitConfigSummary(config: ExitConfig): string {
  const parts: string[] = [];
  if (config.stopLossAtr !== null) {
    const { multiple, period } = config.stopLossAtr;
    const fallback = config.stopLossFraction === null ? 'none' : percent(config.stopLossFraction);
    parts.push(`stop-loss ${multiple}×ATR(${period}) below entry (${fallback} without ATR)`);
  } else if (config.stopLossFraction !== null) {
    parts.push(`stop-loss ${percent(config.stopLossFraction)} below entry`);
  }
  if (config.trailingStop !== null) {
    const { fraction, activationFraction } = config.trailingStop;
    parts.push(`trailing stop ${percent(fraction)} below the high ${activationFraction === 0 ? 'from entry' : `once ${percent(activationFraction)} up`}`);
  }
  if (config.takeProfitFraction !== null) parts.push(`take-profit +${percent(config.takeProfitFraction)}`);
  if (config.timeLimitCandles !== null) parts.push(`time limit ${config.timeLimitCandles} candle${config.timeLimitCandles === 1 ? '' : 's'}`);
  return parts.length === 0 ? 'exits off' : parts.join('; ');
}
