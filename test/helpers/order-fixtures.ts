import type { OrderState } from '../../src/domain/market-types.js';

/** A filled market buy of 2 BTC/USDT at 100 with a 0.2 fee, changed by `over`: the order unit tests start from. */
export function orderState(over: Partial<OrderState> = {}): OrderState {
  return {
    clientOrderId: 'k1',
    exchangeOrderId: 'x1',
    symbol: 'BTC/USDT',
    side: 'buy',
    type: 'market',
    status: 'closed',
    amount: '2',
    filled: '2',
    averagePrice: '100',
    feeQuote: '0.2',
    createdAtMs: 1,
    ...over,
  };
}
