/*
 * Plain records (symbol -> value) copied and read the way ticks repeat them. Pure, sandbox-safe.
 */

/**
 * A shallow copy of `record`: exactly what `{ ...record }` gives (own keys, same order), but V8 spreads a record of
 * dozens of keys that come and go (a portfolio's positions) on a slow path, 2-3x slower than copying key by key.
 */
export function copyRecord<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  const copy: Record<string, T> = {};
  for (const key in record) {
    if (Object.hasOwn(record, key)) copy[key] = record[key]!;
  }
  return copy;
}
