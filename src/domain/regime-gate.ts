import type { Regime } from './signal-types.js';

/*
 * Regime gates on new buys: the market's regime (read from a leading coin, with hysteresis) and each coin's own regime
 * allow a buy, halve it or block it, and widen or tighten stops. Pure and O(1) per call. RUNS IN THE WORKFLOW SANDBOX:
 * type-only imports.
 */

export type GateAction = 'allow' | 'halve' | 'block';
export const GATE_ACTIONS: readonly GateAction[] = ['allow', 'halve', 'block'];
export const REGIMES: readonly Regime[] = ['trending_up', 'trending_down', 'ranging', 'volatile'];

const GATE_SIZE_FACTOR: Record<GateAction, number> = { allow: 1, halve: 0.5, block: 0 };

export interface RegimeGateConfig {
  enabled: boolean;
  /** The coin whose regime is the market's; null: BTC/<quote>, else ETH/<quote> (see leaderOf). */
  leader: string | null;
  /** Ticks in a row a new market regime must be observed before the market switches to it. */
  confirmCandles: number;
  /** What the market's regime does to every buy. */
  market: Record<Regime, GateAction>;
  /** What a coin's own regime does to a buy of that coin. */
  coin: Record<Regime, GateAction>;
  /** Multiplies a new stop's distance from the price by the coin's regime (> 1 widens, < 1 tightens). */
  stopFactor: Record<Regime, number>;
}

/** Off; when switched on, the policy below: no buys in a volatile market, half size in a falling one, no falling coins. */
export const DEFAULT_REGIME_GATE_CONFIG: RegimeGateConfig = {
  enabled: false,
  leader: null,
  confirmCandles: 3,
  market: { trending_up: 'allow', trending_down: 'halve', ranging: 'allow', volatile: 'block' },
  coin: { trending_up: 'allow', trending_down: 'block', ranging: 'allow', volatile: 'allow' },
  stopFactor: { trending_up: 1, trending_down: 1, ranging: 1, volatile: 1.5 },
};

/** The market regime the cycle carries from tick to tick (small, JSON). */
export interface MarketRegimeState {
  /** The confirmed regime; null until the leader has been observed once. */
  regime: Regime | null;
  /** A different regime being observed, not yet confirmed. */
  candidate: Regime | null;
  /** Ticks in a row the candidate has been observed. */
  streak: number;
}

export const INITIAL_MARKET_REGIME: MarketRegimeState = { regime: null, candidate: null, streak: 0 };

/**
 * The market regime after this tick's observation of the leader. A regime other than the confirmed one must be
 * observed confirmCandles ticks in a row before the market switches to it; any other observation (the confirmed
 * regime or a third one) restarts the count. The very first observation is taken at once: there is nothing to flip
 * away from yet, and the gates should act from the first tick. A null observation (leader not evaluated this tick)
 * leaves the state as it is. Returns a new object; never changes `state`.
 */
export function nextMarketRegime(state: MarketRegimeState, observed: Regime | null, confirmCandles: number): MarketRegimeState {
  if (observed === null) return state;
  if (state.regime === null) return { regime: observed, candidate: null, streak: 0 };
  if (observed === state.regime) return state.candidate === null ? state : { regime: state.regime, candidate: null, streak: 0 };
  const streak = observed === state.candidate ? state.streak + 1 : 1;
  if (streak >= confirmCandles) return { regime: observed, candidate: null, streak: 0 };
  return { regime: state.regime, candidate: observed, streak };
}

/**
 * The coin whose regime stands for the market's: the configured one (even when it is not among `symbols`: an explicit
 * choice is kept, and the caller must evaluate it), else BTC/<quote>, else ETH/<quote>, else null (no market gate).
 */
export function leaderOf(symbols: readonly string[] | ReadonlySet<string>, quote: string, configured: string | null): string | null {
  if (configured !== null) return configured;
  const has = (symbol: string) => ('has' in symbols ? symbols.has(symbol) : symbols.includes(symbol));
  for (const base of ['BTC', 'ETH']) {
    const symbol = `${base}/${quote}`;
    if (has(symbol)) return symbol;
  }
  return null;
}

export interface BuyGate {
  /** Multiplies the buy's size: 1 allowed, 0.5 halved (twice halved: 0.25), 0 refused. */
  sizeFactor: number;
  /** Why the factor is below 1 ("market regime volatile: buys blocked"); null when it is 1. */
  reason: string | null;
}

