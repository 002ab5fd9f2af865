import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoinEvaluator } from '../../../src/backtest/engine.js';
import { checkLookahead, dataClosedBy, sampleCutTicks } from '../../../src/backtest/lookahead.js';
import type { BacktestData } from '../../../src/backtest/market-data.js';
import { backtestFolder } from '../../../src/backtest/run.js';
import type { BacktestRequest } from '../../../src/backtest/run.js';
import { runBacktestCli } from '../../../src/cli/backtest.js';
import { parseBacktestCommand } from '../../../src/cli/backtest-args.js';
import { formatLookahead } from '../../../src/cli/backtest-lookahead.js';
import { backtestRequestOf } from '../../../src/cli/backtest-request.js';
import { actionFor } from '../../../src/domain/signal-components.js';
import { evaluateCloses } from '../../../src/domain/signal-kernel.js';
import { ReplaySeries } from '../../../src/exchange/replay-file.js';
import { SYNTHETIC_HOUR_MS as HOUR_MS, SYNTHETIC_START_MS as START_MS, writeSyntheticCandleDir } from '../../helpers/synthetic-candles.js';
import { BUSY_SIGNAL_ARGS } from '../../helpers/busy-signal.js';

const settings = { KEEL_REPLAY_DIR: undefined, KEEL_TIMEFRAME: '1h', KEEL_QUOTE: 'USDT', KEEL_PAPER_CASH: '100000', KEEL_PAPER_FEE_RATE: 0.001, KEEL_PAPER_SLIPPAGE_BPS: 5, KEEL_COINS: 250 };

/** The classic look-ahead bug: the score peeks at the close after the window (the candle not yet closed). */
const peekingEvaluate: CoinEvaluator = (symbol, candleTs, series, start, end, config, scratch) => {
  const evaluation = evaluateCloses(symbol, candleTs, series, start, end, config, scratch);
  const next = series.closes[end];
  if (next === undefined) return evaluation;
  const score = evaluation.score + 5 * (next / evaluation.price - 1);
  return { ...evaluation, score, action: actionFor(score, config) };
};

