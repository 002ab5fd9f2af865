import { describe, expect, it } from 'vitest';
import { formatStatus } from '../../../src/cli/format-status.js';
import type { CycleStatus } from '../../../src/contracts/workflow-types.js';
import { defaultCycleConfig } from '../../../src/domain/cycle-config.js';

function status(overrides: Partial<CycleStatus>): CycleStatus {
  return {
    cycleId: 'cycle/sim/main',
    phase: 'waiting',
    paused: false,
    tickNo: 3,
    currentTickTs: null,
    nextTickTs: null,
    lastTick: { tickNo: 3, tickTs: 1_704_067_200_000, coins: 5, evaluated: 5, failed: 0, skipped: 0, buys: 1, sells: 0, ordersFilled: 1, equity: '99879.96348812003', cash: '21864.859688064007634096027701', durationMs: 812, completedAtMs: 1_704_067_201_000 },
    config: defaultCycleConfig({ quote: 'USDT' }),
    cash: '21864.859688064007634096027701',
    openPositions: 4,
    dust: [],
    openCircuits: [],
    inDoubt: [],
    reconcileReason: null,
    orderDoubts: [],
    ai: { enabled: false, pending: 0, verdicts: 0, suspendedUntilMs: null },
    ...overrides,
  };
}

describe('keel status output', () => {
  it('prints cash and equity at the quote precision: 2 decimals for USDT, not 28', () => {
    const text = formatStatus(status({}));
    expect(text).toContain('  cash         21864.86 USDT, 4 open positions, equity 99879.96 USDT');
    expect(text).not.toContain('21864.8596');
  });

  it('prints 8 decimals for a BTC-quoted cycle and a placeholder before the first reconciliation', () => {
    expect(formatStatus(status({ config: defaultCycleConfig({ quote: 'BTC' }), cash: '1.5' }))).toContain('cash         1.50000000 BTC');
    expect(formatStatus(status({ cash: null, lastTick: null }))).toContain('cash         n/a, 4 open positions\n');
  });

  it('names dust and orders of unknown fate', () => {
    const text = formatStatus(status({ dust: ['XRP/USDT'], orderDoubts: [{ symbol: 'SOL/USDT', clientOrderId: 'kl1', kind: 'fate_unknown', reason: 'RequestTimeout in tick 3' }] }));
    expect(text).toContain('  dust         XRP/USDT (below the market minimum: not sold, no slot taken)');
    expect(text).toContain('  unknown fate SOL/USDT kl1: RequestTimeout in tick 3');
  });

  it('shows the risk layer: protected positions, the market regime, a drawdown halt and each buy lock with its expiry', () => {
    const text = formatStatus(
      status({
        risk: {
          halt: 'drawdown 26% ≥ hard limit 25% over 168 candles',
          marketRegime: 'volatile',
          locks: [{ guard: 'stoploss_guard', symbol: null, reason: '4 stop exits in 24 candles', untilTick: 19 }],
          protectedPositions: 3,
          stops: 'checked_each_tick',
        },
      }),
    );
    expect(text).toContain('  risk         3 positions with exit levels (checked by keel at each candle close), market regime volatile');
    expect(text).toContain('  HALTED       drawdown 26% ≥ hard limit 25% over 168 candles (everything sold; resume to trade again)');
    expect(text).toContain('  lock         all coins until tick 19 (stoploss_guard): 4 stop exits in 24 candles');
    expect(formatStatus(status({}))).not.toContain('risk ');
  });
});
