import { finishBacktestRun, startBacktestRun } from '../../src/db/queries/backtest-runs.js';
import type { Database } from '../../src/db/client.js';
import { computeMetrics } from '../../src/domain/backtest-metrics.js';
import type { BacktestOrder, EquityPoint } from '../../src/domain/backtest-types.js';
import { fingerprintOrders } from '../../src/backtest/report.js';

const HOUR_MS = 3_600_000;
const START_MS = Date.UTC(2024, 2, 1);

/**
 * Stores a finished backtest run through the real queries, with metrics computed from its facts as a worker would:
 * 72 hourly ticks of a rising, dipping equity curve, one buy and two partial sells of BTC/USDT.
 */
export async function seedFinishedRun(db: Database, run: { id: string; sweepId?: string; label: string }): Promise<void> {
  const startingCash = 100_000;
  const curve: EquityPoint[] = Array.from({ length: 72 }, (_, i) => {
    const ts = START_MS + i * HOUR_MS;
    const equity = startingCash * (1 + 0.001 * i - (i >= 30 && i < 40 ? 0.02 : 0));
    return { ts, equity, invested: i >= 2 ? equity / 2 : 0 };
  });
  const orders: BacktestOrder[] = [
    { tickTs: START_MS + 2 * HOUR_MS, symbol: 'BTC/USDT', side: 'buy', amount: '1.00000000', price: '50000', fee: '50', reason: 'score 0.31 ≥ 0.05', feeRole: 'taker' },
    { tickTs: START_MS + 20 * HOUR_MS, symbol: 'BTC/USDT', side: 'sell', amount: '0.50000000', price: '52000', fee: '26', reason: 'score -0.2', feeRole: 'taker' },
    { tickTs: START_MS + 50 * HOUR_MS, symbol: 'BTC/USDT', side: 'sell', amount: '0.50000000', price: '49000', fee: '24.5', reason: 'stop-loss: -2%', feeRole: 'maker' },
  ];
  const buyAndHold: Array<[number, number]> = curve.map((p, i) => [p.ts, startingCash * (1 + 0.0005 * i)]);
  const metrics = computeMetrics({
    quote: 'USDT',
    timeframe: '1h',
    startingCash,
    fromMs: curve[0]!.ts,
    toMs: curve.at(-1)!.ts,
    pairs: ['BTC/USDT', 'ETH/USDT'],
    takerFeeRate: 0.001,
    curve,
    buyAndHold,
    orders,
  });
  await startBacktestRun(db, { id: run.id, ...(run.sweepId !== undefined && { sweepId: run.sweepId }), request: { timeframe: '1h', quote: 'USDT' }, label: run.label });
  await finishBacktestRun(db, run.id, { fingerprint: fingerprintOrders(orders), metrics, equity: curve.map((p) => [p.ts, p.equity]), buyAndHold, orders });
}
