import { DEFAULT_SIGNAL_CONFIG, type SignalConfig } from './signal-types.js';
import { TIMEFRAMES, isTimeframe, type Timeframe } from './market-types.js';
import { DEFAULT_AI_CONFIG, validateAiConfig, type AiConfig } from './ai-policy.js';
import { NEW_CYCLE_GUARD_CONFIG } from './guard-config.js';
import { RISK_LAYER_SECTIONS, mergeRiskLayerSection, validateRiskLayer, type RiskLayerConfig, type RiskLayerSection } from './risk-layer-config.js';

/** How a cycle's ticks are paced. */
export type CycleClock =
  /** Tick at every candle close of the timeframe, in wall time (live and paper trading). */
  | 'wall'
  /** Each tick advances the market by one candle without waiting (replays, backtests, the fast demo). */
  | 'market';

export interface RiskConfig {
  /** Largest share of portfolio equity put into one coin, 0..1. */
  maxPositionFraction: number;
  /** Most coins held at once. */
  maxOpenPositions: number;
  /** Orders below this notional (quote currency) are skipped. */
  minOrderNotional: number;
  /** Ticks a coin waits after a sell before it may be bought again. */
  cooldownTicks: number;
}

export interface UniverseConfig {
  /** Explicit symbols ('BTC/USDT'); null means "the top coins by quote volume". */
  symbols: string[] | null;
  /** At most this many coins per tick. */
  maxCoins: number;
}

/**
 * Everything a running market cycle needs; carried through continue-as-new and changed by `updateConfig`. The risk
 * layer's sections (exits, guards, sizing, regimeGate, correlation) are absent in cycles started before it existed,
 * which means their defaults (riskLayerOf).
 */
export interface CycleConfig extends Partial<RiskLayerConfig> {
  /** Market adapter id: 'sim', 'replay' or a ccxt exchange id such as 'binance'. */
  exchange: string;
  /** Cycle name, unique per exchange; the cycle's workflow id is `cycle/<exchange>/<name>`. */
  name: string;
  quote: string;
  timeframe: Timeframe;
  clock: CycleClock;
  /** Market clock only: close time (epoch ms) of the first tick's candle. */
  marketStartMs: number;
  /** Market clock only: wait at least this long between ticks (0 = as fast as the system allows). */
  tickPacingMs: number;
  /** Stop the cycle after this many ticks; null runs forever. */
  maxTicks: number | null;
  universe: UniverseConfig;
  /** Closed candles loaded on a coin's first sync (one exchange call). */
  warmupCandles: number;
  signal: SignalConfig;
  risk: RiskConfig;
  /** Coin children started per batch. */
  childBatchSize: number;
  /** Continue-as-new after this many ticks (earlier when the server suggests it). */
  ticksPerRun: number;
  /** Prepended to every task-queue name; lets several isolated deployments (or tests) share one Temporal namespace. */
  taskQueuePrefix: string;
  /** Claude analysis; absent in cycles started before it existed, which means off. */
  ai?: AiConfig;
  /** Run timeouts of a tick's children; absent means the defaults (DEFAULT_CHILD_TIMEOUTS). Set when a cycle starts. */
  timeouts?: ChildTimeouts;
}

/**
 * How long a tick waits for one child before giving up on it: a coin child that outlives coinRunMs fails its coin for
 * the tick (the next tick syncs what it missed); an order child that outlives orderRunMs leaves its order of unknown
 * fate, to be looked up by reconciliation. Either way the tick, and so the cycle, goes on.
 */
export interface ChildTimeouts {
  coinRunMs: number;
  orderRunMs: number;
}

/**
 * Coin: a sync's reads retry for about a minute, then an evaluation; 10 minutes leaves room for a full exchange queue.
 * Order: up to about 4 minutes of placement retries, a minute of fill polling, a cancel and a record.
 */
export const DEFAULT_CHILD_TIMEOUTS: ChildTimeouts = { coinRunMs: 10 * 60_000, orderRunMs: 15 * 60_000 };

export const DEFAULT_RISK_CONFIG: RiskConfig = {
  maxPositionFraction: 0.02,
  maxOpenPositions: 40,
  minOrderNotional: 10,
  cooldownTicks: 3,
};

