import { betaOf, correlationClusters, correlationGate, logReturnSeries, type CorrelationConfig } from './correlation.js';

/*
 * The correlation gate in a tick: what the cycle measures every `recomputeCandles` ticks (clusters and betas from the
 * stored closes of the tick's coins) and how a tick's buys are judged against it. The workflow measures from the
 * candle table (an activity), the backtester from its replay of that table; both hand the same closes to
 * measureCorrelation. Pure and sandbox-safe (correlation.ts has no imports).
 */

/** What one measurement found; carried in the cycle's risk state until the next one. */
export interface CorrelationSnapshot {
  /** Ticks completed when it was measured. */
  measuredAtTick: number;
  /** The settings it was measured with: a change measures again at once. */
  window: number;
  threshold: number;
  /** The coin betas are measured against (the regime gate's leader), or null when none was in the tick. */
  market: string | null;
  /** Coins in a cluster of two or more -> the cluster's id; any other coin is a cluster of its own. */
  clusters: Record<string, string>;
  /** Beta to the market, to 4 decimals, per coin with a usable window; a missing beta counts as 1. */
  betas: Record<string, number>;
}

/** Open times of the window+1 candles whose closes give `window` returns ending at the candle opening at untilOpenTs. */
export function correlationGrid(untilOpenTs: number, timeframeMs: number, window: number): { fromTs: number; count: number } {
  return { fromTs: untilOpenTs - window * timeframeMs, count: window + 1 };
}

/** The coins a measurement reads: the tick's, and the market's leader if it is not among them (betas need it). */
export function correlationSymbols(symbols: readonly string[], market: string | null): string[] {
  return market === null || symbols.includes(market) ? [...symbols] : [...symbols, market];
}

/** The gate's view before any measurement succeeded: every coin its own cluster, every beta 1 (the exposure cap still binds). */
export function unmeasuredCorrelation(config: CorrelationConfig): CorrelationSnapshot {
  return { measuredAtTick: -1, window: config.window, threshold: config.threshold, market: null, clusters: {}, betas: {} };
}

/** Whether this tick measures again: never measured, measured `recomputeCandles` or more ticks ago, or with other settings. */
export function correlationDue(snapshot: CorrelationSnapshot | undefined, config: CorrelationConfig, tickNo: number): boolean {
  if (!config.enabled) return false;
  if (snapshot === undefined || snapshot.window !== config.window || snapshot.threshold !== config.threshold) return true;
  return tickNo - snapshot.measuredAtTick >= config.recomputeCandles;
}

/**
 * Places stored candles on the grid: out[k] is the close of the candle opening at fromTs + k x timeframeMs, NaN where
 * none is stored (a gap, or before the coin's first stored candle). Candles off the grid are ignored.
 */
export function closesOnGrid(candles: Iterable<{ ts: number; close: number }>, grid: { fromTs: number; count: number }, timeframeMs: number): Float64Array {
  const out = new Float64Array(grid.count).fill(Number.NaN);
  for (const { ts, close } of candles) {
    const k = (ts - grid.fromTs) / timeframeMs;
    if (Number.isInteger(k) && k >= 0 && k < grid.count) out[k] = close;
  }
  return out;
}

/**
 * Clusters and betas from each coin's closes on the grid (closesOnGrid; all of one length). A coin whose window is not
 * fully stored yet is its own cluster with no beta: the gate treats it as uncorrelated and moving like the market.
 */
export function measureCorrelation(closesBySymbol: Readonly<Record<string, ArrayLike<number>>>, market: string | null, config: CorrelationConfig, tickNo: number): CorrelationSnapshot {
  const returns: Record<string, Float64Array> = {};
  for (const [symbol, closes] of Object.entries(closesBySymbol)) returns[symbol] = logReturnSeries(closes);
  // Index 0 has no return (no close before it): the window is the `window` returns after it.
  const windowEnd = config.window + 1;
  const all = correlationClusters(returns, windowEnd, config.window, config.threshold);
  const size = new Map<string, number>();
  for (const id of Object.values(all)) size.set(id, (size.get(id) ?? 0) + 1);
  const clusters: Record<string, string> = {};
  for (const symbol of Object.keys(all).sort()) {
    const id = all[symbol]!;
    if (size.get(id)! > 1) clusters[symbol] = id;
  }
  const betas: Record<string, number> = {};
  const marketReturns = market === null ? undefined : returns[market];
  if (marketReturns !== undefined) {
    for (const symbol of Object.keys(returns).sort()) {
      const beta = betaOf(returns[symbol]!, marketReturns, 1, windowEnd);
      if (Number.isFinite(beta)) betas[symbol] = Math.round(beta * 1e4) / 1e4;
    }
  }
  return { measuredAtTick: tickNo, window: config.window, threshold: config.threshold, market: marketReturns === undefined ? null : market, clusters, betas };
}

/** How every refusal by the gate starts (a skipped buy's reason). */
export const CORRELATION_REASON = 'correlation: ';

/** A buy's standing against the gate as planOrders builds a tick's plan: held and planned coins with their exposure. */
export class CorrelationBook {
  private readonly held: string[];
  private readonly exposure: Record<string, number>;

  /** `held`: each coin held (not dust) or about to be (a resting maker buy), with its value as a fraction of equity. */
  constructor(
    private readonly snapshot: CorrelationSnapshot,
    private readonly config: CorrelationConfig,
    held: ReadonlyArray<{ symbol: string; exposure: number }>,
  ) {
    this.held = held.map((h) => h.symbol);
    this.exposure = {};
    for (const h of held) this.exposure[h.symbol] = (this.exposure[h.symbol] ?? 0) + h.exposure;
  }

  /** Why buying `symbol` for `exposure` of equity is refused ("correlation: ..."), or null when it may go ahead. */
  refusal(symbol: string, exposure: number): string | null {
    const why = correlationGate({
      symbol,
      clusters: this.snapshot.clusters,
      heldSymbols: this.held,
      betas: this.snapshot.betas,
      exposureBySymbol: this.exposure,
      candidateExposure: exposure,
      config: this.config,
    });
    return why === null ? null : `${CORRELATION_REASON}${why}`;
  }

  /** A buy the plan made: it counts against the next candidates. */
  add(symbol: string, exposure: number): void {
    this.held.push(symbol);
    this.exposure[symbol] = (this.exposure[symbol] ?? 0) + exposure;
  }
}
