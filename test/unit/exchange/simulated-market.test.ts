import { describe, expect, it } from 'vitest';
import { KeelError } from '../../../src/domain/errors.js';
import type { Candle } from '../../../src/domain/market-types.js';
import { SimulatedMarket } from '../../../src/exchange/simulated-market.js';

const HOUR_MS = 3_600_000;
const ANCHOR_MS = Date.UTC(2024, 0, 1);
const START_MS = Date.UTC(2024, 0, 10);

function logReturns(candles: Candle[]): number[] {
  return candles.slice(1).map((candle, i) => Math.log(candle.close / (candles[i] as Candle).close));
}

function correlation(a: number[], b: number[]): number {
  const n = Math.min(a.length, b.length);
  const meanA = a.slice(0, n).reduce((sum, x) => sum + x, 0) / n;
  const meanB = b.slice(0, n).reduce((sum, x) => sum + x, 0) / n;
  let cov = 0;
  let varA = 0;
  let varB = 0;
  for (let i = 0; i < n; i++) {
    const da = (a[i] as number) - meanA;
    const db = (b[i] as number) - meanB;
    cov += da * db;
    varA += da * da;
    varB += db * db;
  }
  return cov / Math.sqrt(varA * varB);
}

async function caught(promise: Promise<unknown>): Promise<KeelError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KeelError);
  return error as KeelError;
}

describe('SimulatedMarket symbols', () => {
  it('lists BTC and ETH first, then unique 3-5 letter uppercase bases, the same prefix for any coin count', async () => {
    const small = await new SimulatedMarket({ seed: 1 }).listSymbols('USDT');
    const large = await new SimulatedMarket({ seed: 99, coins: 1000 }).listSymbols('USDT');
    expect(small).toHaveLength(250);
    expect(large).toHaveLength(1000);
    expect(small.slice(0, 2)).toEqual(['BTC/USDT', 'ETH/USDT']);
    expect(large.slice(0, 250)).toEqual(small);
    expect(new Set(large).size).toBe(1000);
    for (const symbol of large) expect(symbol).toMatch(/^[A-Z]{3,5}\/USDT$/);
    expect(await new SimulatedMarket({ seed: 1 }).listSymbols('EUR')).toEqual([]);
  });
});

describe('SimulatedMarket determinism', () => {
  it('returns identical candles for the same seed whatever the order of calls', async () => {
    const a = new SimulatedMarket({ seed: 7, coins: 20 });
    const b = new SimulatedMarket({ seed: 7, coins: 20 });
    const symbols = await a.listSymbols('USDT');
    const late = { sinceMs: START_MS + 200 * HOUR_MS, limit: 50, untilMs: START_MS + 400 * HOUR_MS };
    const early = { limit: 100, untilMs: START_MS };

    // a: late window first, coins in listed order, 1h before 5m; b: early first, coins reversed, 5m before 1h.
    const aLate = await a.fetchOhlcv(symbols[5] as string, '1h', late);
    const aEarly = await a.fetchOhlcv(symbols[5] as string, '1h', early);
    const aOthers = [];
    for (const symbol of symbols) aOthers.push(await a.fetchOhlcv(symbol, '1h', early));
    const a5m = await a.fetchOhlcv(symbols[5] as string, '5m', early);

    const b5m = await b.fetchOhlcv(symbols[5] as string, '5m', early);
    const bOthers = [];
    for (const symbol of [...symbols].reverse()) bOthers.unshift(await b.fetchOhlcv(symbol, '1h', early));
    const bEarly = await b.fetchOhlcv(symbols[5] as string, '1h', early);
    const bLate = await b.fetchOhlcv(symbols[5] as string, '1h', late);

    expect(aLate).toHaveLength(50);
    expect(bLate).toEqual(aLate);
    expect(bEarly).toEqual(aEarly);
    expect(bOthers).toEqual(aOthers);
    expect(b5m).toEqual(a5m);
    expect(await b.fetchTickers('USDT', undefined, START_MS)).toEqual(await a.fetchTickers('USDT', undefined, START_MS));
  });

  it('gives a different market for a different seed or anchor', async () => {
    const request = { limit: 50, untilMs: START_MS };
    const base = await new SimulatedMarket({ seed: 7 }).fetchOhlcv('ETH/USDT', '1h', request);
    const otherSeed = await new SimulatedMarket({ seed: 8 }).fetchOhlcv('ETH/USDT', '1h', request);
    const otherAnchor = await new SimulatedMarket({ seed: 7, anchorMs: ANCHOR_MS - 24 * HOUR_MS }).fetchOhlcv('ETH/USDT', '1h', request);
    expect(otherSeed.map((c) => c.close)).not.toEqual(base.map((c) => c.close));
    expect(otherAnchor.map((c) => c.close)).not.toEqual(base.map((c) => c.close));
  });
});