const ALLOWED: BuyGate = { sizeFactor: 1, reason: null };

/**
 * What the regimes do to a buy: the market's action and the coin's apply multiplicatively. An unknown regime (null)
 * allows. Disabled: always allowed. A buy is refused exactly when sizeFactor is 0.
 */
export function buyGate(marketRegime: Regime | null, coinRegime: Regime | null, config: RegimeGateConfig): BuyGate {
  if (!config.enabled) return ALLOWED;
  const market = marketRegime === null ? 'allow' : config.market[marketRegime];
  const coin = coinRegime === null ? 'allow' : config.coin[coinRegime];
  if (market === 'allow' && coin === 'allow') return ALLOWED;
  const reasons: string[] = [];
  if (market !== 'allow') reasons.push(`market regime ${marketRegime}: ${market === 'block' ? 'buys blocked' : 'buy size halved'}`);
  if (coin !== 'allow') reasons.push(`coin regime ${coinRegime}: ${coin === 'block' ? 'buys blocked' : 'buy size halved'}`);
  return { sizeFactor: GATE_SIZE_FACTOR[market] * GATE_SIZE_FACTOR[coin], reason: reasons.join('; ') };
}

/** The stop-distance factor for a coin in `coinRegime` (for exits.ts's regimeStopFactor); 1 when disabled or unknown. */
export function regimeStopFactor(coinRegime: Regime | null, config: RegimeGateConfig): number {
  if (!config.enabled || coinRegime === null) return 1;
  return config.stopFactor[coinRegime];
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Problems with one per-regime table: every regime present and valid, nothing else. */
function regimeTableProblems(value: unknown, path: string, valueOk: (v: unknown) => boolean, allowed: string): string[] {
  if (!isPlainObject(value)) return [`${path} must be an object with a value for each regime (${REGIMES.join(', ')}) (got ${JSON.stringify(value)})`];
  const problems: string[] = [];
  for (const key of Object.keys(value)) {
    if (!REGIMES.includes(key as Regime)) problems.push(`${path}.${key} is not a regime; regimes: ${REGIMES.join(', ')}`);
  }
  for (const regime of REGIMES) {
    const v = value[regime];
    if (!valueOk(v)) problems.push(`${path}.${regime} must be ${allowed} (got ${v === undefined ? 'nothing' : JSON.stringify(v)})`);
  }
  return problems;
}

/** Problems with a regime gate config, each naming its dotted key; empty when it is usable. */
export function validateRegimeGateConfig(value: unknown, path = 'regimeGate'): string[] {
  if (!isPlainObject(value)) return [`${path} must be an object of settings (got ${JSON.stringify(value)})`];
  const problems: string[] = [];
  const known = Object.keys(DEFAULT_REGIME_GATE_CONFIG);
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) problems.push(`unknown setting ${path}.${key}; ${path} settings: ${known.join(', ')}`);
  }
  if (typeof value.enabled !== 'boolean') problems.push(`${path}.enabled must be true or false (got ${JSON.stringify(value.enabled)})`);
  const leader = value.leader;
  if (leader !== null && !(typeof leader === 'string' && /^[A-Z0-9]+\/[A-Z0-9]+$/.test(leader))) {
    problems.push(`${path}.leader must be a symbol such as "BTC/USDT" or null for BTC, else ETH, in the quote (got ${JSON.stringify(leader)})`);
  }
  const confirm = value.confirmCandles;
  if (!(Number.isInteger(confirm) && (confirm as number) >= 1 && (confirm as number) <= 1000)) {
    problems.push(`${path}.confirmCandles must be an integer from 1 to 1000 (got ${String(confirm)})`);
  }
  const actions = GATE_ACTIONS.map((a) => `"${a}"`).join(', ');
  const isAction = (v: unknown) => GATE_ACTIONS.includes(v as GateAction);
  problems.push(...regimeTableProblems(value.market, `${path}.market`, isAction, `one of ${actions}`));
  problems.push(...regimeTableProblems(value.coin, `${path}.coin`, isAction, `one of ${actions}`));
  const isFactor = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= 10;
  problems.push(...regimeTableProblems(value.stopFactor, `${path}.stopFactor`, isFactor, 'a number in (0, 10]'));
  return problems;
}
