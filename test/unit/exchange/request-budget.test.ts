import { describe, expect, it } from 'vitest';
import { KeelError } from '../../../src/domain/errors.js';
import { assertRequestBudget, planRequestBudget } from '../../../src/domain/request-budget.js';

describe('planRequestBudget', () => {
  it('refuses 250 coins of 1m candles over 1 request/s, with the figures and what would fit', () => {
    const plan = planRequestBudget({ exchange: 'kraken', requestsPerSecond: 1, coins: 250, timeframes: ['1m'] });
    expect(plan).toMatchObject({ callsPerPeriod: 251, periodMs: 60_000, availableRps: 1, fits: false, maxCoins: 59, fittingTimeframe: '5m' });
    expect(plan.requiredRps).toBeCloseTo(251 / 60, 10);
    expect(plan.message).toBe("250 coins x 1m candles need 251 calls per 60 s (4.2/s) but kraken's public REST allows 1/s: choose fewer coins (at most 59) or a longer timeframe (5m fits)");
  });

  it('accepts 100 coins of 1h candles', () => {
    const plan = planRequestBudget({ exchange: 'kraken', requestsPerSecond: 1, coins: 100, timeframes: ['1h'] });
    expect(plan).toMatchObject({ callsPerPeriod: 101, periodMs: 3_600_000, fits: true, maxCoins: 3599, fittingTimeframe: '1h' });
    expect(plan.message).toBe("100 coins x 1h candles need 101 calls per 3600 s (0.028/s); kraken's public REST allows 1/s (3% used)");
  });

  it('counts every timeframe in the busiest period, plus tickers and other calls per tick', () => {
    const plan = planRequestBudget({ exchange: 'kraken', requestsPerSecond: 1, coins: 30, timeframes: ['1h', '1m'], tickersCallsPerTick: 2, extraCallsPerTick: 3 });
    // 30 x 2 timeframes + 2 + 3 = 65 calls per minute.
    expect(plan).toMatchObject({ callsPerPeriod: 65, periodMs: 60_000, fits: false, maxCoins: 27, fittingTimeframe: '5m' });
    expect(plan.message).toBe("30 coins x 1m+1h candles need 65 calls per 60 s (1.1/s) but kraken's public REST allows 1/s: choose fewer coins (at most 27) or a longer timeframe (5m fits)");
  });

  it('says so when no timeframe fits and not even one coin does', () => {
    const plan = planRequestBudget({ exchange: 'slowex', requestsPerSecond: 0.001, coins: 500, timeframes: ['1m'] });
    expect(plan.fits).toBe(false);
    expect(plan.maxCoins).toBe(0);
    expect(plan.fittingTimeframe).toBeNull();
    expect(plan.message).toContain('choose fewer coins (not even one fits these timeframes) or a longer timeframe (none up to 1d fits 500 coins)');
  });

  it('adds the warm-up cost when asked', () => {
    const plan = planRequestBudget({ exchange: 'kraken', requestsPerSecond: 1, coins: 50, timeframes: ['1h'], warmup: { candles: 1000, maxCandlesPerCall: 720 } });
    expect(plan.warmupCalls).toBe(100);
    expect(plan.warmupMs).toBe(100_000);
    expect(plan.message).toContain('; warm-up takes 100 calls (about 100 s)');
  });

  it('refuses nonsense inputs as InvalidConfig', () => {
    for (const input of [
      { requestsPerSecond: 0, coins: 1, timeframes: ['1m'] },
      { requestsPerSecond: 1, coins: -1, timeframes: ['1m'] },
      { requestsPerSecond: 1, coins: 1, timeframes: [] },
      { requestsPerSecond: 1, coins: 1, timeframes: ['2h'] },
      { requestsPerSecond: 1, coins: 1, timeframes: ['1m'], tickersCallsPerTick: -1 },
    ]) {
      expect(() => planRequestBudget({ exchange: 'kraken', ...input } as never)).toThrow(KeelError);
    }
  });

  it('assertRequestBudget throws the message as InvalidConfig', () => {
    expect(() => assertRequestBudget({ exchange: 'kraken', requestsPerSecond: 1, coins: 250, timeframes: ['1m'] })).toThrow(
      new KeelError('InvalidConfig', "250 coins x 1m candles need 251 calls per 60 s (4.2/s) but kraken's public REST allows 1/s: choose fewer coins (at most 59) or a longer timeframe (5m fits)"),
    );
    expect(assertRequestBudget({ exchange: 'kraken', requestsPerSecond: 1, coins: 100, timeframes: ['1h'] }).fits).toBe(true);
  });
});
