import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeelError } from '../../../src/domain/errors.js';
import type { Candle } from '../../../src/domain/market-types.js';
import { ReplayMarket } from '../../../src/exchange/replay-market.js';

const HOUR_MS = 3_600_000;
const DATA_DIR = resolve('../shared/data/ohlcv/binance-spot-1h-2021');
const hasData = existsSync(DATA_DIR);
if (!hasData) console.warn(`replay-market tests over recorded data skipped: ${DATA_DIR} is absent (it lives in ../shared/data next to the repo)`);

type Row = [number, number, number, number, number, number];

function readRows(file: string): Row[] {
  return JSON.parse(readFileSync(join(DATA_DIR, file), 'utf8')) as Row[];
}

function toCandle([ts, open, high, low, close, volume]: Row): Candle {
  return { ts, open, high, low, close, volume };
}

async function caught(promise: Promise<unknown> | (() => unknown)): Promise<KeelError> {
  let error: unknown;
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(KeelError);
  return error as KeelError;
}

describe.skipIf(!hasData)('ReplayMarket over binance-spot-1h-2021 (skipped when ../shared/data is absent)', () => {
  const market = hasData ? new ReplayMarket({ dir: DATA_DIR }) : (undefined as unknown as ReplayMarket);
  const btc = hasData ? readRows('BTC_USDT-1h.json') : [];

  it('lists every USDT pair and answers with 1h tickers by default', async () => {
    const symbols = await market.listSymbols('USDT');
    expect(symbols).toHaveLength(126);
    expect(symbols).toContain('BTC/USDT');
    expect(symbols).toContain('ETH/USDT');
    expect(market.tickerTimeframe).toBe('1h');
    expect(await market.listSymbols('BTC')).toEqual([]);
  });

  it('returns exactly the recorded candles of a window', async () => {
    const first = btc[0] as Row;
    const since = await market.fetchOhlcv('BTC/USDT', '1h', { sinceMs: (btc[100] as Row)[0], limit: 50, untilMs: Date.UTC(2030, 0) });
    expect(since).toEqual(btc.slice(100, 150).map(toCandle));
    const newest = await market.fetchOhlcv('BTC/USDT', '1h', { limit: 10, untilMs: (btc[200] as Row)[0] + HOUR_MS });
    expect(newest).toEqual(btc.slice(191, 201).map(toCandle));
    const stillOpen = await market.fetchOhlcv('BTC/USDT', '1h', { limit: 10, untilMs: (btc[200] as Row)[0] + HOUR_MS - 1 });
    expect(stillOpen).toEqual(btc.slice(190, 200).map(toCandle));
    expect(await market.fetchOhlcv('BTC/USDT', '1h', { limit: 10, untilMs: first[0] })).toEqual([]);
    expect(market.calls.ohlcv).toBe(4);
    expect(market.calls.ohlcvCandles).toBe(70);
  });

  it('gives tickers from the last closed candle and the 24 h before it, omitting coins not listed yet', async () => {
    const asOfMs = (btc[500] as Row)[0];
    const tickers = await market.fetchTickers('USDT', undefined, asOfMs);
    const ticker = tickers.find((t) => t.symbol === 'BTC/USDT');
    // Recorded data has gaps (exchange maintenance), so the day is chosen by time, not by row count.
    const day = btc.filter(([ts]) => ts + HOUR_MS > asOfMs - 24 * HOUR_MS && ts + HOUR_MS <= asOfMs);
    expect(day.length).toBeGreaterThan(0);
    expect(ticker).toEqual({
      symbol: 'BTC/USDT',
      last: (btc[499] as Row)[4],
      quoteVolume: [...day].reverse().reduce((sum, row) => sum + row[5] * row[4], 0),
      ts: asOfMs,
    });
    const coverage = await market.coverage(await market.listSymbols('USDT'), '1h');
    const notYetListed = coverage.symbols.filter((entry) => (entry.firstTs ?? Infinity) >= asOfMs).map((entry) => entry.symbol);
    expect(notYetListed.length).toBeGreaterThan(0);
    expect(tickers).toHaveLength(126 - notYetListed.length);
    for (const symbol of notYetListed) expect(tickers.some((t) => t.symbol === symbol)).toBe(false);
  });

  it('finds the window all chosen symbols cover, to pick a replay start', async () => {
    const coverage = await market.coverage(['BTC/USDT', 'ETH/USDT'], '1h');
    expect(coverage.commonStartMs).toBe(Date.UTC(2020, 11, 1));
    expect(coverage.commonEndMs).toBe(Date.UTC(2021, 6, 17, 21));
    const late = coverage.symbols.find((entry) => entry.symbol === 'BTC/USDT');
    const lastTs = (btc.at(-1) as Row)[0];
    expect(late).toMatchObject({ firstTs: Date.UTC(2020, 11, 1), lastTs, candles: btc.length, missing: (lastTs - Date.UTC(2020, 11, 1)) / HOUR_MS + 1 - btc.length });

    const all = await market.coverage(await market.listSymbols('USDT'), '1h');
    const latestStart = Math.max(...all.symbols.map((entry) => entry.firstTs ?? 0));
    expect(await market.firstCommonTs(await market.listSymbols('USDT'), '1h')).toBe(latestStart);
    expect(all.symbols.reduce((sum, entry) => sum + entry.missing, 0)).toBeGreaterThan(0); // the documented gaps
  });

  it('names the expected file for a timeframe that has none', async () => {
    const error = await caught(market.fetchOhlcv('BTC/USDT', '5m', { limit: 1, untilMs: Date.UTC(2021, 0) }));
    expect(error.code).toBe('InvalidConfig');
    expect(error.message).toContain('(expected BTC_USDT-5m.json, .json.gz or .feather); it has 1h');
    const unknown = await caught(market.fetchOhlcv('NOPE/USDT', '1h', { limit: 1, untilMs: Date.UTC(2021, 0) }));
    expect(unknown.code).toBe('BadSymbol');
    expect(unknown.message).toMatch(/^unknown symbol "NOPE\/USDT" on replay; ".*" has 126 symbols such as/);
  });
});

