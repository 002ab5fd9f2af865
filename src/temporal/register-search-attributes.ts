import type { Connection } from '@temporalio/client';
// @temporalio/proto is CommonJS: Node's ESM loader cannot see its named exports, only the default.
import protos from '@temporalio/proto';

const { temporal } = protos;

const INDEXED = temporal.api.enums.v1.IndexedValueType;
const KEEL_ATTRIBUTES: Record<string, protos.temporal.api.enums.v1.IndexedValueType> = {
  KeelMarket: INDEXED.INDEXED_VALUE_TYPE_KEYWORD,
  KeelExchange: INDEXED.INDEXED_VALUE_TYPE_KEYWORD,
  KeelSymbol: INDEXED.INDEXED_VALUE_TYPE_KEYWORD,
  KeelTick: INDEXED.INDEXED_VALUE_TYPE_INT,
  KeelPaused: INDEXED.INDEXED_VALUE_TYPE_BOOL,
};

/**
 * Registers keel's search attributes on a server keel did not start (the dev server gets them as start flags).
 * Registering is idempotent: attributes that already exist are left alone.
 */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const present = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = Object.fromEntries(Object.entries(KEEL_ATTRIBUTES).filter(([name]) => !present.has(name)));
  if (Object.keys(missing).length > 0) {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  }
  return Object.keys(missing);
}
