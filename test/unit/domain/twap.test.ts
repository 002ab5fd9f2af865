import { describe, expect, it } from 'vitest';
import { DEFAULT_EXECUTION_CONFIG } from '../../../src/domain/execution-config.js';
import { dueTwapSlices, routeTwaps, twapAmounts, twapReservedCash, twapsAfterSlices, type TwapConfig } from '../../../src/domain/twap.js';
import { emptyPortfolio } from '../../../src/domain/portfolio-types.js';

/* TWAP execution's pure rules: which orders are sliced and how, when each slice goes out, and what ends a TWAP. */

const TWAP: TwapConfig = { minNotional: 1000, slices: 4, intervalTicks: 2 };
const buy = { symbol: 'AAA/USDT', side: 'buy' as const, type: 'market' as const, amount: '40', price: '100', reason: 'score 0.40 ≥ 0.05 (rsi 35.0)' };
const parentId = 'kl00parent0000000000';

describe('which orders go out as a TWAP, in what slices', () => {
  it('splits a signal order at or above minNotional into slices that add up to it, on the market step', () => {
    expect(twapAmounts(buy, TWAP, undefined)).toEqual(['10', '10', '10', '10']);
    expect(twapAmounts({ ...buy, amount: '10.03' }, TWAP, { amountStep: '0.01' })).toEqual(['2.50', '2.50', '2.50', '2.53']);
    // 9.99 x 100 is below 1000: sent whole.
    expect(twapAmounts({ ...buy, amount: '9.99' }, TWAP, undefined)).toBeNull();
  });

  it('never slices exits, nor with TWAP off; takes fewer slices when a slice would break the market rules, none when all would', () => {
    expect(twapAmounts({ ...buy, side: 'sell', reason: 'stop_loss: price 91 ≤ 92' }, TWAP, undefined)).toBeNull();
    expect(twapAmounts(buy, null, undefined)).toBeNull();
    // 40 / 4 = 10 is worth 1000 < minCost 1500; 40 / 2 = 20 is worth 2000.
    expect(twapAmounts(buy, TWAP, { minCost: '1500' })).toEqual(['20', '20']);
    expect(twapAmounts(buy, TWAP, { minAmount: '25' })).toBeNull();
  });

  it('routes a tick: the sliced intent is replaced by its first slice under a derived id, the others are left alone', () => {
    const small = { ...buy, symbol: 'BBB/USDT', amount: '1' };
    const execution = { ...DEFAULT_EXECUTION_CONFIG, twap: TWAP };
    const routed = routeTwaps({ intents: [small, buy], clientOrderIds: ['small', parentId], execution, rules: {}, tickNo: 7 });
    expect(routed.intents).toEqual([small, { ...buy, amount: '10' }]);
    expect(routed.clientOrderIds[0]).toBe('small');
    const firstSlice = routed.clientOrderIds[1]!;
    expect(firstSlice).toMatch(/^kl00[0-9a-f]{16}$/);
    expect(firstSlice).not.toBe(parentId);
    expect(routed.sliceParents).toEqual(new Map([[firstSlice, parentId]]));
    expect(routed.started).toEqual([{ parentId, symbol: 'AAA/USDT', side: 'buy', reason: buy.reason, amounts: ['10', '10', '10', '10'], next: 1, dueTickNo: 9, price: '100' }]);
    // Replayed, the same ids: a retried slice finds the order it placed.
    expect(routeTwaps({ intents: [small, buy], clientOrderIds: ['small', parentId], execution, rules: {}, tickNo: 7 }).clientOrderIds).toEqual(routed.clientOrderIds);
    // TWAP off: the tick's intents unchanged.
    expect(routeTwaps({ intents: [buy], clientOrderIds: [parentId], execution: DEFAULT_EXECUTION_CONFIG, rules: {}, tickNo: 7 })).toMatchObject({ intents: [buy], clientOrderIds: [parentId], started: [] });
  });
});

describe('slices at their ticks', () => {
  const started = routeTwaps({ intents: [buy], clientOrderIds: [parentId], execution: { ...DEFAULT_EXECUTION_CONFIG, twap: TWAP }, rules: {}, tickNo: 7 });
  const twap = started.started[0]!;
  const portfolio = emptyPortfolio('USDT', '10000');
  const due = (tickNo: number, twaps = [twap], prices: Record<string, number> = { 'AAA/USDT': 101 }, held = portfolio) => dueTwapSlices({ twaps, tickNo, intervalTicks: 2, prices, portfolio: held, rules: {} });

  it('sends the next slice at its tick as a market order at the tick price, each under its own derived id, and ends after the last', () => {
    expect(due(8)).toEqual({ slices: [], twaps: [twap] });
    const second = due(9);
    expect(second.slices).toEqual([{ parentId, clientOrderId: expect.stringMatching(/^kl00/), intent: { symbol: 'AAA/USDT', side: 'buy', type: 'market', amount: '10', price: '101', reason: buy.reason } }]);
    expect(second.twaps).toEqual([{ ...twap, next: 2, dueTickNo: 11 }]);
    const third = due(11, second.twaps);
    const last = due(13, third.twaps);
    expect(last.twaps).toEqual([]);
    const ids = [started.clientOrderIds[0], second.slices[0]!.clientOrderId, third.slices[0]!.clientOrderId, last.slices[0]!.clientOrderId];
    expect(new Set(ids).size).toBe(4);
  });

  it('waits a tick when the coin has no price; a sell slice never sells more than is held, and a sell with nothing left ends', () => {
    expect(due(9, [twap], {})).toEqual({ slices: [], twaps: [twap] });
    const sell = { ...twap, side: 'sell' as const };
    const held = { ...portfolio, positions: { 'AAA/USDT': { symbol: 'AAA/USDT', quantity: '4', averagePrice: '90', openedTick: 1 } } };
    expect(due(9, [sell], undefined, held).slices[0]!.intent.amount).toBe('4');
    expect(due(9, [sell], undefined, portfolio)).toEqual({ slices: [], twaps: [] });
  });

  it('a slice that did not fill ends its TWAP; the remaining buy slices hold cash back with the fee reserve', () => {
    const second = due(9);
    const id = second.slices[0]!.clientOrderId;
    const parents = new Map([[id, parentId]]);
    expect(twapsAfterSlices(second.twaps, parents, ['other', id], [false, true])).toEqual(second.twaps);
    expect(twapsAfterSlices(second.twaps, parents, ['other', id], [true, false])).toEqual([]);
    // Two slices of 10 left at the parent's 100, plus 0.2 %.
    expect(twapReservedCash(second.twaps, 0.002).toString()).toBe('2004');
    expect(twapReservedCash([{ ...second.twaps[0]!, side: 'sell' }], 0.002).toString()).toBe('0');
  });
});
