/*
 * Correlated exposure: coins clustered by the correlation of their log returns over a rolling window, at most N
 * positions per cluster, and a cap on beta-weighted gross exposure. Return series are indexed like the candles they
 * come from (see logReturnSeries), so one index means one candle time for every coin. Pure; no imports, so safe in
 * the workflow sandbox.
 */

export interface CorrelationConfig {
  enabled: boolean;
  /** Log returns (candles) the correlations and betas are measured over. */
  window: number;
  /** Two coins whose return correlation is at least this are in one cluster (and so are coins linked through them). */
  threshold: number;
  /** Most positions held in one cluster; a buy that would add one more is refused. */
  maxPositionsPerCluster: number;
  /** Cap on the sum over held coins of |beta| x (position value / equity), the candidate included. */
  maxBetaWeightedExposure: number;
  /** Clusters and betas are measured again every this many ticks (the measurement is O(coins² x window)). */
  recomputeCandles: number;
}

/** Off. Switched on: a week of 1h returns, clusters at 0.8, 3 positions per cluster, 1.5x equity beta-weighted. */
export const DEFAULT_CORRELATION_CONFIG: CorrelationConfig = {
  enabled: false,
  window: 168,
  threshold: 0.8,
  maxPositionsPerCluster: 3,
  maxBetaWeightedExposure: 1.5,
  recomputeCandles: 24,
};

export type ReturnSeries = ArrayLike<number>;
export type ReturnsBySymbol = ReadonlyMap<string, ReturnSeries> | Readonly<Record<string, ReturnSeries>>;

/**
 * Log returns aligned with the closes: out[i] = ln(closes[i] / the last usable close before i). A missing close (not
 * finite or not positive) counts as an unchanged price, so a gap gives a 0 return and the move across it lands on the
 * next close, rather than one missing candle (an exchange outage hits every coin at once) leaving every window that
 * spans it unusable. Before the first usable close (a coin not listed yet) the returns are NaN: "no data".
 */
export function logReturnSeries(closes: ArrayLike<number>): Float64Array {
  const out = new Float64Array(closes.length);
  let last = NaN;
  for (let i = 0; i < closes.length; i++) {
    const close = closes[i] as number;
    const usable = close > 0 && Number.isFinite(close);
    out[i] = Number.isNaN(last) ? NaN : usable ? Math.log(close / last) : 0;
    if (usable) last = close;
  }
  return out;
}

/** Mean of values[start, end), or NaN when the window is outside the series or holds a non-finite value. */
function windowMean(values: ArrayLike<number>, start: number, end: number): number {
  if (start < 0 || end > values.length || end - start < 2) return NaN;
  let sum = 0;
  for (let i = start; i < end; i++) sum += values[i] as number;
  // A NaN or infinity anywhere makes the sum non-finite.
  return Number.isFinite(sum) ? sum / (end - start) : NaN;
}

/**
 * True when squared deviations this small are only the rounding of the mean: the series is constant over the window
 * (a float mean of 400 copies of 0.01 is not exactly 0.01, which would leave noise to correlate).
 */
function isConstant(squares: number, count: number, mean: number): boolean {
  return !(squares > count * (mean * 1e-9) ** 2);
}

/** Centred sums over [start, end): sum(da x db), sum(da²), sum(db²) (0 for a constant series); NaN when either window is unusable. */
function centredSums(a: ArrayLike<number>, b: ArrayLike<number>, start: number, end: number): { ab: number; aa: number; bb: number } {
  const meanA = windowMean(a, start, end);
  const meanB = windowMean(b, start, end);
  if (Number.isNaN(meanA) || Number.isNaN(meanB)) return { ab: NaN, aa: NaN, bb: NaN };
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = start; i < end; i++) {
    const da = (a[i] as number) - meanA;
    const db = (b[i] as number) - meanB;
    ab += da * db;
    aa += da * da;
    bb += db * db;
  }
  if (isConstant(aa, end - start, meanA)) aa = 0;
  if (isConstant(bb, end - start, meanB)) bb = 0;
  return { ab, aa, bb };
}

