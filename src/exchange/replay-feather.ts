import { tableFromIPC } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import { KeelError } from '../domain/errors.js';

/** The columns freqtrade writes to a feather candle file (pandas' to_feather: Arrow IPC, `date` a UTC timestamp). */
const COLUMNS = ['date', 'open', 'high', 'low', 'close', 'volume'] as const;

/**
 * Rows [ts_ms, open, high, low, close, volume] of a freqtrade feather file (freqtrade's default data format), read
 * with Apache Arrow. Any timestamp unit is read as epoch milliseconds; numbers of any width become JS numbers. Rows
 * are then validated like JSON rows (parseReplayRows), so a defect names the file and the row.
 */
export function featherRows(path: string, bytes: Uint8Array): unknown[][] {
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (error) {
    throw new KeelError('InvalidMarketData', `${path}: not a feather (Arrow IPC) file (${(error as Error).message}); expected freqtrade's feather candles with columns ${COLUMNS.join(', ')}`, { cause: error });
  }
  const columns = COLUMNS.map((name) => {
    const column = table.getChild(name);
    if (column === null) {
      const has = table.schema.fields.map((field) => field.name).join(', ') || 'none';
      throw new KeelError('InvalidMarketData', `${path}: no "${name}" column (it has ${has}); expected freqtrade's feather candles with columns ${COLUMNS.join(', ')}`);
    }
    return column;
  });
  const rows: unknown[][] = new Array(table.numRows);
  for (let i = 0; i < table.numRows; i++) {
    rows[i] = columns.map((column) => {
      const value: unknown = column.get(i);
      if (value instanceof Date) return value.getTime();
      return typeof value === 'bigint' ? Number(value) : value;
    });
  }
  return rows;
}
