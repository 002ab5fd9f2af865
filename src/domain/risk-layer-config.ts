import { validateCorrelationConfig, DEFAULT_CORRELATION_CONFIG, type CorrelationConfig } from './correlation.js';
import { DEFAULT_EXECUTION_CONFIG, validateExecutionConfig, type ExecutionConfig } from './execution-config.js';
import { DEFAULT_EXIT_CONFIG, exitsEnabled, validateExitConfig, type ExitConfig } from './exits.js';
import { DEFAULT_GUARD_CONFIG, GUARD_SECTION_DEFAULTS, validateGuardConfig, type GuardConfig } from './guards.js';
import { DEFAULT_REGIME_GATE_CONFIG, validateRegimeGateConfig, type RegimeGateConfig } from './regime-gate.js';
import { TWAP_DEFAULTS } from './twap.js';
import { DEFAULT_SIZING_CONFIG, validateSizingConfig, type SizingConfig } from './sizing.js';

/*
 * The risk layer's settings (issue 11) as the cycle config holds them: one optional section each, absent in cycles
 * started before the layer existed and then meaning the defaults (everything off, today's fixed-fraction sizing).
 * Pure and sandbox-safe: the workflow's update validator calls validateRiskLayer.
 */

export interface RiskLayerConfig {
  exits: ExitConfig;
  guards: GuardConfig;
  sizing: SizingConfig;
  regimeGate: RegimeGateConfig;
  correlation: CorrelationConfig;
  /** How signal orders reach the market (execution-config.ts); not part of the tick's risk state. */
  execution: ExecutionConfig;
}

export type RiskLayerSection = keyof RiskLayerConfig;
export const RISK_LAYER_SECTIONS: readonly RiskLayerSection[] = ['exits', 'guards', 'sizing', 'regimeGate', 'correlation', 'execution'];

export const DEFAULT_RISK_LAYER: Readonly<RiskLayerConfig> = Object.freeze({
  exits: DEFAULT_EXIT_CONFIG,
  guards: DEFAULT_GUARD_CONFIG,
  sizing: DEFAULT_SIZING_CONFIG,
  regimeGate: DEFAULT_REGIME_GATE_CONFIG,
  correlation: DEFAULT_CORRELATION_CONFIG,
  execution: DEFAULT_EXECUTION_CONFIG,
});

/** The settings a nested part starts from when it is switched on with only some of them given. */
const NESTED_DEFAULTS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  'exits.stopLossAtr': { multiple: 3, period: 14 },
  'exits.trailingStop': { fraction: 0.05, activationFraction: 0.02 },
  'guards.maxDrawdown': GUARD_SECTION_DEFAULTS.maxDrawdown,
  'guards.stopLossGuard': GUARD_SECTION_DEFAULTS.stopLossGuard,
  'guards.lowProfitPairs': GUARD_SECTION_DEFAULTS.lowProfitPairs,
  'execution.twap': TWAP_DEFAULTS,
};

const VALIDATORS: Record<RiskLayerSection, (value: unknown) => string[]> = {
  exits: (value) => validateExitConfig(value),
  guards: (value) => validateGuardConfig(value),
  sizing: (value) => validateSizingConfig(value),
  regimeGate: (value) => validateRegimeGateConfig(value),
  correlation: (value) => validateCorrelationConfig(value),
  execution: (value) => validateExecutionConfig(value),
};

const isPlainObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** A cycle config's risk layer with every absent section at its default. */
export function riskLayerOf(config: Partial<RiskLayerConfig>): RiskLayerConfig {
  return {
    exits: config.exits ?? DEFAULT_RISK_LAYER.exits,
    guards: config.guards ?? DEFAULT_RISK_LAYER.guards,
    sizing: config.sizing ?? DEFAULT_RISK_LAYER.sizing,
    regimeGate: config.regimeGate ?? DEFAULT_RISK_LAYER.regimeGate,
    correlation: config.correlation ?? DEFAULT_RISK_LAYER.correlation,
    execution: config.execution ?? DEFAULT_RISK_LAYER.execution,
  };
}

/** A config with every risk-layer section spelled out (its defaults where absent): what `keel config show` prints. */
export function withRiskLayerDefaults<C extends Partial<RiskLayerConfig>>(config: C): C & RiskLayerConfig {
  return { ...config, ...riskLayerOf(config) };
}

/** Whether any part of the risk layer acts (otherwise a tick decides exactly as before the layer existed). */
export function riskLayerActive(config: RiskLayerConfig): boolean {
  const { guards } = config;
  return (
    exitsEnabled(config.exits) ||
    guards.maxDrawdown !== null ||
    guards.stopLossGuard !== null ||
    guards.lowProfitPairs !== null ||
    config.sizing.mode !== 'fixed_fraction' ||
    config.regimeGate.enabled ||
    config.correlation.enabled
  );
}

/** One message per problem in the sections the config has (absent ones are the defaults, which are valid). */
export function validateRiskLayer(config: Partial<Record<RiskLayerSection, unknown>>): string[] {
  return RISK_LAYER_SECTIONS.flatMap((section) => (config[section] === undefined ? [] : VALIDATORS[section](config[section])));
}

/**
 * A section after a patch: nested objects merge key by key (a part that was off starts from its defaults), anything
 * else (numbers, null to switch a part off) replaces. The validator then judges the result.
 */
export function mergeRiskLayerSection(section: RiskLayerSection, current: unknown, patch: unknown): unknown {
  return merge(section, current ?? DEFAULT_RISK_LAYER[section], patch);
}

function merge(path: string, current: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const base = isPlainObject(current) ? current : (NESTED_DEFAULTS[path] ?? {});
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    // defineProperty: a key such as "__proto__" stays a (refused) setting instead of changing the object's prototype.
    Object.defineProperty(merged, key, { value: merge(`${path}.${key}`, Object.hasOwn(base, key) ? base[key] : undefined, value), enumerable: true, writable: true, configurable: true });
  }
  return merged;
}
