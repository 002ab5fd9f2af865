import type { CycleConfigPatch } from '../domain/cycle-config.js';

/** A setting's name, as patchFromDottedKeys takes it: camelCase letters and digits. */
const SETTING_NAME = /^[A-Za-z][A-Za-z0-9]{0,63}$/;

/**
 * Turns `key=value` arguments into a config patch: dotted keys nest (`risk.maxOpenPositions=20`), values are JSON
 * when they parse as JSON (numbers, true/false, null, lists) and strings otherwise.
 */
export function parseConfigAssignments(assignments: string[]): CycleConfigPatch {
  const patch: Record<string, unknown> = {};
  for (const assignment of assignments) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) throw new Error(`expected key=value, got "${assignment}" (for example risk.maxOpenPositions=20)`);
    const keys = assignment.slice(0, eq).split('.');
    // Setting names only: "__proto__.x=1" would otherwise walk into Object.prototype and set x on every object.
    const bad = keys.find((key) => !SETTING_NAME.test(key));
    if (bad !== undefined) throw new Error(`"${bad.slice(0, 80)}" in "${assignment.slice(0, eq)}" is not a setting name (letters and digits, such as maxOpenPositions)`);
    const raw = assignment.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // not JSON: keep the string
    }
    let target = patch;
    for (const key of keys.slice(0, -1)) {
      // Own keys only: an inherited member ("constructor", "toString") is no section of the patch.
      const next = Object.hasOwn(target, key) ? target[key] : undefined;
      if (next === undefined) target[key] = {};
      else if (typeof next !== 'object' || next === null) throw new Error(`"${keys.join('.')}" conflicts with another assignment`);
      target = target[key] as Record<string, unknown>;
    }
    target[keys.at(-1)!] = value;
  }
  return patch as CycleConfigPatch;
}