export function defaultCycleConfig(overrides: Partial<CycleConfig> = {}): CycleConfig {
  return {
    exchange: 'sim',
    name: 'main',
    quote: 'USDT',
    timeframe: '1h',
    clock: 'market',
    marketStartMs: Date.UTC(2024, 0, 10),
    tickPacingMs: 2_000,
    maxTicks: null,
    universe: { symbols: null, maxCoins: 250 },
    warmupCandles: 100,
    signal: { ...DEFAULT_SIGNAL_CONFIG, weights: { ...DEFAULT_SIGNAL_CONFIG.weights } },
    risk: { ...DEFAULT_RISK_CONFIG },
    childBatchSize: 100,
    ticksPerRun: 1,
    taskQueuePrefix: '',
    ai: { ...DEFAULT_AI_CONFIG },
    // Spelled out, not left to riskLayerOf: a cycle without the section means every guard off (older cycles).
    guards: { ...NEW_CYCLE_GUARD_CONFIG, maxDrawdown: { ...NEW_CYCLE_GUARD_CONFIG.maxDrawdown! } },
    ...overrides,
  };
}

/** A partial change to a running cycle's config; nested objects merge key by key. */
export interface CycleConfigPatch {
  timeframe?: Timeframe;
  tickPacingMs?: number;
  maxTicks?: number | null;
  universe?: Partial<UniverseConfig>;
  warmupCandles?: number;
  signal?: Partial<Omit<SignalConfig, 'weights'>> & { weights?: Partial<SignalConfig['weights']> };
  risk?: Partial<RiskConfig>;
  childBatchSize?: number;
  ticksPerRun?: number;
  ai?: Partial<AiConfig>;
  /** Risk layer sections: nested objects merge key by key (see mergeRiskLayerSection). */
  exits?: Record<string, unknown>;
  guards?: Record<string, unknown>;
  sizing?: Record<string, unknown>;
  regimeGate?: Record<string, unknown>;
  correlation?: Record<string, unknown>;
  execution?: Record<string, unknown>;
}

const PATCHABLE_KEYS = new Set<string>([
  'timeframe',
  'tickPacingMs',
  'maxTicks',
  'universe',
  'warmupCandles',
  'signal',
  'risk',
  'childBatchSize',
  'ticksPerRun',
  'ai',
  ...RISK_LAYER_SECTIONS,
]);

