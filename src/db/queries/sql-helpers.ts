import { sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';

/** PostgreSQL's limit on bind parameters in one statement (a 16-bit count in the wire protocol). */
export const MAX_BIND_PARAMETERS = 65_535;

/**
 * Splits rows so each INSERT stays under the bind-parameter limit. Almost every call fits in one chunk, i.e. one
 * statement; only very large backfills are split.
 */
export function chunkForInsert<T>(rows: readonly T[], parametersPerRow: number): T[][] {
  const size = Math.max(1, Math.floor(MAX_BIND_PARAMETERS / parametersPerRow));
  const chunks: T[][] = [];
  for (let start = 0; start < rows.length; start += size) chunks.push(rows.slice(start, start + size));
  return chunks;
}

/** `excluded."column"`: the value an upsert tried to insert, for ON CONFLICT DO UPDATE SET. */
export function excluded(column: AnyPgColumn): SQL {
  return sql.raw(`excluded."${column.name.replace(/"/g, '""')}"`);
}

/** Keeps the last row per key, because one upsert statement may not touch the same row twice. */
export function lastPerKey<T>(rows: readonly T[], key: (row: T) => string): T[] {
  return [...new Map(rows.map((row) => [key(row), row] as const)).values()];
}
