import { describe, expect, it } from 'vitest';
import { clientOrderIdFor } from '../../../src/domain/business-key.js';
import { DEFAULT_EXECUTION_CONFIG, type ExecutionConfig } from '../../../src/domain/execution-config.js';
import type { OrderIntent } from '../../../src/domain/market-types.js';
import { cancelledByRisk, derivedClientOrderId, isMakerFirst, nextAfterUnfilled, placeWorkingOrder, reservedCashOf, restingIntent } from '../../../src/domain/working-orders.js';

const MAKER: ExecutionConfig = { ...DEFAULT_EXECUTION_CONFIG, mode: 'maker_first', maxReprices: 2 };
const TICK_MS = Date.UTC(2021, 0, 5);
const HOUR_MS = 3_600_000;
const parentId = clientOrderIdFor({ cycleId: 'cycle/replay/main', tickTs: TICK_MS, symbol: 'BTC/USDT', side: 'buy' });
const buy: OrderIntent = { symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: '0.5', price: '30000', reason: 'score 0.41 ≥ 0.3 (rsi 35.0, ma fast > slow, macd hist > 0)' };

describe('maker-first working orders', () => {
  it('derives each attempt id from the parent: 20 characters of [a-z0-9], the same every time, different per attempt', () => {
    const first = derivedClientOrderId(parentId, 'm0');
    expect(first).toMatch(/^[a-z0-9]{20}$/);
    expect(first.slice(0, 4)).toBe(parentId.slice(0, 4));
    expect(derivedClientOrderId(parentId, 'm0')).toBe(first);
    const ids = new Set(['m0', 'm1', 'm2', 'market', 'ioc'].map((label) => derivedClientOrderId(parentId, label)));
    expect(ids.size).toBe(5);
    expect(ids.has(parentId)).toBe(false);
  });

  it("goes maker-first only for a signal's orders in maker_first mode: exits and a drawdown halt stay market orders", () => {
    expect(isMakerFirst(buy, MAKER)).toBe(true);
    expect(isMakerFirst({ ...buy, side: 'sell', reason: 'score -0.25 ≤ -0.2 (rsi 71.0, ma fast < slow, macd hist < 0)' }, MAKER)).toBe(true);
    expect(isMakerFirst({ ...buy, side: 'sell', reason: 'stop_loss: low 27900 ≤ stop 28000' }, MAKER)).toBe(false);
    expect(isMakerFirst({ ...buy, side: 'sell', reason: 'drawdown_guard: drawdown 26% ≥ hard limit 25%' }, MAKER)).toBe(false);
    expect(isMakerFirst(buy, DEFAULT_EXECUTION_CONFIG)).toBe(false);
    expect(isMakerFirst(buy, undefined)).toBe(false);
  });

  it('rests at the best price, is re-priced maxReprices times (new id, new price, new placement time), then goes to market', () => {
    const placed = placeWorkingOrder(buy, parentId, TICK_MS, 30_012.5);
    expect(placed).toEqual({ parentId, symbol: 'BTC/USDT', side: 'buy', amount: '0.5', reason: buy.reason, attempt: 0, clientOrderId: derivedClientOrderId(parentId, 'm0'), limitPrice: '30012.5', placedTs: TICK_MS });
    expect(restingIntent(placed)).toEqual({ symbol: 'BTC/USDT', side: 'buy', type: 'limit', amount: '0.5', price: '30012.5', reason: buy.reason, postOnly: true });

    const first = nextAfterUnfilled(placed, MAKER, TICK_MS + HOUR_MS, 30_100);
    expect(first).toEqual({ kind: 'rest', order: { ...placed, attempt: 1, clientOrderId: derivedClientOrderId(parentId, 'm1'), limitPrice: '30100', placedTs: TICK_MS + HOUR_MS } });
    const second = nextAfterUnfilled((first as { order: typeof placed }).order, MAKER, TICK_MS + 2 * HOUR_MS, 30_200);
    expect(second).toMatchObject({ kind: 'rest', order: { attempt: 2, limitPrice: '30200' } });
    const fallback = nextAfterUnfilled((second as { order: typeof placed }).order, MAKER, TICK_MS + 3 * HOUR_MS, 30_300);
    expect(fallback).toEqual({ kind: 'fallback', clientOrderId: derivedClientOrderId(parentId, 'market'), intent: { symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: '0.5', price: '30300', reason: buy.reason } });

    // maxReprices 0: straight to the fallback after the first candle.
    expect(nextAfterUnfilled(placed, { ...MAKER, maxReprices: 0 }, TICK_MS + HOUR_MS, 30_100).kind).toBe('fallback');
  });

  it('an ioc fallback is a limit iocLimitBps beyond the price: above it for a buy, below it for a sell', () => {
    const ioc: ExecutionConfig = { ...MAKER, maxReprices: 0, fallback: 'ioc', iocLimitBps: 20 };
    const placed = placeWorkingOrder(buy, parentId, TICK_MS, 30_000);
    expect(nextAfterUnfilled(placed, ioc, TICK_MS + HOUR_MS, 30_000)).toEqual({
      kind: 'fallback',
      clientOrderId: derivedClientOrderId(parentId, 'ioc'),
      intent: { symbol: 'BTC/USDT', side: 'buy', type: 'limit', amount: '0.5', price: '30060', reason: buy.reason, timeInForce: 'IOC' },
    });
    const sell = placeWorkingOrder({ ...buy, side: 'sell' }, parentId, TICK_MS, 30_000);
    expect(nextAfterUnfilled(sell, ioc, TICK_MS + HOUR_MS, 30_000)).toMatchObject({ intent: { side: 'sell', type: 'limit', price: '29940' } });
  });

  it('resting buys hold back amount x limit plus the fee reserve; resting sells hold back no cash', () => {
    const buys = [placeWorkingOrder(buy, parentId, TICK_MS, 30_000), placeWorkingOrder({ ...buy, symbol: 'ETH/USDT', amount: '2' }, 'klxxother000000000000', TICK_MS, 1_000)];
    const sell = placeWorkingOrder({ ...buy, symbol: 'SOL/USDT', side: 'sell', amount: '10' }, 'klxxsell0000000000000', TICK_MS, 20);
    expect(reservedCashOf([...buys, sell], 0.002).toString()).toBe(String((15_000 + 2_000) * 1.002));
    expect(reservedCashOf([], 0.002).toString()).toBe('0');
  });

  it('a drawdown halt cancels every resting order; an exit cancels only its own coin', () => {
    const btc = placeWorkingOrder(buy, parentId, TICK_MS, 30_000);
    const sol = placeWorkingOrder({ ...buy, symbol: 'SOL/USDT', side: 'sell' }, 'klxxsell0000000000000', TICK_MS, 20);
    expect(cancelledByRisk([btc, sol], new Set(['SOL/USDT']), false)).toEqual({ kept: [btc], cancelled: [sol] });
    expect(cancelledByRisk([btc, sol], new Set(), true)).toEqual({ kept: [], cancelled: [btc, sol] });
    expect(cancelledByRisk([btc, sol], new Set(), false)).toEqual({ kept: [btc, sol], cancelled: [] });
  });
});
