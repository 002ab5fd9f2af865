import { KeelError } from './errors.js';

/*
 * A backtest sweep: every combination of a few settings, each run as its own backtest, then the runs ranked by one
 * metric. Pure: the CLI builds the combinations, the sweep workflow ranks what its activities return.
 */

/** One swept setting: a dotted config key and the values to try, in order. */
export interface SweepAxis {
  key: string;
  values: unknown[];
}

/** One combination: a nested config patch ({signal: {buyThreshold: 0.1}}) and its label ("signal.buyThreshold=0.1"). */
export interface SweepCombination {
  patch: Record<string, unknown>;
  label: string;
}

/**
 * A sweep's id, `<prefix>20240301T120000-1a2b3c`: its start (UTC, to the second) so ids sort by time, then
 * `randomHex` so two sweeps started in the same second differ. The caller draws the randomness: this stays pure.
 */
export function sweepIdAt(nowMs: number, randomHex: string, prefix = ''): string {
  return `${prefix}${new Date(nowMs).toISOString().slice(0, 19).replace(/[-:]/g, '')}-${randomHex}`;
}

/** More runs than this is a typo rather than a plan: 500 full runs already take hours on a few cores. */
export const MAX_SWEEP_COMBINATIONS = 500;

/**
 * Reads `KEY=V1,V2,V3`: values are JSON where they parse (numbers, booleans, null), strings otherwise, as
 * `--config` reads them. Values are split at commas, so a list value cannot be swept.
 */
export function parseSweepAxis(raw: string): SweepAxis {
  const eq = raw.indexOf('=');
  if (eq <= 0) throw new KeelError('InvalidConfig', `--sweep expects KEY=V1,V2,... such as signal.buyThreshold=0.05,0.1 (got "${raw}")`);
  const key = raw.slice(0, eq).trim();
  if (!/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/.test(key)) throw new KeelError('InvalidConfig', `--sweep ${key}: the key must be a dotted setting name such as risk.maxOpenPositions`);
  const text = raw.slice(eq + 1);
  const values = text === '' ? [] : text.split(',').map((v) => jsonOrString(v.trim()));
  return { key, values };
}

function jsonOrString(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/** The cartesian product of the axes, the first axis varying slowest; refuses a repeated key, an empty list, too many. */
export function sweepCombinations(sweeps: readonly SweepAxis[]): SweepCombination[] {
  const seen = new Set<string>();
  let count = 1;
  for (const { key, values } of sweeps) {
    if (seen.has(key)) throw new KeelError('InvalidConfig', `--sweep ${key} is given twice: list all its values in one --sweep ${key}=V1,V2`);
    seen.add(key);
    if (values.length === 0) throw new KeelError('InvalidConfig', `--sweep ${key} has no values: give at least one, e.g. ${key}=V1,V2`);
    // Keys that nest inside another swept key (risk and risk.maxOpenPositions) would overwrite each other.
    const clash = [...seen].find((other) => other !== key && (other.startsWith(`${key}.`) || key.startsWith(`${other}.`)));
    if (clash !== undefined) throw new KeelError('InvalidConfig', `--sweep ${key} overlaps --sweep ${clash}: sweep leaf settings only`);
    count *= values.length;
    if (count > MAX_SWEEP_COMBINATIONS) {
      throw new KeelError('InvalidConfig', `the sweep has ${sweeps.reduce((n, s) => n * Math.max(1, s.values.length), 1)} combinations (--sweep ${sweeps.map((s) => `${s.key}: ${s.values.length}`).join(', ')}); at most ${MAX_SWEEP_COMBINATIONS}`);
    }
  }
  let combinations: SweepCombination[] = [{ patch: {}, label: '' }];
  for (const { key, values } of sweeps) {
    combinations = combinations.flatMap((c) =>
      values.map((value) => ({
        patch: mergeConfigPatches(c.patch, nestedPatch(key, value)),
        label: c.label === '' ? `${key}=${labelOf(value)}` : `${c.label} ${key}=${labelOf(value)}`,
      })),
    );
  }
  return combinations;
}

function labelOf(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function nestedPatch(key: string, value: unknown): Record<string, unknown> {
  return key
    .split('.')
    .reduceRight<unknown>((inner, part) => ({ [part]: inner }), value) as Record<string, unknown>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `over` merged into `base` key by key (nested objects merge, anything else replaces); neither is changed. */
export function mergeConfigPatches(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = merged[key];
    merged[key] = isPlainObject(current) && isPlainObject(value) ? mergeConfigPatches(current, value) : value;
  }
  return merged;
}

/** What rankRuns needs of a run's outcome; `Metric` names the metrics a run may have (the contracts narrow it). */
export interface RankableRun<Metric extends string = string> {
  runId: string;
  label: string;
  status: 'finished' | 'failed';
  fingerprint: string | null;
  metrics: Partial<Record<Metric, number | null>> | null;
  trades?: number;
  error?: string;
}

/** One run of a ranked sweep (src/contracts/backtest-types.ts: RankedBacktestRun, what a sweep returns). */
export interface RankedRun<Metric extends string = string> {
  runId: string;
  label: string;
  status: 'finished' | 'failed';
  /** The ranking metric; null when the run failed or the metric is undefined for it. */
  value: number | null;
  fingerprint: string | null;
  error?: string;
  /** The run's metrics and closed trades, for the sweep's table; absent when the run failed. */
  metrics?: Partial<Record<Metric, number | null>> | null;
  trades?: number;
}

/** Metrics where less is better; every other ranking metric is better higher. */
const LOWER_IS_BETTER = new Set(['maxDrawdown']);

/** Best first by `rankBy`; finished runs without a value, then failed runs, last; ties (and those) by runId. */
export function rankRuns<Metric extends string>(outcomes: readonly RankableRun<Metric>[], rankBy: Metric): RankedRun<Metric>[] {
  const sign = LOWER_IS_BETTER.has(rankBy) ? 1 : -1;
  const ranked = outcomes.map((o): RankedRun<Metric> => {
    const raw = o.status === 'finished' ? o.metrics?.[rankBy] : undefined;
    const value = typeof raw === 'number' && Number.isFinite(raw) ? raw : null;
    return {
      runId: o.runId,
      label: o.label,
      status: o.status,
      value,
      fingerprint: o.fingerprint,
      ...(o.error !== undefined && { error: o.error }),
      ...(o.status === 'finished' && { metrics: o.metrics }),
      ...(o.trades !== undefined && { trades: o.trades }),
    };
  });
  const group = (r: RankedRun<Metric>) => (r.status === 'failed' ? 2 : r.value === null ? 1 : 0);
  return ranked.sort((a, b) => group(a) - group(b) || (a.value !== null && b.value !== null ? sign * (a.value - b.value) : 0) || (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0));
}
