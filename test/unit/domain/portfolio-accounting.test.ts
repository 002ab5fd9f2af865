import { describe, expect, it } from 'vitest';
import { applyFill, portfolioEquity } from '../../../src/domain/allocation.js';
import type { OrderSide, OrderState } from '../../../src/domain/market-types.js';
import { emptyPortfolio, type PortfolioSnapshot } from '../../../src/domain/portfolio-types.js';

function order(side: OrderSide, symbol: string, filled: string, averagePrice: string, feeQuote: string): OrderState {
  return {
    clientOrderId: `kl-${side}-${symbol}`,
    exchangeOrderId: 'x1',
    symbol,
    side,
    type: 'market',
    status: 'closed',
    amount: filled,
    filled,
    averagePrice,
    feeQuote,
    createdAtMs: Date.UTC(2024, 0, 1),
  };
}

const start = emptyPortfolio('USDT', '1000');

describe('applyFill', () => {
  it('opens a position on a buy: cash -= filled x avg + fee, the fee is realized at once', () => {
    const { portfolio, realizedPnlDelta } = applyFill(start, order('buy', 'SOL/USDT', '0.5', '100.1', '0.05005'), 7);
    // 1000 - 0.5 x 100.1 - 0.05005 = 1000 - 50.05 - 0.05005
    expect(portfolio).toEqual({
      quote: 'USDT',
      cash: '949.89995',
      positions: { 'SOL/USDT': { symbol: 'SOL/USDT', quantity: '0.5', averagePrice: '100.1', openedTick: 7 } },
      realizedPnl: '-0.05005',
    });
    expect(realizedPnlDelta).toBe('-0.05005');
    expect(start).toEqual(emptyPortfolio('USDT', '1000'));
  });

  it('adds to a position at the quantity-weighted average price, keeping the opening tick', () => {
    const first = applyFill(start, order('buy', 'SOL/USDT', '0.5', '100', '0'), 7).portfolio;
    const { portfolio } = applyFill(first, order('buy', 'SOL/USDT', '0.25', '106', '0.0265'), 9);
    // (0.5 x 100 + 0.25 x 106) / 0.75 = 76.5 / 0.75 = 102; cash 1000 - 50 - 26.5 - 0.0265
    expect(portfolio.positions['SOL/USDT']).toEqual({ symbol: 'SOL/USDT', quantity: '0.75', averagePrice: '102', openedTick: 7 });
    expect(portfolio.cash).toBe('923.4735');
    expect(portfolio.realizedPnl).toBe('-0.0265');
  });

  it('keeps 20 significant digits of a non-terminating average price', () => {
    const first = applyFill(start, order('buy', 'X/USDT', '1', '1', '0'), 1).portfolio;
    const { portfolio } = applyFill(first, order('buy', 'X/USDT', '2', '2', '0'), 2);
    expect(portfolio.positions['X/USDT']?.averagePrice).toBe('1.6666666666666666667');
  });

  it('books a partial sell: cash += filled x avg - fee, realized += (avg - entry) x filled - fee', () => {
    const held: PortfolioSnapshot = { ...start, positions: { 'ETH/USDT': { symbol: 'ETH/USDT', quantity: '2', averagePrice: '100', openedTick: 3 } } };
    const { portfolio, realizedPnlDelta } = applyFill(held, order('sell', 'ETH/USDT', '0.5', '110', '0.055'), 8);
    // 1000 + 55 - 0.055; (110 - 100) x 0.5 - 0.055 = 4.945
    expect(portfolio.cash).toBe('1054.945');
    expect(realizedPnlDelta).toBe('4.945');
    expect(portfolio.realizedPnl).toBe('4.945');
    expect(portfolio.positions['ETH/USDT']).toEqual({ symbol: 'ETH/USDT', quantity: '1.5', averagePrice: '100', openedTick: 3 });
  });

  it('closes the position on a full sell, and a round trip realizes exactly the cash change', () => {
    const bought = applyFill(start, order('buy', 'BTC/USDT', '0.00333333', '30000.01', '0.1'), 5).portfolio;
    const { portfolio, realizedPnlDelta } = applyFill(bought, order('sell', 'BTC/USDT', '0.00333333', '29000.99', '0.0966663'), 12);
    expect(portfolio.positions).toEqual({});
    // (29000.99 - 30000.01) x 0.00333333 - 0.0966663 = -3.3300633366 - 0.0966663
    expect(realizedPnlDelta).toBe('-3.4267296366');
    expect(portfolio.realizedPnl).toBe('-3.5267296366');
    // 1000 - 99.9999333333 - 0.1 + 96.6698699967 - 0.0966663: exactly 1000 + realizedPnl
    expect(portfolio.cash).toBe('996.4732703634');
  });

  it('keeps a fee taken in the base coin (Binance buys) out of the position and out of cash', () => {
    // Bought 2 SOL at 100; Binance kept 0.002 SOL as the fee (0.2 USDT at the fill price, counted in feeQuote).
    const { portfolio, realizedPnlDelta } = applyFill(start, { ...order('buy', 'SOL/USDT', '2', '100', '0.2'), feeBase: '0.002' }, 4);
    expect(portfolio.positions['SOL/USDT']).toEqual({ symbol: 'SOL/USDT', quantity: '1.998', averagePrice: '100', openedTick: 4 });
    expect(portfolio.cash).toBe('800');
    expect(realizedPnlDelta).toBe('-0.2');
    // Equity at the fill price fell by exactly the fee.
    expect(portfolioEquity(portfolio, { 'SOL/USDT': 100 })).toBe('999.8');
    // The whole held quantity can be sold again; a sell whose base fee would exceed it is refused.
    const sold = applyFill(portfolio, order('sell', 'SOL/USDT', '1.998', '110', '0.2198'), 6).portfolio;
    expect(sold.positions).toEqual({});
    expect(sold.cash).toBe('1019.5602');
    expect(sold.realizedPnl).toBe('19.5602');
    expect(() => applyFill(portfolio, { ...order('sell', 'SOL/USDT', '1.998', '110', '0.2198'), feeBase: '0.001' }, 6)).toThrow(/base fee 0.001 SOL\/USDT but the portfolio holds 1.998/);
  });

  it('uses exact decimal arithmetic where floats would drift', () => {
    const { portfolio } = applyFill(emptyPortfolio('USDT', '0.3'), order('buy', 'X/USDT', '0.1', '2', '0.1'), 1);
    expect(portfolio.cash).toBe('0'); // 0.3 - 0.2 - 0.1, which is 2.8e-17 in floating point
  });

  it('counts the filled part of a cancelled order and ignores an unfilled one', () => {
    const partly = { ...order('buy', 'X/USDT', '0.4', '10', '0'), amount: '1', status: 'canceled' as const };
    expect(applyFill(start, partly, 1).portfolio.positions['X/USDT']?.quantity).toBe('0.4');
    const none = { ...order('buy', 'X/USDT', '0', '0', '0'), amount: '1', status: 'canceled' as const };
    expect(applyFill(start, none, 1)).toEqual({ portfolio: start, realizedPnlDelta: '0' });
  });

  it('refuses a sell larger than the position', () => {
    expect(() => applyFill(start, order('sell', 'X/USDT', '1', '10', '0'), 1)).toThrow(
      'sell kl-sell-X/USDT filled 1 X/USDT but the portfolio holds 0',
    );
  });
});

describe('portfolioEquity', () => {
  const snapshot: PortfolioSnapshot = {
    quote: 'USDT',
    cash: '100.5',
    positions: {
      'BTC/USDT': { symbol: 'BTC/USDT', quantity: '0.01', averagePrice: '20000', openedTick: 1 },
      'ADA/USDT': { symbol: 'ADA/USDT', quantity: '30', averagePrice: '0.35', openedTick: 1 },
    },
    realizedPnl: '0',
  };

  it('is cash plus positions at current prices', () => {
    // 100.5 + 0.01 x 30000.5 + 30 x 0.4 = 100.5 + 300.005 + 12
    expect(portfolioEquity(snapshot, { 'BTC/USDT': 30000.5, 'ADA/USDT': 0.4 })).toBe('412.505');
  });

  it('falls back to the average entry price when a price is missing or unusable', () => {
    // 100.5 + 300.005 + 30 x 0.35
    expect(portfolioEquity(snapshot, { 'BTC/USDT': 30000.5, 'ADA/USDT': Number.NaN })).toBe('411.005');
  });
});