describe('SimulatedMarket price paths', () => {
  it('produces well-formed candles: contiguous, aligned, open = previous close, high/low around the body', async () => {
    const sim = new SimulatedMarket({ seed: 3, coins: 30, anchorMs: ANCHOR_MS + 123_456 });
    for (const symbol of await sim.listSymbols('USDT')) {
      const candles = await sim.fetchOhlcv(symbol, '1h', { limit: 300, untilMs: START_MS });
      expect(candles[0]?.ts).toBe(ANCHOR_MS + HOUR_MS); // first multiple of 1h at or after the anchor
      const problems = candles.flatMap((candle, i) => {
        const previous = candles[i - 1];
        const found: string[] = [];
        if (candle.ts % HOUR_MS !== 0) found.push('not aligned');
        if (previous !== undefined && candle.ts !== previous.ts + HOUR_MS) found.push('not contiguous');
        if (previous !== undefined && candle.open !== previous.close) found.push('open is not the previous close');
        if (candle.high < Math.max(candle.open, candle.close)) found.push('high below body');
        if (candle.low > Math.min(candle.open, candle.close) || candle.low <= 0) found.push('low above body or not positive');
        if (!(candle.volume > 0)) found.push('volume not positive');
        return found.map((problem) => `${symbol} #${i}: ${problem}`);
      });
      expect(problems).toEqual([]);
    }
  });

  it('correlates coins through the market factor: average pairwise return correlation is clearly positive', async () => {
    const sim = new SimulatedMarket({ seed: 11, coins: 30 });
    const series: number[][] = [];
    for (const symbol of await sim.listSymbols('USDT')) {
      series.push(logReturns(await sim.fetchOhlcv(symbol, '1h', { limit: 1000, untilMs: ANCHOR_MS + 1001 * HOUR_MS })));
    }
    const correlations: number[] = [];
    for (let i = 0; i < series.length; i++) {
      for (let j = i + 1; j < series.length; j++) correlations.push(correlation(series[i] as number[], series[j] as number[]));
    }
    const average = correlations.reduce((sum, x) => sum + x, 0) / correlations.length;
    expect(average).toBeGreaterThan(0.1);
    expect(correlations.filter((c) => c > 0).length / correlations.length).toBeGreaterThan(0.9);
  });

  it('clusters volatility: squared returns are positively autocorrelated', async () => {
    const sim = new SimulatedMarket({ seed: 5, coins: 20 });
    const autocorrelations: number[] = [];
    for (const symbol of await sim.listSymbols('USDT')) {
      const returns = logReturns(await sim.fetchOhlcv(symbol, '1h', { limit: 2000, untilMs: ANCHOR_MS + 2001 * HOUR_MS }));
      const squared = returns.map((r) => r * r);
      autocorrelations.push(correlation(squared.slice(1), squared.slice(0, -1)));
    }
    const average = autocorrelations.reduce((sum, x) => sum + x, 0) / autocorrelations.length;
    expect(average).toBeGreaterThan(0.05);
    expect(autocorrelations.filter((c) => c > 0).length).toBeGreaterThanOrEqual(16);
  });
});

describe('SimulatedMarket.fetchOhlcv windows', () => {
  const sim = new SimulatedMarket({ seed: 2, coins: 5 });

  it('returns only candles closed by untilMs, the newest `limit` without sinceMs', async () => {
    const onBoundary = await sim.fetchOhlcv('BTC/USDT', '1h', { limit: 3, untilMs: START_MS });
    expect(onBoundary.map((c) => c.ts)).toEqual([START_MS - 3 * HOUR_MS, START_MS - 2 * HOUR_MS, START_MS - HOUR_MS]);
    // One ms before the boundary the candle opened at START_MS - 1h is still open.
    const justBefore = await sim.fetchOhlcv('BTC/USDT', '1h', { limit: 3, untilMs: START_MS - 1 });
    expect(justBefore.map((c) => c.ts)).toEqual([START_MS - 4 * HOUR_MS, START_MS - 3 * HOUR_MS, START_MS - 2 * HOUR_MS]);
    expect(justBefore.slice(1)).toEqual(onBoundary.slice(0, 2));
  });

  it('starts at sinceMs (the next open time when it falls inside a candle), at most `limit` candles, oldest first', async () => {
    const since = await sim.fetchOhlcv('ETH/USDT', '1h', { sinceMs: START_MS - 10 * HOUR_MS + 1, limit: 4, untilMs: START_MS });
    expect(since.map((c) => c.ts)).toEqual([1, 2, 3, 4].map((k) => START_MS - 10 * HOUR_MS + k * HOUR_MS));
    const cutByUntil = await sim.fetchOhlcv('ETH/USDT', '1h', { sinceMs: START_MS - 2 * HOUR_MS, limit: 100, untilMs: START_MS });
    expect(cutByUntil.map((c) => c.ts)).toEqual([START_MS - 2 * HOUR_MS, START_MS - HOUR_MS]);
  });

  it('has no history before anchorMs and answers other timeframes from their own aligned paths', async () => {
    expect(await sim.fetchOhlcv('BTC/USDT', '1h', { limit: 10, untilMs: ANCHOR_MS })).toEqual([]);
    const all = await sim.fetchOhlcv('BTC/USDT', '1h', { sinceMs: 0, limit: 1000, untilMs: ANCHOR_MS + 5 * HOUR_MS });
    expect(all.map((c) => c.ts)).toEqual([0, 1, 2, 3, 4].map((k) => ANCHOR_MS + k * HOUR_MS));
    const daily = await sim.fetchOhlcv('BTC/USDT', '1d', { limit: 2, untilMs: START_MS });
    expect(daily.map((c) => c.ts)).toEqual([START_MS - 2 * 86_400_000, START_MS - 86_400_000]);
  });

  it('refuses an unknown symbol, naming how many symbols exist and some examples', async () => {
    const error = await caught(sim.fetchOhlcv('NOPE/USDT', '1h', { limit: 1, untilMs: START_MS }));
    expect(error.code).toBe('BadSymbol');
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/^unknown symbol "NOPE\/USDT" on sim; it lists 5 symbols such as BTC\/USDT, ETH\/USDT, [A-Z]+\/USDT, \.\.\.; call listSymbols\('USDT'\)/);
    expect((await caught(sim.fetchTickers('USDT', ['BTC/USDT', 'NOPE/USDT'], START_MS))).code).toBe('BadSymbol');
  });

  it('refuses malformed requests with BadRequest', async () => {
    const badTimeframe = await caught(sim.fetchOhlcv('BTC/USDT', '2h' as '1h', { limit: 1, untilMs: START_MS }));
    expect(badTimeframe.code).toBe('BadRequest');
    expect(badTimeframe.message).toContain('timeframe "2h" is not supported; use one of 1m, 5m, 15m, 30m, 1h, 4h, 1d');
    expect((await caught(sim.fetchOhlcv('BTC/USDT', '1h', { limit: 0, untilMs: START_MS }))).message).toContain('limit must be a positive integer');
  });
});

