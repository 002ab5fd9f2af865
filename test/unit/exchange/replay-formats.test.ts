import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Table, TimestampNanosecond, makeData, makeVector, tableToIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeelError } from '../../../src/domain/errors.js';
import { ReplayMarket } from '../../../src/exchange/replay-market.js';
import { loadReplayFile } from '../../../src/exchange/replay-file.js';

/**
 * freqtrade's three candle formats read alike: json, jsongz (gzipped json) and feather (Apache Arrow IPC, as pandas'
 * to_feather writes it: `date` a nanosecond UTC timestamp). Real recorded candles when ../shared/data is there, a few
 * made-up rows otherwise.
 */

type Row = [number, number, number, number, number, number];
const SOURCE = resolve('../shared/data/ohlcv/binance-spot-1h-2021/BTC_USDT-1h.json');
const rows: Row[] = existsSync(SOURCE)
  ? (JSON.parse(readFileSync(SOURCE, 'utf8')) as Row[]).slice(0, 500)
  : [
      [1609459200000, 28923.63, 29031.34, 28690.17, 29000.01, 2311.81],
      [1609462800000, 29000.01, 29500, 28857.5, 29372.1, 3501.14],
      [1609466400000, 29372.1, 29400, 29000, 29200, 1200.5],
    ];

function feather(data: Row[], options: { dropColumn?: string } = {}): Uint8Array {
  const column = (index: number) => makeVector(Float64Array.from(data.map((row) => row[index]!)));
  const date = makeVector(makeData({ type: new TimestampNanosecond('UTC'), length: data.length, data: BigInt64Array.from(data.map((row) => BigInt(row[0]) * 1_000_000n)) }));
  const columns: Record<string, ReturnType<typeof column> | typeof date> = { date, open: column(1), high: column(2), low: column(3), close: column(4), volume: column(5) };
  if (options.dropColumn !== undefined) delete columns[options.dropColumn];
  return tableToIPC(new Table(columns), 'file');
}

async function caught(run: () => Promise<unknown>): Promise<KeelError> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KeelError);
  return error as KeelError;
}

describe('replay files in freqtrade formats', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keel-formats-'));
    await writeFile(join(dir, 'BTC_USDT-1h.json'), JSON.stringify(rows));
    await writeFile(join(dir, 'ETH_USDT-1h.json.gz'), gzipSync(JSON.stringify(rows)));
    await writeFile(join(dir, 'SOL_USDT-1h.feather'), feather(rows));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the same candles from json, jsongz and feather', async () => {
    const [json, gz, arrow] = await Promise.all(['BTC_USDT-1h.json', 'ETH_USDT-1h.json.gz', 'SOL_USDT-1h.feather'].map((name) => loadReplayFile(join(dir, name))));
    expect(gz!.length).toBe(rows.length);
    expect(arrow!.length).toBe(rows.length);
    for (const index of [0, Math.floor(rows.length / 2), rows.length - 1]) {
      expect(gz!.candleAt(index)).toEqual(json!.candleAt(index));
      expect(arrow!.candleAt(index)).toEqual(json!.candleAt(index));
    }
    expect(arrow!.tsAt(0)).toBe(rows[0]![0]);
  });

  it('lists every format in a replay directory, and prefers feather when a pair comes in several', async () => {
    const market = new ReplayMarket({ dir });
    expect((await market.listSymbols('USDT')).sort()).toEqual(['BTC/USDT', 'ETH/USDT', 'SOL/USDT']);
    const both = await mkdtemp(join(tmpdir(), 'keel-formats-both-'));
    try {
      await writeFile(join(both, 'BTC_USDT-1h.json'), JSON.stringify(rows.slice(0, 2)));
      await writeFile(join(both, 'BTC_USDT-1h.feather'), feather(rows));
      const candles = await new ReplayMarket({ dir: both }).fetchOhlcv('BTC/USDT', '1h', { limit: 1000, untilMs: rows.at(-1)![0] + 3_600_000 });
      expect(candles).toHaveLength(rows.length);
    } finally {
      await rm(both, { recursive: true, force: true });
    }
  });

  it('names the file and the row or column of a defect', async () => {
    const bad = rows.slice(0, 3).map((row) => [...row] as Row);
    bad[1]![4] = Number.NaN;
    await writeFile(join(dir, 'NAN_USDT-1h.feather'), feather(bad));
    await writeFile(join(dir, 'COL_USDT-1h.feather'), feather(rows, { dropColumn: 'volume' }));
    await writeFile(join(dir, 'ZIP_USDT-1h.json.gz'), 'not gzip at all');
    await writeFile(join(dir, 'ARW_USDT-1h.feather'), 'not arrow');
    expect((await caught(() => loadReplayFile(join(dir, 'NAN_USDT-1h.feather')))).message).toMatch(/NAN_USDT-1h\.feather: row 1 .*close is NaN, not a finite number/);
    expect((await caught(() => loadReplayFile(join(dir, 'COL_USDT-1h.feather')))).message).toMatch(/COL_USDT-1h\.feather: no "volume" column \(it has date, open, high, low, close\)/);
    expect((await caught(() => loadReplayFile(join(dir, 'ZIP_USDT-1h.json.gz')))).message).toMatch(/ZIP_USDT-1h\.json\.gz: not a gzip file/);
    expect((await caught(() => loadReplayFile(join(dir, 'ARW_USDT-1h.feather')))).message).toMatch(/ARW_USDT-1h\.feather: not a feather \(Arrow IPC\) file/);
  });
});