describe('ReplayMarket with malformed data', () => {
  let dir: string;
  const good: Row[] = [
    [1_600_000_000_000 - (1_600_000_000_000 % HOUR_MS), 10, 11, 9, 10.5, 100],
    [1_600_000_000_000 - (1_600_000_000_000 % HOUR_MS) + HOUR_MS, 10.5, 12, 10, 11, 120],
  ];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keel-replay-'));
    await writeFile(join(dir, 'GOOD_USDT-1h.json'), JSON.stringify(good));
    await writeFile(join(dir, 'BROKEN_USDT-1h.json'), '[[1600000000000, 1, 2, 0.5, 1.5, 10],');
    await writeFile(join(dir, 'NEG_USDT-1h.json'), JSON.stringify([good[0], [good[1]?.[0], 10.5, 12, -1, 11, 120]]));
    await writeFile(join(dir, 'NULL_USDT-1h.json'), JSON.stringify([good[0], good[1], [(good[1]?.[0] ?? 0) + HOUR_MS, null, 1, 1, 1, 1]]));
    await writeFile(join(dir, 'ORDER_USDT-1h.json'), JSON.stringify([good[1], good[0]]));
    await writeFile(join(dir, 'OBJECT_USDT-1h.json'), JSON.stringify({ data: good }));
    await writeFile(join(dir, 'README.md'), 'not a candle file');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the valid file and ignores files that are not candle files', async () => {
    const market = new ReplayMarket({ dir });
    expect(await market.listSymbols('USDT')).toEqual(['BROKEN/USDT', 'GOOD/USDT', 'NEG/USDT', 'NULL/USDT', 'OBJECT/USDT', 'ORDER/USDT']);
    expect(await market.fetchOhlcv('GOOD/USDT', '1h', { limit: 5, untilMs: good[1]![0] + HOUR_MS })).toEqual(good.map(toCandle));
  });

  it.each([
    ['BROKEN/USDT', /BROKEN_USDT-1h\.json: not valid JSON \(.+\); expected freqtrade candles \[\[ts_ms, open, high, low, close, volume\], \.\.\.\]/],
    ['NEG/USDT', /NEG_USDT-1h\.json: row 1 \[.*\]: low -1 is not a positive price; expected freqtrade candles/],
    ['NULL/USDT', /NULL_USDT-1h\.json: row 2 \[.*null.*\]: open is null, not a finite number/],
    ['ORDER/USDT', /ORDER_USDT-1h\.json: row 1 .*: ts_ms \d+ is not after the previous row's \d+ \(rows must be oldest first/],
    ['OBJECT/USDT', /OBJECT_USDT-1h\.json: top level is object, not an array/],
  ])('rejects %s with InvalidMarketData naming the file and row', async (symbol, message) => {
    const market = new ReplayMarket({ dir });
    const error = await caught(market.fetchOhlcv(symbol, '1h', { limit: 5, untilMs: Date.UTC(2030, 0) }));
    expect(error.code).toBe('InvalidMarketData');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(dir);
    expect(error.message).toMatch(message);
  });

  it('reads a fixed file again instead of caching the failure', async () => {
    await writeFile(join(dir, 'FIXME_USDT-1h.json'), '[oops');
    const market = new ReplayMarket({ dir });
    await caught(market.fetchOhlcv('FIXME/USDT', '1h', { limit: 5, untilMs: Date.UTC(2030, 0) }));
    await writeFile(join(dir, 'FIXME_USDT-1h.json'), JSON.stringify(good));
    expect(await market.fetchOhlcv('FIXME/USDT', '1h', { limit: 5, untilMs: Date.UTC(2030, 0) })).toHaveLength(2);
  });

  it('names the path and the expected file pattern when the directory is missing or empty', async () => {
    const missing = join(dir, 'no-such-dir');
    const error = await caught(() => new ReplayMarket({ dir: missing }));
    expect(error.code).toBe('InvalidConfig');
    expect(error.message).toContain(`replay: candle directory "${missing}"`);
    expect(error.message).toContain('<BASE>_<QUOTE>-<timeframe>.<json|json.gz|feather> (e.g. BTC_USDT-1h.feather)');

    const empty = await mkdtemp(join(tmpdir(), 'keel-replay-empty-'));
    try {
      const emptyError = await caught(() => new ReplayMarket({ dir: empty }));
      expect(emptyError.message).toContain('holds no files named <BASE>_<QUOTE>-<timeframe>.<json|json.gz|feather>');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