describe('SimulatedMarket.fetchTickers', () => {
  it('answers with the last closed ticker-timeframe candle and 24 h of quote volume, in one call', async () => {
    const sim = new SimulatedMarket({ seed: 4, coins: 40 });
    const asOfMs = START_MS + 30 * 60_000; // mid-candle: the candle opened at START_MS has not closed yet
    const tickers = await sim.fetchTickers('USDT', undefined, asOfMs);
    expect(tickers).toHaveLength(40);
    expect(sim.calls.tickers).toBe(1);
    expect(sim.calls.ohlcv).toBe(0);

    const eth = tickers.find((t) => t.symbol === 'ETH/USDT');
    const day = await sim.fetchOhlcv('ETH/USDT', '1h', { limit: 24, untilMs: asOfMs });
    expect(eth).toEqual({
      symbol: 'ETH/USDT',
      last: day.at(-1)?.close,
      quoteVolume: [...day].reverse().reduce((sum, c) => sum + c.volume * c.close, 0),
      ts: START_MS,
    });
    expect(sim.calls).toEqual({ tickers: 1, ohlcv: 1, ohlcvCandles: 24 });

    const two = await sim.fetchTickers('USDT', ['BTC/USDT', 'ETH/USDT'], asOfMs);
    expect(two.map((t) => t.symbol)).toEqual(['BTC/USDT', 'ETH/USDT']);
  });

  it('says how to fix an asOfMs before the simulated history begins', async () => {
    const error = await caught(new SimulatedMarket({ seed: 1 }).fetchTickers('USDT', undefined, ANCHOR_MS + 1000));
    expect(error.code).toBe('InvalidConfig');
    expect(error.message).toContain('Set the sim anchorMs before the cycle start minus its warm-up');
  });

  it('delays every call by latencyMs', async () => {
    const sim = new SimulatedMarket({ seed: 1, coins: 2, latencyMs: 30 });
    const started = performance.now();
    await sim.fetchTickers('USDT', undefined, START_MS);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });
});

describe('SimulatedMarket scale', () => {
  it('generates 1000 coins of warm-up plus ticks quickly', async () => {
    const sim = new SimulatedMarket({ seed: 42, coins: 1000, anchorMs: START_MS - 101 * HOUR_MS });
    const started = performance.now();
    const symbols = await sim.listSymbols('USDT');
    for (const symbol of symbols) await sim.fetchOhlcv(symbol, '1h', { limit: 100, untilMs: START_MS });
    const warmupMs = performance.now() - started;
    for (let tick = 1; tick <= 10; tick++) expect(await sim.fetchTickers('USDT', undefined, START_MS + tick * HOUR_MS)).toHaveLength(1000);
    const totalMs = performance.now() - started;
    console.log(`sim: 1000 coins x 100 warm-up candles in ${warmupMs.toFixed(0)} ms; with 10 ticks of tickers ${totalMs.toFixed(0)} ms`);
    expect(sim.calls.ohlcvCandles).toBe(100_000);
    expect(totalMs).toBeLessThan(5_000);
  });
});
