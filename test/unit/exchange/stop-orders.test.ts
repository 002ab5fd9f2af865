import type { Order } from 'ccxt';
import { describe, expect, it } from 'vitest';
import type { OrderIntent } from '../../../src/domain/market-types.js';
import type { PaperLedger } from '../../../src/domain/paper-ledger.js';
import { orderTypeOf, stopPriceOf } from '../../../src/exchange/ccxt-stop-orders.js';
import { PaperBroker } from '../../../src/exchange/paper-broker.js';
import type { ExchangeGateway } from '../../../src/exchange/port.js';
import { keelRejection } from '../../helpers/keel-rejection.js';

const NOW = Date.UTC(2026, 0, 5, 15, 30);

/** An object whose every method call is recorded by name and answered with nothing. */
function recorder<T extends object>(calls: string[], fields: Partial<T> = {}): T {
  return new Proxy(fields as T, {
    get(target, key) {
      if (key in target) return (target as Record<PropertyKey, unknown>)[key];
      if (key === 'then') return undefined;
      return (...args: unknown[]) => {
        calls.push(`${String(key)}(${args.map((arg) => JSON.stringify(arg)).join(', ')})`);
        return Promise.resolve(null);
      };
    },
  });
}

describe('stops on a paper account', () => {
  it('are refused with NotSupported before the ledger or the market is touched', async () => {
    const calls: string[] = [];
    const broker = new PaperBroker({ gateway: recorder<ExchangeGateway>(calls, { exchangeId: 'sim' }), ledger: recorder<PaperLedger>(calls) });
    const stop: OrderIntent = { symbol: 'BTC/USDT', side: 'sell', type: 'market', amount: '0.01', price: '60000', reason: 'stop_loss: test', stopPrice: '57000' };
    const error = await keelRejection(broker.placeOrder({ account: 'a', quote: 'USDT', clientOrderId: 'kl-paper-stop', intent: stop, asOfMs: NOW }));
    expect(error.code).toBe('NotSupported');
    expect(error.message).toBe(
      'paper order sell 0.01 BTC/USDT with stopPrice 57000 (client order id kl-paper-stop): stops rest on the exchange on live accounts only; paper accounts check them each tick; nothing was placed',
    );
    expect(calls).toEqual([]);
    expect(broker.placements).toBe(0);
  });
});

describe('stop orders read through ccxt', () => {
  it("read as market orders however the venue's class names a stop-market; stop-limits and limits read as limit", () => {
    for (const type of ['market', 'MARKET', 'stop-loss', 'STOP_LOSS', 'stop_loss', 'stop loss', 'stop_market', 'STOP_MARKET']) expect(orderTypeOf(type), type).toBe('market');
    for (const type of ['limit', 'LIMIT_MAKER', 'stop-loss-limit', 'STOP_LOSS_LIMIT', 'take-profit-limit', undefined, null]) expect(orderTypeOf(type), String(type)).toBe('limit');
  });

  it('carry their trigger from stopLossPrice (kraken) or triggerPrice (binance), and none when the venue reports none', () => {
    const order = (fields: Partial<Order>): Order => fields as Order;
    expect(stopPriceOf(order({ stopLossPrice: 57000.5 }))).toBe('57000.5');
    expect(stopPriceOf(order({ triggerPrice: 0.00001234 }))).toBe('0.00001234');
    expect(stopPriceOf(order({ price: 60000 }))).toBeUndefined();
    expect(stopPriceOf(order({ triggerPrice: 0 }))).toBeUndefined();
  });
});
