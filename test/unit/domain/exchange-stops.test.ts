import { describe, expect, it } from 'vitest';
import { exchangeStopIntent, planExchangeStops, type ExchangeStop } from '../../../src/domain/exchange-stops.js';
import { DEFAULT_EXIT_CONFIG } from '../../../src/domain/exit-config.js';
import { openPositionExit } from '../../../src/domain/exits.js';
import { emptyPortfolio, type PortfolioSnapshot } from '../../../src/domain/portfolio-types.js';
import { riskLayerOf } from '../../../src/domain/risk-layer-config.js';
import { emptyRiskState } from '../../../src/domain/tick-risk.js';

/* Which stops rest on the exchange after a tick (exits.onExchange): placed, kept, replaced, cancelled, skipped. */

const exits = { ...DEFAULT_EXIT_CONFIG, stopLossFraction: 0.05, onExchange: true };
const config = riskLayerOf({ exits });
const position = (symbol: string, quantity: string) => ({ symbol, quantity, averagePrice: '100', openedTick: 1 });
const portfolio = { ...emptyPortfolio('USDT', '1000'), positions: { 'AAA/USDT': position('AAA/USDT', '2.345'), 'BBB/USDT': position('BBB/USDT', '1') } };
const risk = { ...emptyRiskState(), exits: { 'AAA/USDT': openPositionExit(100, 1, null, exits), 'BBB/USDT': openPositionExit(100, 1, null, exits) } };
const rules = { 'AAA/USDT': { amountStep: '0.01' } };
const plan = (resting: ExchangeStop[], prices: Record<string, number> = { 'AAA/USDT': 101, 'BBB/USDT': 99 }, held: PortfolioSnapshot = portfolio) =>
  planExchangeStops({ resting, portfolio: held, risk, config, evaluations: [], prices, rules, tickNo: 3 });
const resting = (symbol: string, stopPrice: string, amount: string): ExchangeStop => ({ symbol, stopPrice, amount, clientOrderId: `id-${symbol}`, placedTs: 0 });

describe('stops resting on the exchange', () => {
  it('places one stop per held coin at its level, for the whole position on the market step', () => {
    expect(plan([])).toEqual({
      cancel: [],
      keep: [],
      skipped: [],
      place: [
        { symbol: 'AAA/USDT', amount: '2.34', stopPrice: '95' },
        { symbol: 'BBB/USDT', amount: '1', stopPrice: '95' },
      ],
    });
    expect(exchangeStopIntent({ symbol: 'AAA/USDT', amount: '2.34', stopPrice: '95' })).toEqual({ symbol: 'AAA/USDT', side: 'sell', type: 'market', amount: '2.34', price: '95', reason: 'stop_loss: triggered on the exchange at stop 95', stopPrice: '95' });
  });

  it('keeps a stop whose level moved less than 0.1 %, replaces one that moved more or whose amount changed, cancels one no longer held', () => {
    const kept = resting('AAA/USDT', '95.05', '2.34');
    const moved = resting('BBB/USDT', '94', '1');
    const gone = resting('CCC/USDT', '10', '5');
    const result = plan([kept, moved, gone]);
    expect(result.keep).toEqual([kept]);
    expect(result.cancel).toEqual([moved, gone]);
    expect(result.place).toEqual([{ symbol: 'BBB/USDT', amount: '1', stopPrice: '95' }]);
    const resized = plan([resting('AAA/USDT', '95', '2.00')]);
    expect(resized.cancel.map((s) => s.symbol)).toEqual(['AAA/USDT']);
    expect(resized.place.map((s) => s.symbol)).toEqual(['AAA/USDT', 'BBB/USDT']);
  });

  it('places no stop at or above the price (the exchange would fire it at once; keel sells it), nor for dust or with stops off', () => {
    const below = plan([], { 'AAA/USDT': 94, 'BBB/USDT': 99 });
    expect(below.place.map((s) => s.symbol)).toEqual(['BBB/USDT']);
    expect(below.skipped).toEqual([{ symbol: 'AAA/USDT', reason: 'stop 95 is at or above the price 94' }]);
    const dust = plan([], undefined, { ...portfolio, positions: { 'AAA/USDT': position('AAA/USDT', '0.004') } });
    expect(dust.place).toEqual([]);
    const off = planExchangeStops({ resting: [resting('AAA/USDT', '95', '2.34')], portfolio, risk, config: riskLayerOf({ exits: { ...exits, stopLossFraction: null } }), evaluations: [], prices: { 'AAA/USDT': 101 }, rules, tickNo: 3 });
    expect(off).toMatchObject({ place: [], keep: [], cancel: [{ symbol: 'AAA/USDT' }] });
  });
});
