import type { CoinEvaluation, SignalAction, SignalConfig } from './signal-types.js';

/** When the cycle asks Claude about a coin, and how the answer counts. Pure; runs inside the workflow. */
export interface AiConfig {
  enabled: boolean;
  /** Coins whose |score| is at least this are analysed. */
  minAbsScore: number;
  /** Most analyses started per tick, strongest |score| first. */
  maxCoinsPerTick: number;
  /** veto: a confident verdict that disagrees turns the coin's action to hold; weigh: the verdict blends into the score. */
  mode: 'veto' | 'weigh';
  /** Share of the blended score that comes from the verdict in weigh mode, 0..1. */
  weight: number;
  /** Verdicts less confident than this are ignored. */
  minConfidence: number;
  /** A verdict counts for this many ticks after the tick it was asked in, then expires. */
  verdictTtlTicks: number;
}

export const DEFAULT_AI_CONFIG: AiConfig = {
  enabled: false,
  minAbsScore: 0.15,
  maxCoinsPerTick: 10,
  mode: 'veto',
  weight: 0.3,
  minConfidence: 0.6,
  verdictTtlTicks: 2,
};

/** A verdict the cycle holds until it expires. */
export interface HeldVerdict {
  action: SignalAction;
  confidence: number;
  riskFlags: string[];
  /** Tick number in which the analysis was asked for. */
  askedAtTick: number;
}

export function validateAiConfig(ai: AiConfig): string[] {
  const problems: string[] = [];
  const need = (ok: boolean, message: string) => {
    if (!ok) problems.push(message);
  };
  const inUnit = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1;
  need(typeof ai.enabled === 'boolean', `ai.enabled must be true or false (got ${JSON.stringify(ai.enabled)})`);
  need(inUnit(ai.minAbsScore), `ai.minAbsScore must be a number in [0, 1] (got ${String(ai.minAbsScore)})`);
  need(Number.isInteger(ai.maxCoinsPerTick) && ai.maxCoinsPerTick >= 0 && ai.maxCoinsPerTick <= 500, `ai.maxCoinsPerTick must be an integer from 0 to 500 (got ${String(ai.maxCoinsPerTick)})`);
  need(ai.mode === 'veto' || ai.mode === 'weigh', `ai.mode must be "veto" or "weigh" (got ${JSON.stringify(ai.mode)})`);
  need(inUnit(ai.weight), `ai.weight must be a number in [0, 1] (got ${String(ai.weight)})`);
  need(inUnit(ai.minConfidence), `ai.minConfidence must be a number in [0, 1] (got ${String(ai.minConfidence)})`);
  need(Number.isInteger(ai.verdictTtlTicks) && ai.verdictTtlTicks >= 1 && ai.verdictTtlTicks <= 100, `ai.verdictTtlTicks must be an integer from 1 to 100 (got ${String(ai.verdictTtlTicks)})`);
  return problems;
}

/** The coins to analyse this tick: strong enough signals, not already waiting for an answer, strongest first. */
export function selectForAnalysis(evaluations: readonly CoinEvaluation[], ai: AiConfig, pending: Readonly<Record<string, number>>): string[] {
  if (!ai.enabled || ai.maxCoinsPerTick === 0) return [];
  return evaluations
    .filter((e) => Math.abs(e.score) >= ai.minAbsScore && pending[e.symbol] === undefined)
    .sort((a, b) => Math.abs(b.score) - Math.abs(a.score) || a.symbol.localeCompare(b.symbol))
    .slice(0, ai.maxCoinsPerTick)
    .map((e) => e.symbol);
}

function actionFor(score: number, signal: SignalConfig): SignalAction {
  return score >= signal.buyThreshold ? 'buy' : score <= -signal.sellThreshold ? 'sell' : 'hold';
}

const DIRECTION: Record<SignalAction, number> = { buy: 1, hold: 0, sell: -1 };

/**
 * Applies fresh, confident verdicts to this tick's evaluations. Coins without one keep their signal alone.
 * veto: a buy the model does not also call a buy, or a sell the model calls a buy, becomes hold.
 * weigh: score' = (1 - weight) * score + weight * direction * confidence, and the action follows the thresholds.
 */
export function applyVerdicts(
  evaluations: readonly CoinEvaluation[],
  verdicts: Readonly<Record<string, HeldVerdict>>,
  ai: AiConfig,
  signal: SignalConfig,
  tickNo: number,
): { evaluations: CoinEvaluation[]; changed: Array<{ symbol: string; from: SignalAction; to: SignalAction }> } {
  const changed: Array<{ symbol: string; from: SignalAction; to: SignalAction }> = [];
  const result = evaluations.map((e) => {
    const verdict = verdicts[e.symbol];
    if (!ai.enabled || !verdict || verdict.confidence < ai.minConfidence || tickNo - verdict.askedAtTick > ai.verdictTtlTicks) return e;
    let next: CoinEvaluation;
    if (ai.mode === 'veto') {
      const vetoed = (e.action === 'buy' && verdict.action !== 'buy') || (e.action === 'sell' && verdict.action === 'buy');
      next = vetoed ? { ...e, action: 'hold' } : e;
    } else {
      const score = Math.max(-1, Math.min(1, (1 - ai.weight) * e.score + ai.weight * DIRECTION[verdict.action] * verdict.confidence));
      next = { ...e, score, action: actionFor(score, signal) };
    }
    if (next.action !== e.action) changed.push({ symbol: e.symbol, from: e.action, to: next.action });
    return next;
  });
  return { evaluations: result, changed };
}

/** Drops verdicts and pending requests older than the time-to-live (an answer that never came expires too). */
export function expireAiState(
  verdicts: Record<string, HeldVerdict>,
  pending: Record<string, number>,
  ai: AiConfig,
  tickNo: number,
): void {
  for (const [symbol, v] of Object.entries(verdicts)) if (tickNo - v.askedAtTick > ai.verdictTtlTicks) delete verdicts[symbol];
  for (const [symbol, askedAt] of Object.entries(pending)) if (tickNo - askedAt > ai.verdictTtlTicks) delete pending[symbol];
}
