import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_REGIME_GATE_CONFIG,
  INITIAL_MARKET_REGIME,
  REGIMES,
  buyGate,
  leaderOf,
  nextMarketRegime,
  regimeStopFactor,
  validateRegimeGateConfig,
  type MarketRegimeState,
  type RegimeGateConfig,
} from '../../../src/domain/regime-gate.js';
import type { Regime } from '../../../src/domain/signal-types.js';

const ON: RegimeGateConfig = { ...DEFAULT_REGIME_GATE_CONFIG, enabled: true };

function observe(observations: Array<Regime | null>, confirmCandles: number, from: MarketRegimeState = INITIAL_MARKET_REGIME): Array<Regime | null> {
  const regimes: Array<Regime | null> = [];
  let state = from;
  for (const observed of observations) {
    state = nextMarketRegime(state, observed, confirmCandles);
    regimes.push(state.regime);
  }
  return regimes;
}

describe('nextMarketRegime', () => {
  it('takes the first observation at once', () => {
    expect(nextMarketRegime(INITIAL_MARKET_REGIME, 'volatile', 3)).toEqual({ regime: 'volatile', candidate: null, streak: 0 });
  });

  it('switches only after confirmCandles observations of the new regime in a row', () => {
    expect(observe(['ranging', 'volatile', 'volatile', 'volatile'], 3)).toEqual(['ranging', 'ranging', 'ranging', 'volatile']);
    expect(observe(['ranging', 'volatile'], 1)).toEqual(['ranging', 'volatile']);
  });

  it('a different observation restarts the count, the confirmed regime included', () => {
    expect(observe(['ranging', 'volatile', 'volatile', 'trending_down', 'volatile', 'volatile', 'volatile'], 3)).toEqual([
      'ranging', 'ranging', 'ranging', 'ranging', 'ranging', 'ranging', 'volatile',
    ]);
    expect(observe(['ranging', 'volatile', 'volatile', 'ranging', 'volatile', 'volatile'], 3)).toEqual(['ranging', 'ranging', 'ranging', 'ranging', 'ranging', 'ranging']);
  });

  it('a tick without an observation keeps the state and the streak', () => {
    const state: MarketRegimeState = { regime: 'ranging', candidate: 'volatile', streak: 2 };
    expect(nextMarketRegime(state, null, 3)).toEqual(state);
    expect(observe([null, 'volatile'], 3, state)).toEqual(['ranging', 'volatile']);
    expect(nextMarketRegime(INITIAL_MARKET_REGIME, null, 3)).toEqual(INITIAL_MARKET_REGIME);
  });

  it('returns new state without changing its input', () => {
    const state = Object.freeze({ regime: 'ranging', candidate: 'volatile', streak: 1 }) as MarketRegimeState;
    expect(nextMarketRegime(state, 'volatile', 3)).toEqual({ regime: 'ranging', candidate: 'volatile', streak: 2 });
    expect(nextMarketRegime(state, 'ranging', 3)).toEqual({ regime: 'ranging', candidate: null, streak: 0 });
    expect(state).toEqual({ regime: 'ranging', candidate: 'volatile', streak: 1 });
  });

  it('changes regime exactly when the last confirmCandles observations all name the new one', () => {
    const anyObservation = fc.oneof(fc.constantFrom(...REGIMES), fc.constant(null));
    fc.assert(
      fc.property(fc.array(anyObservation, { maxLength: 60 }), fc.integer({ min: 1, max: 5 }), (observations, confirm) => {
        let state = INITIAL_MARKET_REGIME;
        const seen: Regime[] = [];
        for (const observed of observations) {
          const next = nextMarketRegime(state, observed, confirm);
          if (observed !== null) seen.push(observed);
          const lastFew = seen.slice(-confirm);
          const unanimous = lastFew.length === confirm && lastFew.every((r) => r === lastFew[0]);
          if (state.regime !== null && next.regime !== state.regime) {
            expect(unanimous && lastFew[0] === next.regime).toBe(true);
          }
          if (unanimous) expect(next.regime).toBe(lastFew[0]);
          expect(JSON.parse(JSON.stringify(next))).toEqual(next);
          state = next;
        }
      }),
    );
  });
});

describe('leaderOf', () => {
  it('the configured symbol, else BTC, else ETH in the quote, else none', () => {
    expect(leaderOf(['BTC/USDT', 'SOL/USDT'], 'USDT', 'SOL/USDT')).toBe('SOL/USDT');
    expect(leaderOf(['ADA/USDT'], 'USDT', 'SOL/USDT')).toBe('SOL/USDT');
    expect(leaderOf(['ETH/USDT', 'BTC/USDT'], 'USDT', null)).toBe('BTC/USDT');
    expect(leaderOf(['BTC/EUR', 'ETH/USDT'], 'USDT', null)).toBe('ETH/USDT');
    expect(leaderOf(new Set(['ETH/USDT', 'BTC/USDT']), 'USDT', null)).toBe('BTC/USDT');
    expect(leaderOf(['ADA/USDT'], 'USDT', null)).toBeNull();
  });
});

