import type { CycleConfigPatch } from './cycle-config.js';
import { KeelError } from './errors.js';

// Setting names are camelCase identifiers; anything else ("__proto__", "", "a b") is a typo or an attack, never a key.
const SEGMENT = /^[A-Za-z][A-Za-z0-9]{0,63}$/;

/**
 * Turns settings given by dotted keys ({"risk.maxOpenPositions": 20, "signal.weights.rsi": 0.5}) into the nested
 * config patch validateConfigPatch checks. Only the shape is checked here (names, conflicts); what the values may be
 * is the validator's. Throws InvalidInput naming the key.
 */
export function patchFromDottedKeys(settings: Readonly<Record<string, unknown>>, what = 'config'): CycleConfigPatch {
  const patch: Record<string, unknown> = {};
  // Sections this function made; a section given whole ({"risk": {...}}) is the caller's, never merged into.
  const made = new Set<object>([patch]);
  for (const [key, value] of Object.entries(settings)) {
    const segments = key.split('.');
    if (!segments.every((s) => SEGMENT.test(s))) {
      throw new KeelError('InvalidInput', `${what} key "${key.slice(0, 80)}" must be a setting name such as "risk.maxOpenPositions" (dot-separated names of letters and digits)`);
    }
    let target = patch;
    for (const segment of segments.slice(0, -1)) {
      const next = Object.hasOwn(target, segment) ? target[segment] : undefined;
      if (next === undefined) {
        const section = {};
        made.add(section);
        target[segment] = section;
      } else if (!made.has(next as object)) throw conflict(what, key);
      target = target[segment] as Record<string, unknown>;
    }
    const last = segments.at(-1)!;
    if (Object.hasOwn(target, last)) throw conflict(what, key);
    target[last] = value;
  }
  return patch as CycleConfigPatch;
}

function conflict(what: string, key: string): KeelError {
  return new KeelError('InvalidInput', `${what} key "${key}" conflicts with another key that sets ${key.split('.')[0]} or a part of it`);
}
