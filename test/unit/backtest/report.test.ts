import { describe, expect, it } from 'vitest';
import { fingerprintOrders, formatReport, reportJson } from '../../../src/backtest/report.js';
import { computeMetrics } from '../../../src/domain/backtest-metrics.js';
import type { BacktestOrder, BacktestRunFacts } from '../../../src/domain/backtest-types.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 30);

const orders: BacktestOrder[] = [
  { tickTs: T0, symbol: 'BTC/USDT', side: 'buy', amount: '0.01', price: '42000.5', fee: '0.420005', reason: 'score 0.31 ≥ 0.05 (rsi 28.1)', feeRole: 'taker' },
  { tickTs: T0 + 2 * DAY, symbol: 'BTC/USDT', side: 'sell', amount: '0.01', price: '43000', fee: '0.215', reason: 'stop-loss: price 43000 ≤ 43100', feeRole: 'maker' },
];

function runFacts(quote: string, startingCash: number, extraOrders: BacktestOrder[] = []): BacktestRunFacts {
  return {
    quote,
    timeframe: '1d',
    startingCash,
    fromMs: T0,
    toMs: T0 + 2 * DAY,
    pairs: ['BTC/USDT', 'ETH/USDT'],
    takerFeeRate: 0.001,
    curve: [
      { ts: T0, equity: startingCash, invested: startingCash * 0.4 },
      { ts: T0 + DAY, equity: startingCash * 0.95, invested: startingCash * 0.35 },
      { ts: T0 + 2 * DAY, equity: startingCash * 1.1, invested: 0 },
    ],
    buyAndHold: [[T0, startingCash], [T0 + DAY, startingCash], [T0 + 2 * DAY, startingCash * 1.05]],
    orders: [...orders, ...extraOrders],
  };
}

describe('fingerprintOrders', () => {
  it('is the same on every run for the same orders, and pinned so a format change cannot slip through', () => {
    const copy = structuredClone(orders);
    expect(fingerprintOrders(copy)).toBe(fingerprintOrders(orders));
    expect(fingerprintOrders(orders)).toBe('781bbd2333d303ec1620608ad3d5b9c8ff96815b68b8e886ad0c4ffe2da9f554');
  });

  it('changes with any field of any order, and with their order', () => {
    const base = fingerprintOrders(orders);
    const changes: Array<Partial<BacktestOrder>> = [
      { tickTs: T0 + 1 }, { symbol: 'ETH/USDT' }, { side: 'sell' }, { amount: '0.010' }, { price: '42000.6' }, { fee: '0.42' }, { reason: 'score 0.32 ≥ 0.05 (rsi 28.1)' },
    ];
    for (const change of changes) expect(fingerprintOrders([{ ...orders[0]!, ...change }, orders[1]!]), JSON.stringify(change)).not.toBe(base);
    expect(fingerprintOrders([orders[1]!, orders[0]!])).not.toBe(base);
  });
});

describe('reportJson', () => {
  it('is exactly { metrics with the fingerprint, orders without feeRole, equity as [ts, equity] }', () => {
    const facts = runFacts('USDT', 1000);
    const metrics = computeMetrics(facts);
    const json = reportJson(metrics, facts, fingerprintOrders(facts.orders));
    expect(Object.keys(json)).toEqual(['metrics', 'orders', 'equity']);
    expect(json.metrics).toEqual({ ...metrics, fingerprint: fingerprintOrders(facts.orders) });
    expect(json.orders).toEqual(orders.map(({ feeRole: _feeRole, ...rest }) => rest));
    expect(json.orders.every((o) => Object.keys(o).join() === 'tickTs,symbol,side,amount,price,fee,reason')).toBe(true);
    expect(json.equity).toEqual([[T0, 1000], [T0 + DAY, 950], [T0 + 2 * DAY, 1100]]);
    // Survives JSON unchanged: no undefined, NaN or Infinity anywhere.
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});

describe('formatReport', () => {
  it('prints USDT money with 2 decimals, percentages with 2, and the month table', () => {
    const facts = runFacts('USDT', 1000);
    const text = formatReport(computeMetrics(facts), facts);
    expect(text).toContain('final equity    1100.00 USDT');
    expect(text).toContain('total return    +10.00% (buy and hold +5.00%)');
    expect(text).toContain('max drawdown    5.00%, lasted 2d');
    // 420.005 + 430 = 850.005 notional at 0.1% = 0.850005; paid 0.635005.
    expect(text).toContain('fees paid       0.64 USDT (all as taker: 0.85 USDT; 1 of 2 orders filled as maker)');
    expect(text).toContain('exits           stop-loss 1');
    expect(text).toContain('best trade      BTC/USDT +9.36 USDT (+2.23%), 2024-01-30 00:00 → 2024-02-01 00:00');
    // Month returns against the month before's last equity: 950 / 1000, then 1100 / 950; the sell closed in February.
    expect(text).toContain(['  month     return  trades       fees', '  2024-01   -5.00%       0  0.42 USDT', '  2024-02  +15.79%       1  0.22 USDT'].join('\n'));
  });

  it('prints BTC money with 8 decimals', () => {
    const facts = runFacts('BTC', 1.5);
    const text = formatReport(computeMetrics(facts), facts);
    expect(text).toContain('starting cash   1.50000000 BTC');
    expect(text).toContain('final equity    1.65000000 BTC');
    expect(text).toContain('fees paid       0.63500500 BTC');
  });

  it('lists the ten pairs with the most trades', () => {
    // Twelve more pairs, the k-th traded k times (one buy, k small sells).
    const extra: BacktestOrder[] = [];
    for (let k = 1; k <= 12; k++) {
      const symbol = `C${String(k).padStart(2, '0')}/USDT`;
      extra.push({ ...orders[0]!, symbol, amount: String(k) });
      for (let i = 0; i < k; i++) extra.push({ ...orders[1]!, symbol, amount: '1' });
    }
    const facts = runFacts('USDT', 1000, extra);
    const text = formatReport(computeMetrics(facts), facts);
    const section = text.slice(text.indexOf('trades per pair'));
    expect(section.split('\n')[0]).toBe('trades per pair (top 10 of 13)');
    expect(section.split('\n').slice(1).map((l) => l.trim().split(/\s+/))).toEqual([
      ['C12/USDT', '12'], ['C11/USDT', '11'], ['C10/USDT', '10'], ['C09/USDT', '9'], ['C08/USDT', '8'],
      ['C07/USDT', '7'], ['C06/USDT', '6'], ['C05/USDT', '5'], ['C04/USDT', '4'], ['C03/USDT', '3'],
    ]);
  });
});