export function applyConfigPatch(config: CycleConfig, patch: CycleConfigPatch): CycleConfig {
  const riskLayer: Partial<Record<RiskLayerSection, unknown>> = {};
  for (const section of RISK_LAYER_SECTIONS) {
    if (patch[section] !== undefined) riskLayer[section] = mergeRiskLayerSection(section, config[section], patch[section]);
  }
  return {
    ...config,
    ...(riskLayer as Partial<RiskLayerConfig>),
    ...(patch.timeframe !== undefined && { timeframe: patch.timeframe }),
    ...(patch.tickPacingMs !== undefined && { tickPacingMs: patch.tickPacingMs }),
    ...(patch.maxTicks !== undefined && { maxTicks: patch.maxTicks }),
    ...(patch.warmupCandles !== undefined && { warmupCandles: patch.warmupCandles }),
    ...(patch.childBatchSize !== undefined && { childBatchSize: patch.childBatchSize }),
    ...(patch.ticksPerRun !== undefined && { ticksPerRun: patch.ticksPerRun }),
    ...(patch.ai !== undefined && { ai: { ...DEFAULT_AI_CONFIG, ...config.ai, ...patch.ai } }),
    universe: { ...config.universe, ...patch.universe },
    risk: { ...config.risk, ...patch.risk },
    signal: {
      ...config.signal,
      ...patch.signal,
      weights: { ...config.signal.weights, ...patch.signal?.weights },
    },
  };
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isInteger(value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): boolean {
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
}

/**
 * Checks a whole cycle config; returns one message per problem, naming the field, the bad value and what is allowed.
 * Pure and synchronous so the workflow's update validator can call it.
 */
export function validateCycleConfig(config: CycleConfig): string[] {
  const problems: string[] = [];
  const need = (ok: boolean, message: string): void => {
    if (!ok) problems.push(message);
  };
  need(typeof config.exchange === 'string' && /^[a-z0-9]+$/.test(config.exchange), `exchange must be a lowercase id such as "sim" or "binance" (got ${JSON.stringify(config.exchange)})`);
  need(typeof config.name === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(config.name), `name must be 1-64 characters of letters, digits, "_" or "-" (got ${JSON.stringify(config.name)})`);
  need(typeof config.quote === 'string' && /^[A-Z0-9]{2,10}$/.test(config.quote), `quote must be an upper-case asset such as "USDT" (got ${JSON.stringify(config.quote)})`);
  need(isTimeframe(String(config.timeframe)), `timeframe must be one of ${TIMEFRAMES.join(', ')} (got ${JSON.stringify(config.timeframe)})`);
  need(config.clock === 'wall' || config.clock === 'market', `clock must be "wall" or "market" (got ${JSON.stringify(config.clock)})`);
  need(isInteger(config.marketStartMs, 0), `marketStartMs must be a non-negative epoch-millisecond integer (got ${String(config.marketStartMs)})`);
  need(isInteger(config.tickPacingMs, 0, 86_400_000), `tickPacingMs must be an integer from 0 to 86400000 (got ${String(config.tickPacingMs)})`);
  need(config.maxTicks === null || isInteger(config.maxTicks, 1), `maxTicks must be a positive integer or null (got ${String(config.maxTicks)})`);
  const universe = config.universe;
  need(isInteger(universe?.maxCoins, 1, 2000), `universe.maxCoins must be an integer from 1 to 2000 (got ${String(universe?.maxCoins)})`);
  if (universe?.symbols !== null && universe?.symbols !== undefined) {
    const bad = Array.isArray(universe.symbols) ? universe.symbols.filter((s) => typeof s !== 'string' || !/^[A-Z0-9]+\/[A-Z0-9]+$/.test(s)) : ['(not a list)'];
    need(bad.length === 0, `universe.symbols must look like "BTC/USDT" (bad: ${bad.slice(0, 5).join(', ')})`);
  }
  need(isInteger(config.warmupCandles, 30, 1000), `warmupCandles must be an integer from 30 to 1000 (got ${String(config.warmupCandles)})`);
  need(isInteger(config.childBatchSize, 1, 1000), `childBatchSize must be an integer from 1 to 1000 (got ${String(config.childBatchSize)})`);
  need(isInteger(config.ticksPerRun, 1, 50), `ticksPerRun must be an integer from 1 to 50 (got ${String(config.ticksPerRun)})`);
  if (config.timeouts !== undefined) {
    need(isInteger(config.timeouts.coinRunMs, 1_000, 86_400_000), `timeouts.coinRunMs must be an integer number of milliseconds from 1000 to 86400000 (got ${String(config.timeouts.coinRunMs)})`);
    need(isInteger(config.timeouts.orderRunMs, 1_000, 86_400_000), `timeouts.orderRunMs must be an integer number of milliseconds from 1000 to 86400000 (got ${String(config.timeouts.orderRunMs)})`);
  }
  need(typeof config.taskQueuePrefix === 'string' && /^[A-Za-z0-9_.-]{0,40}$/.test(config.taskQueuePrefix), `taskQueuePrefix must be up to 40 characters of letters, digits, "_", "." or "-"`);

  const s = config.signal;
  if (!s) {
    problems.push('signal settings are missing');
  } else {
    for (const key of ['rsiPeriod', 'maFastPeriod', 'maSlowPeriod', 'macdFastPeriod', 'macdSlowPeriod', 'macdSignalPeriod'] as const) {
      need(isInteger(s[key], 2, 500), `signal.${key} must be an integer from 2 to 500 (got ${String(s[key])})`);
    }
    need(isFiniteNumber(s.rsiOversold) && isFiniteNumber(s.rsiOverbought) && s.rsiOversold > 0 && s.rsiOversold < s.rsiOverbought && s.rsiOverbought < 100,
      `signal.rsiOversold and signal.rsiOverbought must satisfy 0 < oversold < overbought < 100 (got ${String(s.rsiOversold)}/${String(s.rsiOverbought)})`);
    need(s.maFastPeriod < s.maSlowPeriod, `signal.maFastPeriod (${String(s.maFastPeriod)}) must be shorter than signal.maSlowPeriod (${String(s.maSlowPeriod)})`);
    need(s.macdFastPeriod < s.macdSlowPeriod, `signal.macdFastPeriod (${String(s.macdFastPeriod)}) must be shorter than signal.macdSlowPeriod (${String(s.macdSlowPeriod)})`);
    const w = s.weights;
    const weightsOk = !!w && [w.rsi, w.maCross, w.macd].every((v) => isFiniteNumber(v) && v >= 0);
    need(weightsOk, `signal.weights must be non-negative numbers (got ${JSON.stringify(w)})`);
    if (weightsOk) {
      const sum = w.rsi + w.maCross + w.macd;
      need(Math.abs(sum - 1) < 1e-9, `signal.weights must add up to 1 (rsi ${w.rsi} + maCross ${w.maCross} + macd ${w.macd} = ${sum})`);
    }
    for (const key of ['buyThreshold', 'sellThreshold'] as const) {
      need(isFiniteNumber(s[key]) && s[key] > 0 && s[key] <= 1, `signal.${key} must be a number in (0, 1] (got ${String(s[key])})`);
    }
  }
  const r = config.risk;
  if (!r) {
    problems.push('risk settings are missing');
  } else {
    need(isFiniteNumber(r.maxPositionFraction) && r.maxPositionFraction > 0 && r.maxPositionFraction <= 1, `risk.maxPositionFraction must be in (0, 1] (got ${String(r.maxPositionFraction)})`);
    need(isInteger(r.maxOpenPositions, 1, 2000), `risk.maxOpenPositions must be an integer from 1 to 2000 (got ${String(r.maxOpenPositions)})`);
    need(isFiniteNumber(r.minOrderNotional) && r.minOrderNotional >= 0, `risk.minOrderNotional must be a non-negative number (got ${String(r.minOrderNotional)})`);
    need(isInteger(r.cooldownTicks, 0, 10_000), `risk.cooldownTicks must be a non-negative integer (got ${String(r.cooldownTicks)})`);
  }
  if (config.ai !== undefined) problems.push(...validateAiConfig(config.ai));
  problems.push(...validateRiskLayer(config));
  if (s && isInteger(config.warmupCandles, 30, 1000)) {
    const needed = Math.max(s.rsiPeriod + 1, s.maSlowPeriod, s.macdSlowPeriod + s.macdSignalPeriod) + 1;
    need(config.warmupCandles >= needed, `warmupCandles (${config.warmupCandles}) must cover the longest indicator window (${needed} candles)`);
  }
  // ATR(period) needs period + 1 candles of the coin's window (exitWarmupCandles): a shorter window measures nothing,
  // and the ATR stop would silently never be set.
  const atrPeriod = (config.exits?.stopLossAtr as { period?: unknown } | null | undefined)?.period;
  if (isInteger(atrPeriod, 1, 500) && isInteger(config.warmupCandles, 30, 1000)) {
    const atrCandles = (atrPeriod as number) + 1;
    need(config.warmupCandles >= atrCandles, `warmupCandles (${config.warmupCandles}) must cover exits.stopLossAtr.period + 1 (${atrCandles} candles) for the ATR stop`);
  }
  return problems;
}

/** The keys each nested section of a patch may hold; anything else is a typo, not a setting. */
const SECTION_KEYS: Record<string, readonly string[]> = {
  universe: ['symbols', 'maxCoins'],
  risk: Object.keys(DEFAULT_RISK_CONFIG),
  signal: Object.keys(DEFAULT_SIGNAL_CONFIG),
  'signal.weights': Object.keys(DEFAULT_SIGNAL_CONFIG.weights),
  ai: Object.keys(DEFAULT_AI_CONFIG),
};

const isPlainObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Nested sections must be objects of known keys: `{"risk": ""}` or `risk.maxOpenPosition` must not slip through. */
function sectionProblems(patch: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const check = (path: string, value: unknown) => {
    if (!isPlainObject(value)) {
      problems.push(`${path} must be an object of settings (got ${JSON.stringify(value)})`);
      return;
    }
    const allowed = SECTION_KEYS[path]!;
    const unknown = Object.keys(value).filter((k) => !allowed.includes(k));
    if (unknown.length > 0) problems.push(`unknown ${path} setting${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `${path}.${k}`).join(', ')}; ${path} settings: ${allowed.join(', ')}`);
    if (path === 'signal' && value.weights !== undefined) check('signal.weights', value.weights);
  };
  for (const section of ['universe', 'risk', 'signal', 'ai']) {
    if (patch[section] !== undefined) check(section, patch[section]);
  }
  // The risk layer's sections check their own keys (validateRiskLayer) once merged; here only that each is an object.
  for (const section of RISK_LAYER_SECTIONS) {
    if (patch[section] !== undefined && !isPlainObject(patch[section])) problems.push(`${section} must be an object of settings (got ${JSON.stringify(patch[section])})`);
  }
  return problems;
}

/** Validates a patch against the current config; returns problems (empty when the patch may be applied). */
export function validateConfigPatch(config: CycleConfig, patch: unknown): string[] {
  if (!isPlainObject(patch)) {
    return ['config update must be an object of settings to change'];
  }
  const unknownKeys = Object.keys(patch).filter((k) => !PATCHABLE_KEYS.has(k));
  if (unknownKeys.length > 0) {
    return [`cannot change ${unknownKeys.join(', ')} on a running cycle; changeable settings: ${[...PATCHABLE_KEYS].join(', ')}`];
  }
  const shapeProblems = sectionProblems(patch);
  if (shapeProblems.length > 0) return shapeProblems;
  return validateCycleConfig(applyConfigPatch(config, patch as CycleConfigPatch));
}