/**
 * Pearson correlation of two return series over [start, end), in [-1, 1]. NaN when the window has fewer than two
 * returns, reaches outside either series, holds a missing return, or either series is constant over it.
 */
export function returnCorrelation(a: ReturnSeries, b: ReturnSeries, start: number, end: number): number {
  const { ab, aa, bb } = centredSums(a, b, start, end);
  if (!(aa > 0 && bb > 0)) return NaN;
  return Math.max(-1, Math.min(1, ab / Math.sqrt(aa * bb)));
}

/** Beta of a coin to the market over [start, end): cov(coin, market) / var(market). NaN as for returnCorrelation. */
export function betaOf(coinReturns: ReturnSeries, marketReturns: ReturnSeries, start: number, end: number): number {
  const { ab, aa, bb } = centredSums(coinReturns, marketReturns, start, end);
  if (!(bb > 0) || Number.isNaN(aa)) return NaN;
  return ab / bb;
}

/** The window's returns centred and scaled to unit length, so a correlation is one dot product; null if unusable. */
function unitWindow(values: ReturnSeries, start: number, end: number): Float64Array | null {
  const mean = windowMean(values, start, end);
  if (Number.isNaN(mean)) return null;
  const unit = new Float64Array(end - start);
  let squares = 0;
  for (let i = start; i < end; i++) {
    const d = (values[i] as number) - mean;
    unit[i - start] = d;
    squares += d * d;
  }
  if (isConstant(squares, end - start, mean)) return null;
  const scale = 1 / Math.sqrt(squares);
  for (let i = 0; i < unit.length; i++) unit[i] = (unit[i] as number) * scale;
  return unit;
}

/** Union-find root with path halving. */
function rootOf(parent: Int32Array, i: number): number {
  while (parent[i] !== i) {
    parent[i] = parent[parent[i] as number] as number;
    i = parent[i] as number;
  }
  return i;
}

/**
 * symbol -> cluster id for every symbol given: coins whose return correlation over the `window` returns ending before
 * index `windowEnd` is at least `threshold` are linked, and clusters are the linked groups (single linkage, so a chain
 * of close pairs is one cluster). A cluster's id is its alphabetically first symbol; a coin without a usable window
 * (too short, missing returns, constant) is its own cluster. The same result whatever the input's order.
 * O(coins² x window): call it every recomputeCandles ticks, not every tick.
 */
export function correlationClusters(returnsBySymbol: ReturnsBySymbol, windowEnd: number, window: number, threshold: number): Record<string, string> {
  const entries = returnsBySymbol instanceof Map ? [...(returnsBySymbol as ReadonlyMap<string, ReturnSeries>)] : Object.entries(returnsBySymbol);
  // Sorted, so the roots (always the lower index, see below) are the alphabetically first symbols.
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const start = windowEnd - window;
  const units = entries.map(([, values]) => unitWindow(values, start, windowEnd));
  const parent = Int32Array.from(entries.keys());
  for (let i = 0; i < units.length; i++) {
    const a = units[i];
    if (!a) continue;
    for (let j = i + 1; j < units.length; j++) {
      const b = units[j];
      if (!b) continue;
      const rootI = rootOf(parent, i);
      const rootJ = rootOf(parent, j);
      if (rootI === rootJ) continue; // already linked: no need to measure
      let dot = 0;
      for (let k = 0; k < a.length; k++) dot += (a[k] as number) * (b[k] as number);
      if (dot >= threshold) {
        if (rootI < rootJ) parent[rootJ] = rootI;
        else parent[rootI] = rootJ;
      }
    }
  }
  const clusters: Record<string, string> = {};
  entries.forEach(([symbol], i) => {
    clusters[symbol] = (entries[rootOf(parent, i)] as [string, ReturnSeries])[0];
  });
  return clusters;
}

export interface CorrelationGateInput {
  /** The coin to buy. */
  symbol: string;
  /** From correlationClusters; a symbol missing from it is its own cluster. */
  clusters: Readonly<Record<string, string>>;
  /** Coins held now, plus any bought earlier in this tick's plan. */
  heldSymbols: readonly string[];
  /** Beta to the market per coin; a missing or non-finite beta counts as 1 (moves like the market). */
  betas: Readonly<Record<string, number>>;
  /** Each held coin's value as a fraction of equity. */
  exposureBySymbol: Readonly<Record<string, number>>;
  /** The buy's notional as a fraction of equity. */
  candidateExposure: number;
  config: CorrelationConfig;
}