describe('buyGate', () => {
  it('always allows when disabled', () => {
    expect(buyGate('volatile', 'trending_down', DEFAULT_REGIME_GATE_CONFIG)).toEqual({ sizeFactor: 1, reason: null });
  });

  it('blocks, halves or allows by the market regime', () => {
    expect(buyGate('volatile', 'ranging', ON)).toEqual({ sizeFactor: 0, reason: 'market regime volatile: buys blocked' });
    expect(buyGate('trending_down', 'ranging', ON)).toEqual({ sizeFactor: 0.5, reason: 'market regime trending_down: buy size halved' });
    expect(buyGate('trending_up', 'trending_up', ON)).toEqual({ sizeFactor: 1, reason: null });
  });

  it('applies the coin\'s own regime too, multiplicatively', () => {
    expect(buyGate('ranging', 'trending_down', ON)).toEqual({ sizeFactor: 0, reason: 'coin regime trending_down: buys blocked' });
    const halveBoth: RegimeGateConfig = { ...ON, coin: { ...ON.coin, volatile: 'halve' } };
    expect(buyGate('trending_down', 'volatile', halveBoth)).toEqual({
      sizeFactor: 0.25,
      reason: 'market regime trending_down: buy size halved; coin regime volatile: buy size halved',
    });
  });

  it('an unknown regime allows', () => {
    expect(buyGate(null, null, ON)).toEqual({ sizeFactor: 1, reason: null });
    expect(buyGate(null, 'trending_down', ON).sizeFactor).toBe(0);
  });
});

describe('regimeStopFactor', () => {
  it('widens stops in a volatile coin when enabled, 1 otherwise', () => {
    expect(regimeStopFactor('volatile', ON)).toBe(1.5);
    expect(regimeStopFactor('ranging', ON)).toBe(1);
    expect(regimeStopFactor(null, ON)).toBe(1);
    expect(regimeStopFactor('volatile', DEFAULT_REGIME_GATE_CONFIG)).toBe(1);
  });
});

describe('validateRegimeGateConfig', () => {
  it('accepts the defaults, on or off', () => {
    expect(validateRegimeGateConfig(DEFAULT_REGIME_GATE_CONFIG)).toEqual([]);
    expect(validateRegimeGateConfig({ ...ON, leader: 'SOL/USDT', confirmCandles: 1 })).toEqual([]);
  });

  it('names each bad key and value', () => {
    expect(validateRegimeGateConfig({ ...ON, enabled: 'yes', leader: 'btc', confirmCandles: 0 })).toEqual([
      'regimeGate.enabled must be true or false (got "yes")',
      'regimeGate.leader must be a symbol such as "BTC/USDT" or null for BTC, else ETH, in the quote (got "btc")',
      'regimeGate.confirmCandles must be an integer from 1 to 1000 (got 0)',
    ]);
    expect(validateRegimeGateConfig({ ...ON, market: { ...ON.market, volatile: 'sell', bull: 'allow' } })).toEqual([
      'regimeGate.market.bull is not a regime; regimes: trending_up, trending_down, ranging, volatile',
      'regimeGate.market.volatile must be one of "allow", "halve", "block" (got "sell")',
    ]);
    const { ranging: _ranging, ...coinWithoutRanging } = ON.coin;
    expect(validateRegimeGateConfig({ ...ON, coin: coinWithoutRanging })).toEqual(['regimeGate.coin.ranging must be one of "allow", "halve", "block" (got nothing)']);
    expect(validateRegimeGateConfig({ ...ON, stopFactor: { ...ON.stopFactor, volatile: 0 } })).toEqual(['regimeGate.stopFactor.volatile must be a number in (0, 10] (got 0)']);
    expect(validateRegimeGateConfig({ ...ON, stopFactor: 1.5 })).toEqual([
      'regimeGate.stopFactor must be an object with a value for each regime (trending_up, trending_down, ranging, volatile) (got 1.5)',
    ]);
    expect(validateRegimeGateConfig({ ...ON, hysteresis: 3 })).toEqual([
      'unknown setting regimeGate.hysteresis; regimeGate settings: enabled, leader, confirmCandles, market, coin, stopFactor',
    ]);
    expect(validateRegimeGateConfig(null)).toEqual(['regimeGate must be an object of settings (got null)']);
  });
});