describe('look-ahead check', () => {
  let dir: string;
  let request: BacktestRequest;
  beforeAll(() => {
    dir = writeSyntheticCandleDir('keel-lookahead-', 180);
    // Ticks at hours 100..179; the data runs one candle further, so the last tick's next close exists.
    const command = parseBacktestCommand(['--replay-dir', dir, '--config', 'risk.maxPositionFraction=0.3', ...BUSY_SIGNAL_ARGS, '--ticks', '80'], settings);
    request = backtestRequestOf(command);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the signal kernel passes: every past order is re-made identically on data cut at 12 sampled ticks', async () => {
    const report = await checkLookahead(request, { samples: 12, seed: 7 });
    expect(report.differences).toEqual([]);
    expect(report.cutTs).toHaveLength(12);
    expect(report.comparedOrders).toBeGreaterThan(0);
    // The cuts are the seed's: the same seed picks the same ticks, spread one per stretch of the run.
    expect(report.cutTs.map((ts) => (ts - START_MS) / HOUR_MS - 100)).toEqual(sampleCutTicks(80, 12, 7));
    expect(sampleCutTicks(80, 12, 8)).not.toEqual(sampleCutTicks(80, 12, 7));
  });

  it('catches a planted look-ahead (the score peeks at the next close), naming the tick and symbol', async () => {
    const report = await checkLookahead({ ...request, evaluate: peekingEvaluate }, { samples: 12, seed: 7 });
    expect(report.differences.length).toBeGreaterThan(0);
    const first = report.differences[0]!;
    expect(first.symbol).toMatch(/^(AAA|BBB|CCC)\/USDT$/);
    expect(report.cutTs).toContain(first.cutTs);
    expect(first.what).not.toBe('');
    expect(first.full).not.toEqual(first.cut);
    // What the CLI prints for it: the count, then each difference with its cut, tick and symbol.
    const text = formatLookahead(report);
    expect(text).toMatch(/^look-ahead: \d+ orders differ/);
    expect(text).toContain(`${first.symbol}: ${first.what}`);
  });

  it('keel backtest --check-lookahead prints the verdict, --json the report, and refuses --samples alone or below 1', async () => {
    const run = async (args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runBacktestCli(['--replay-dir', dir, '--ticks', '40', '--no-progress', ...args], settings, { out: (t) => out.push(t), err: (t) => err.push(t) });
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    const plain = await run(['--check-lookahead', '--samples', '3']);
    expect(plain.code).toBe(0);
    expect(plain.out).toMatch(/^no look-ahead: [1-9]\d* past decisions re-made on data cut at 3 points, all identical$/);
    const json = await run(['--check-lookahead', '--samples', '3', '--json']);
    expect(Object.keys(JSON.parse(json.out) as object)).toEqual(['cutTs', 'comparedOrders', 'differences']);
    expect((await run(['--samples', '3'])).err).toContain('--samples goes with --check-lookahead');
    const zero = await run(['--check-lookahead', '--samples', '0']);
    expect(zero.code).toBe(2);
    expect(zero.err).toContain('--samples "0"');
  });

  it('cuts exactly at the tick: a decision at c is re-made unchanged on data cut at c; a peek past c differs at c first', async () => {
    // Cut at each tick that placed an order: its decision read the candle closing at c, which must stay.
    const orderTicks = [...new Set((await backtestFolder(request)).run.orders.map((o) => o.tickTs))];
    expect(orderTicks.length).toBeGreaterThan(2);
    const atOrders = await checkLookahead(request, { cutTs: orderTicks });
    expect(atOrders.differences).toEqual([]);
    expect(atOrders.cutTs).toEqual(orderTicks);

    // The peeking copy reads the candle opening at c at tick c, and earlier ticks' peeks read candles still there:
    // cut at every tick, each cut's first difference is at the cut tick itself (none if the candle opening at c stayed).
    const everyTick = Array.from({ length: 80 }, (_, k) => START_MS + (100 + k) * HOUR_MS);
    const peeking = await checkLookahead({ ...request, evaluate: peekingEvaluate }, { cutTs: everyTick });
    expect(peeking.differences.length).toBeGreaterThan(0);
    for (const cutTs of new Set(peeking.differences.map((d) => d.cutTs))) {
      expect(peeking.differences.find((d) => d.cutTs === cutTs)!.tickTs).toBe(cutTs);
    }
  });

  it('dataClosedBy keeps candles closed by the cut at both timeframes, as views of the same arrays', () => {
    const series = (tfMs: number, count: number) => {
      const ts = Float64Array.from({ length: count }, (_, i) => START_MS + i * tfMs);
      const close = Float64Array.from({ length: count }, (_, i) => 100 + i);
      return new ReplaySeries(ts, close, close, close, close, close);
    };
    const hourly = series(HOUR_MS, 48);
    const fourHourly = series(4 * HOUR_MS, 12);
    const data: BacktestData = {
      dir: 'mem',
      timeframe: '1h',
      tickerTimeframe: '4h',
      pairs: [{ symbol: 'AAA/USDT', candles: hourly, logReturns: new Float64Array(48), tickerCandles: fourHourly, rules: undefined }],
      candles: 48,
    };
    const cutTs = START_MS + 22 * HOUR_MS;
    const cut = dataClosedBy(data, cutTs).pairs[0]!;
    // 1h: the candle opening at 21:00 closed at the cut and stays; the one opening at 22:00 is gone.
    expect(cut.candles!.length).toBe(22);
    expect(cut.candles!.ts.at(-1)).toBe(cutTs - HOUR_MS);
    expect(cut.logReturns.length).toBe(22);
    expect(cut.candles!.close.buffer).toBe(hourly.close.buffer);
    // 4h: the candle opening at 20:00 closes at 24:00, after the cut; the last kept one opened at 16:00.
    expect(cut.tickerCandles.ts.at(-1)).toBe(START_MS + 16 * HOUR_MS);
    expect(dataClosedBy(data, cutTs).candles).toBe(22);
  });
});