/** |beta| where known, else 1. */
function betaWeight(betas: Readonly<Record<string, number>>, symbol: string): number {
  const beta = betas[symbol];
  return beta !== undefined && Number.isFinite(beta) ? Math.abs(beta) : 1;
}

/** A fraction of equity, briefly: 1.4 -> "1.4", 0.123456 -> "0.1235". */
function fractionText(value: number): string {
  return String(Number(value.toPrecision(4)));
}

/**
 * Why a buy of `symbol` is refused, or null when it may go ahead (always null when disabled): its cluster already
 * holds maxPositionsPerCluster coins other than itself, or the beta-weighted gross exposure with the buy would exceed
 * maxBetaWeightedExposure. O(held coins). After a buy is planned, add it to heldSymbols and exposureBySymbol before
 * asking about the next.
 */
export function correlationGate(input: CorrelationGateInput): string | null {
  const { symbol, clusters, config } = input;
  if (!config.enabled) return null;
  const cluster = clusters[symbol] ?? symbol;
  let inCluster = 0;
  for (const held of input.heldSymbols) {
    if (held !== symbol && (clusters[held] ?? held) === cluster) inCluster++;
  }
  if (inCluster >= config.maxPositionsPerCluster) {
    return `cluster of ${cluster} already holds ${inCluster} of at most ${config.maxPositionsPerCluster}`;
  }
  let heldExposure = 0;
  for (const [held, exposure] of Object.entries(input.exposureBySymbol)) heldExposure += betaWeight(input.betas, held) * exposure;
  const candidateBeta = betaWeight(input.betas, symbol);
  const total = heldExposure + candidateBeta * input.candidateExposure;
  // The tolerance keeps float sums that only round past the cap from refusing a buy that fits exactly.
  if (total > config.maxBetaWeightedExposure + 1e-12) {
    return `beta-weighted exposure would reach ${fractionText(total)} of equity, above the cap of ${config.maxBetaWeightedExposure} (held ${fractionText(heldExposure)} + ${fractionText(input.candidateExposure)} x beta ${fractionText(candidateBeta)})`;
  }
  return null;
}

/** Problems with a correlation config, each naming its dotted key; empty when it is usable. */
export function validateCorrelationConfig(value: unknown, path = 'correlation'): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [`${path} must be an object of settings (got ${JSON.stringify(value)})`];
  const c = value as Record<string, unknown>;
  const problems: string[] = [];
  const known = Object.keys(DEFAULT_CORRELATION_CONFIG);
  for (const key of Object.keys(c)) {
    if (!known.includes(key)) problems.push(`unknown setting ${path}.${key}; ${path} settings: ${known.join(', ')}`);
  }
  const integerIn = (key: string, min: number, max: number) => {
    const v = c[key];
    if (!(Number.isInteger(v) && (v as number) >= min && (v as number) <= max)) problems.push(`${path}.${key} must be an integer from ${min} to ${max} (got ${String(v)})`);
  };
  if (typeof c.enabled !== 'boolean') problems.push(`${path}.enabled must be true or false (got ${JSON.stringify(c.enabled)})`);
  integerIn('window', 10, 5000);
  const threshold = c.threshold;
  if (!(typeof threshold === 'number' && Number.isFinite(threshold) && threshold > 0 && threshold <= 1)) {
    problems.push(`${path}.threshold must be a correlation in (0, 1] (got ${String(threshold)})`);
  }
  integerIn('maxPositionsPerCluster', 1, 2000);
  const cap = c.maxBetaWeightedExposure;
  if (!(typeof cap === 'number' && Number.isFinite(cap) && cap > 0 && cap <= 100)) {
    problems.push(`${path}.maxBetaWeightedExposure must be a fraction of equity in (0, 100] (got ${String(cap)})`);
  }
  integerIn('recomputeCandles', 1, 10_000);
  return problems;
}
