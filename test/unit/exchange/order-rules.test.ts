import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { functions } from 'ccxt';
import type { Market } from 'ccxt';
import { describe, expect, it } from 'vitest';
import { roundAmountDown } from '../../../src/domain/market-rules.js';
import { parseCcxtOrderRules } from '../../../src/exchange/ccxt-order-rules.js';
import { REFERENCE_MIN_COST, referenceOrderRules } from '../../../src/exchange/reference-order-rules.js';
import { ReplayMarket } from '../../../src/exchange/replay-market.js';
import { SimulatedMarket } from '../../../src/exchange/simulated-market.js';

/** The parts of a ccxt market that carry order rules; the rest does not matter to the parser. */
function market(precisionAmount: unknown, minAmount: unknown, minCost: unknown): Market {
  return { symbol: 'BTC/USDT', precision: { amount: precisionAmount, price: 0.01 }, limits: { amount: { min: minAmount, max: undefined }, cost: { min: minCost, max: undefined } } } as unknown as Market;
}

describe('parseCcxtOrderRules', () => {
  it('reads a TICK_SIZE step and the limits as decimal strings', () => {
    expect(parseCcxtOrderRules(market(0.00001, 0.00001, 5), functions.TICK_SIZE)).toEqual({ ok: true, rules: { amountStep: '0.00001', minAmount: '0.00001', minCost: '5' } });
    expect(parseCcxtOrderRules(market(1e-8, '0.0001', '10'), functions.TICK_SIZE)).toEqual({ ok: true, rules: { amountStep: '0.00000001', minAmount: '0.0001', minCost: '10' } });
  });

  it('turns DECIMAL_PLACES into a step (0 places: whole units); SIGNIFICANT_DIGITS has no step', () => {
    expect(parseCcxtOrderRules(market(3, undefined, undefined), functions.DECIMAL_PLACES)).toEqual({ ok: true, rules: { amountStep: '0.001' } });
    expect(parseCcxtOrderRules(market(0, undefined, undefined), functions.DECIMAL_PLACES)).toEqual({ ok: true, rules: { amountStep: '1' } });
    expect(parseCcxtOrderRules(market(5, 1, undefined), functions.SIGNIFICANT_DIGITS)).toEqual({ ok: true, rules: { minAmount: '1' } });
  });

  it('takes a missing, non-finite or zero value as no rule', () => {
    expect(parseCcxtOrderRules(market(undefined, null, Number.NaN), functions.TICK_SIZE)).toEqual({ ok: true, rules: {} });
    expect(parseCcxtOrderRules(market(Number.POSITIVE_INFINITY, 0, 0), functions.TICK_SIZE)).toEqual({ ok: true, rules: {} });
    expect(parseCcxtOrderRules({ symbol: 'X/Y' } as unknown as Market, functions.TICK_SIZE)).toEqual({ ok: true, rules: {} });
  });

  it('names the field of a malformed value', () => {
    expect(parseCcxtOrderRules(market(-0.001, 'lots', 5), functions.TICK_SIZE)).toEqual({
      ok: false,
      problem: 'precision.amount is -0.001; expected a number >= 0; limits.amount.min is "lots"; expected a number',
    });
    expect(parseCcxtOrderRules(market(2.5, undefined, undefined), functions.DECIMAL_PLACES)).toEqual({ ok: false, problem: 'precision.amount is 2.5; expected a whole number of decimal places' });
    expect(parseCcxtOrderRules(market(0.01, undefined, { min: 1 }), functions.TICK_SIZE)).toEqual({ ok: false, problem: 'limits.cost.min is {"min":1}; expected a number' });
  });
});

describe('referenceOrderRules (sim and replay)', () => {
  it('gives a power-of-ten step worth 1e-6..1e-5 quote, no finer than 1e-8, and a minimum cost', () => {
    expect(referenceOrderRules(40_000)).toEqual({ amountStep: '0.00000001', minAmount: '0.00000001', minCost: REFERENCE_MIN_COST });
    expect(referenceOrderRules(0.37)).toEqual({ amountStep: '0.00001', minAmount: '0.00001', minCost: '5' });
    expect(referenceOrderRules(0.0005)).toEqual({ amountStep: '0.01', minAmount: '0.01', minCost: '5' });
    expect(referenceOrderRules(Number.NaN)).toEqual({ minCost: '5' });
  });

  it('the simulated market gives every coin rules fixed across time, and refuses unknown symbols', async () => {
    const sim = new SimulatedMarket({ seed: 3, coins: 20 });
    const symbols = await sim.listSymbols('USDT');
    const rules = await sim.orderRules(symbols);
    expect(Object.keys(rules)).toEqual(symbols);
    expect(rules['BTC/USDT']).toEqual({ amountStep: '0.00000001', minAmount: '0.00000001', minCost: '5' });
    expect(await new SimulatedMarket({ seed: 3, coins: 20 }).orderRules(symbols)).toEqual(rules);
    // A buy of ~100 quote on the step keeps several significant digits for every coin.
    const asOfMs = Date.UTC(2024, 0, 3);
    for (const ticker of await sim.fetchTickers('USDT', symbols, asOfMs)) {
      const amount = roundAmountDown(100 / ticker.last, rules[ticker.symbol]);
      expect(amount.precision(true), ticker.symbol).toBeGreaterThanOrEqual(5);
    }
    await expect(sim.orderRules(['NOPE/USDT'])).rejects.toMatchObject({ code: 'BadSymbol' });
  });

  const replayDir = resolve('../shared/data/ohlcv/binance-spot-1h-2021');
  it.skipIf(!existsSync(replayDir))('the replay market derives them from the first recorded candle', async () => {
    const replay = new ReplayMarket({ dir: replayDir });
    const [firstBtc] = JSON.parse(readFileSync(join(replayDir, 'BTC_USDT-1h.json'), 'utf8')) as number[][];
    const rules = await replay.orderRules(['BTC/USDT', 'ETH/USDT']);
    expect(rules['BTC/USDT']).toEqual(referenceOrderRules(firstBtc?.[1] as number));
    expect(Object.keys(rules)).toEqual(['BTC/USDT', 'ETH/USDT']);
  });
});
