import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBacktestCli } from '../../../src/cli/backtest.js';
import { SYNTHETIC_HOUR_MS, SYNTHETIC_PAIRS, SYNTHETIC_START_MS, syntheticCandles, writeSyntheticCandleDir } from '../../helpers/synthetic-candles.js';

const settings = { KEEL_REPLAY_DIR: undefined, KEEL_TIMEFRAME: '1h', KEEL_QUOTE: 'USDT', KEEL_PAPER_CASH: '100000', KEEL_PAPER_FEE_RATE: 0.001, KEEL_PAPER_SLIPPAGE_BPS: 5, KEEL_COINS: 250 };

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const status: string[] = [];
  const code = await runBacktestCli(args, settings, { out: (t) => out.push(t), err: (t) => err.push(t), status: (t) => status.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n'), status };
}

describe('keel backtest', () => {
  let dir: string;
  beforeAll(() => {
    dir = writeSyntheticCandleDir('keel-backtest-', 400);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--json prints metrics, orders and the equity curve, the same fingerprint on every rerun', async () => {
    const first = await run(['--replay-dir', dir, '--json', '--config', 'risk.maxPositionFraction=0.3']);
    expect(first.code).toBe(0);
    const report = JSON.parse(first.out) as { metrics: Record<string, unknown>; orders: Array<Record<string, unknown>>; equity: Array<[number, number]> };
    expect(Object.keys(report)).toEqual(['metrics', 'orders', 'equity']);
    expect(report.orders.length).toBeGreaterThan(4);
    expect(Object.keys(report.orders[0]!)).toEqual(['tickTs', 'symbol', 'side', 'amount', 'price', 'fee', 'reason']);
    // The default window: from the warm-up's end (100 candles) to the last candle close.
    expect(report.equity[0]![0]).toBe(SYNTHETIC_START_MS + 100 * SYNTHETIC_HOUR_MS);
    expect(report.equity).toHaveLength(301); // closes at hours 100..400
    expect(report.metrics.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    const again = await run(['--replay-dir', dir, '--json', '--config', 'risk.maxPositionFraction=0.3']);
    expect((JSON.parse(again.out) as typeof report).metrics.fingerprint).toBe(report.metrics.fingerprint);
    // A different setting, different orders.
    const other = await run(['--replay-dir', dir, '--json', '--config', 'risk.maxPositionFraction=0.1']);
    expect((JSON.parse(other.out) as typeof report).metrics.fingerprint).not.toBe(report.metrics.fingerprint);
    // Progress went to the status line, ending at the last tick.
    expect(first.status.filter((l) => l.startsWith('replaying')).at(-1)).toContain('301/301 ticks');
  });

  it('narrows the ticks with --from and --ticks and prints a table by default', async () => {
    const result = await run(['--replay-dir', dir, '--from', '2021-01-06', '--ticks', '50', '--pairs', 'AAA/USDT,BBB/USDT']);
    expect(result.code).toBe(0);
    expect(result.out).toContain('Backtest 2021-01-06 00:00 → 2021-01-08 01:00 UTC, 1h candles, 50 ticks, 2 pairs');
    expect(result.out).toMatch(/starting cash\s+100000\.00 USDT/);
    expect(result.out).toMatch(/fingerprint\s+[0-9a-f]{64}/);
  });

  it('refuses bad flags and settings with exit 2, naming what is wrong', async () => {
    expect((await run([])).err).toContain('--replay-dir is required');
    const badSetting = await run(['--replay-dir', dir, '--config', 'risk.maxPositionFraction=7']);
    expect(badSetting.code).toBe(2);
    expect(badSetting.err).toContain('maxPositionFraction');
    expect((await run(['--replay-dir', dir, '--timeframe', '7x'])).err).toContain('--timeframe "7x"');
    expect((await run(['--replay-dir', dir, '--from', 'yesterday'])).err).toContain('--from "yesterday" is not a date');
    expect((await run(['--replay-dir', dir, '--bogus'])).code).toBe(2);
    expect((await run(['--replay-dir', dir, '--ticks', '0'])).err).toContain('--ticks "0"');
  });

  it('refuses unknown pairs, a window without ticks and malformed files with exit 1, naming the pair, dates or file and row', async () => {
    const unknown = await run(['--replay-dir', dir, '--pairs', 'ZZZ/USDT']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('ZZZ/USDT not in');
    const late = await run(['--replay-dir', dir, '--from', '2022-01-01']);
    expect(late.code).toBe(1);
    expect(late.err).toContain('choose --from/--to inside it');

    const broken = mkdtempSync(path.join(os.tmpdir(), 'keel-backtest-broken-'));
    try {
      const rows = syntheticCandles(1, 200, 10);
      rows[57]![4] = Number.NaN; // JSON writes null
      writeFileSync(path.join(broken, 'AAA_USDT-1h.json'), JSON.stringify(rows));
      const result = await run(['--replay-dir', broken]);
      expect(result.code).toBe(1);
      expect(result.err).toContain('AAA_USDT-1h.json: row 57');
      expect(result.err).toContain('close is null');
      expect(result.out).toBe('');
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });
});

describe('keel backtest fees', () => {
  let dir: string;
  beforeAll(() => {
    dir = writeSyntheticCandleDir('keel-backtest-fees-', 300, SYNTHETIC_PAIRS.slice(0, 1));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const firstFee = async (args: string[]) => {
    const result = await run(['--replay-dir', dir, '--json', '--config', 'risk.maxPositionFraction=0.5', ...args]);
    expect(result.code).toBe(0);
    const order = (JSON.parse(result.out) as { orders: Array<{ amount: string; price: string; fee: string }> }).orders[0]!;
    return Number(order.fee) / (Number(order.amount) * Number(order.price));
  };

  it("charges a venue's taker fee from the capability map with --venue, and --fee-rate over it", async () => {
    expect(await firstFee([])).toBeCloseTo(0.001, 12);
    expect(await firstFee(['--venue', 'kraken'])).toBeCloseTo(0.004, 12);
    expect(await firstFee(['--venue', 'coinbase'])).toBeCloseTo(0.012, 12);
    expect(await firstFee(['--venue', 'kraken', '--fee-rate', '0.002'])).toBeCloseTo(0.002, 12);
    const unknown = await run(['--replay-dir', dir, '--venue', 'mtgox']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('--venue "mtgox"');
  });
});

describe('keel backtest data warnings', () => {
  it('warns of a price step no market trades through (a redenomination), naming the pair and the candles, and still reports', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-backtest-jump-'));
    try {
      const rows = syntheticCandles(1, 300, 10);
      for (const row of rows.slice(200)) for (let c = 1; c <= 4; c++) row[c] = row[c]! * 1000; // 1 old = 1000 new from candle 200
      writeFileSync(path.join(dir, 'AAA_USDT-1h.json'), JSON.stringify(rows));
      writeFileSync(path.join(dir, 'BBB_USDT-1h.json'), JSON.stringify(syntheticCandles(2, 300, 250)));
      const result = await run(['--replay-dir', dir]);
      expect(result.code).toBe(0);
      const warnings = result.err.split('\n').filter((line) => line.startsWith('warning:'));
      expect(warnings).toHaveLength(1);
      const at = (i: number) => new Date(SYNTHETIC_START_MS + i * SYNTHETIC_HOUR_MS).toISOString().slice(0, 16).replace('T', ' ');
      expect(warnings[0]).toContain(`AAA/USDT: close ${rows[199]![4]} at ${at(199)} then ${rows[200]![4]} at ${at(200)} UTC`);
      expect(warnings[0]).toMatch(/a \d{3,4}x rise no market trades through/);
      expect(result.out).toContain('Backtest ');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
