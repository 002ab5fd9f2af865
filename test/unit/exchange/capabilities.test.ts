import { describe, expect, it } from 'vitest';
import { clientOrderIdFor } from '../../../src/domain/business-key.js';
import { KeelError } from '../../../src/domain/errors.js';
import { TIMEFRAMES } from '../../../src/domain/market-types.js';
import { planRequestBudget } from '../../../src/domain/request-budget.js';
import {
  CCXT_EXCHANGE_IDS,
  EXCHANGE_CAPABILITIES,
  paperFeeRates,
  assertTimeframeSupported,
  capabilitiesFor,
  fitClientOrderId,
  isCcxtExchangeId,
  supportedTimeframes,
} from '../../../src/exchange/capabilities.js';

function thrown(run: () => unknown): KeelError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(KeelError);
    return error as KeelError;
  }
  throw new Error('expected a KeelError');
}

const keelId = clientOrderIdFor({ cycleId: 'cycle-1', tickTs: Date.UTC(2025, 0, 6, 12), symbol: 'BTC/USDT', side: 'buy' });

describe('exchange capabilities', () => {
  it('has an entry for every supported ccxt exchange, each naming every keel timeframe', () => {
    expect([...CCXT_EXCHANGE_IDS]).toEqual(['kraken', 'coinbase', 'binance']);
    for (const id of CCXT_EXCHANGE_IDS) {
      const capabilities = EXCHANGE_CAPABILITIES[id];
      expect(capabilities.id).toBe(id);
      expect(Object.keys(capabilities.ohlcv.timeframes).sort()).toEqual([...TIMEFRAMES].sort());
      expect(capabilities.publicRest.requestsPerSecond).toBeGreaterThan(0);
      expect(capabilities.publicRest.source).not.toBe('');
      expect(capabilities.clientOrderId.source).not.toBe('');
    }
    expect(isCcxtExchangeId('binance')).toBe(true);
    expect(isCcxtExchangeId('sim')).toBe(false);
  });

  it('holds the quirks as data', () => {
    expect(CCXT_EXCHANGE_IDS.map((id) => EXCHANGE_CAPABILITIES[id].ohlcv.maxCandlesPerCall)).toEqual([720, 300, 1000]);
    expect(EXCHANGE_CAPABILITIES.kraken.ohlcv.newestOnly).toBe(720);
    expect(EXCHANGE_CAPABILITIES.kraken.ohlcv.timeframes['1h']).toBe('60');
    expect(EXCHANGE_CAPABILITIES.coinbase.ohlcv.timeframes['1h']).toBe('ONE_HOUR');
    expect(CCXT_EXCHANGE_IDS.map((id) => EXCHANGE_CAPABILITIES[id].clientOrderId.exchangeField)).toEqual(['cl_ord_id', 'client_order_id', 'newClientOrderId']);
    expect(CCXT_EXCHANGE_IDS.map((id) => EXCHANGE_CAPABILITIES[id].lookupByClientId.kind)).toEqual(['open-then-closed', 'recent-orders', 'fetch-order-param']);
    expect(CCXT_EXCHANGE_IDS.map((id) => EXCHANGE_CAPABILITIES[id].publicRest.requestsPerSecond)).toEqual([1, 10, 20]);
    // ccxt's own OHLCV endpoint costs, which the gateway divides its limiter by.
    expect(CCXT_EXCHANGE_IDS.map((id) => EXCHANGE_CAPABILITIES[id].publicRest.ccxtCostPerCall)).toEqual([1.2, 3, 0.4]);
    expect(EXCHANGE_CAPABILITIES.coinbase.orders.marketBuyNeedsPrice).toBe(true);
    // Stop-market sells on spot: kraken stop-loss, binance STOP_LOSS; coinbase Advanced has stop-limits only.
    expect(CCXT_EXCHANGE_IDS.map((id) => EXCHANGE_CAPABILITIES[id].orders.stopMarket)).toEqual([true, false, true]);
    for (const id of CCXT_EXCHANGE_IDS) expect(EXCHANGE_CAPABILITIES[id].tickers.bulk).toBe(true);
  });

  it('names the supported timeframes and refuses the others', () => {
    expect(supportedTimeframes('kraken')).toEqual(TIMEFRAMES);
    expect(supportedTimeframes('binance')).toEqual(TIMEFRAMES);
    expect(supportedTimeframes('coinbase')).toEqual(['1m', '5m', '15m', '30m', '1h', '1d']);
    expect(assertTimeframeSupported('coinbase', '1h')).toBe('1h');
    const error = thrown(() => assertTimeframeSupported('coinbase', '4h'));
    expect(error.code).toBe('NotSupported');
    expect(error.message).toBe('Coinbase Advanced Trade (coinbase) has no 4h candles; supported timeframes: 1m, 5m, 15m, 30m, 1h, 1d');
    expect(thrown(() => assertTimeframeSupported('kraken', '3m')).message).toBe('Kraken (kraken) has no 3m candles; supported timeframes: 1m, 5m, 15m, 30m, 1h, 4h, 1d');
  });

  it('refuses exchange ids it does not know, naming the known ones', () => {
    const error = thrown(() => capabilitiesFor('mtgox'));
    expect(error.code).toBe('InvalidConfig');
    expect(error.message).toBe('exchange "mtgox" is not supported through ccxt; use one of kraken, coinbase, binance');
  });
});

describe('fitClientOrderId', () => {
  it("sends keel's 20-character ids unchanged where they fit (binance, coinbase)", () => {
    expect(keelId).toMatch(/^kl[a-z0-9]{18}$/);
    expect(fitClientOrderId('binance', keelId)).toBe(keelId);
    expect(fitClientOrderId('coinbase', keelId)).toBe(keelId);
  });

  it('turns ids longer than Kraken\'s 18-character free text into a short UUID, deterministically', () => {
    const fitted = fitClientOrderId('kraken', keelId);
    expect(fitted).toMatch(/^[0-9a-f]{32}$/);
    expect(fitClientOrderId('kraken', keelId)).toBe(fitted);
    expect(fitClientOrderId('kraken', fitted)).toBe(fitted);
    const other = clientOrderIdFor({ cycleId: 'cycle-1', tickTs: Date.UTC(2025, 0, 6, 12), symbol: 'BTC/USDT', side: 'sell' });
    expect(fitClientOrderId('kraken', other)).not.toBe(fitted);
    // Short ids and UUIDs are Kraken formats already.
    expect(fitClientOrderId('kraken', 'kl-short-id')).toBe('kl-short-id');
    expect(fitClientOrderId('kraken', '6d1b345e-2821-40e2-ad83-4ecb18a06876')).toBe('6d1b345e-2821-40e2-ad83-4ecb18a06876');
  });

  it('fits long or illegal ids to Binance and Coinbase rules', () => {
    const long = `kl-${'x'.repeat(60)}`;
    const binance = fitClientOrderId('binance', long);
    expect(binance).toMatch(/^kl[0-9a-f]{32}$/);
    expect(binance.length).toBeLessThanOrEqual(36);
    expect(fitClientOrderId('binance', 'has spaces')).toMatch(/^kl[0-9a-f]{32}$/);
    expect(fitClientOrderId('binance', binance)).toBe(binance);
    const coinbase = fitClientOrderId('coinbase', long);
    expect(coinbase).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(fitClientOrderId('coinbase', coinbase)).toBe(coinbase);
  });

  it('refuses an empty id', () => {
    const error = thrown(() => fitClientOrderId('binance', ''));
    expect(error.code).toBe('InvalidOrder');
  });
});

describe('request budget with the capability map', () => {
  it('refuses 250 coins of 1m candles over Kraken with the figures', () => {
    const plan = planRequestBudget({ exchange: 'kraken', requestsPerSecond: EXCHANGE_CAPABILITIES.kraken.publicRest.requestsPerSecond, coins: 250, timeframes: ['1m'] });
    expect(plan.fits).toBe(false);
    expect(plan.message).toBe("250 coins x 1m candles need 251 calls per 60 s (4.2/s) but kraken's public REST allows 1/s: choose fewer coins (at most 59) or a longer timeframe (5m fits)");
  });

  it('suggests only timeframes the exchange has (no 4h on coinbase)', () => {
    const capabilities = EXCHANGE_CAPABILITIES.coinbase;
    const plan = planRequestBudget({ exchange: 'coinbase', requestsPerSecond: capabilities.publicRest.requestsPerSecond, coins: 40_000, timeframes: ['1h'], supportedTimeframes: supportedTimeframes('coinbase') });
    expect(plan.fits).toBe(false);
    expect(plan.fittingTimeframe).toBe('1d');
  });
});

describe('paperFeeRates: what a paper account and a backtest charge', () => {
  it("charges a real venue's own maker and taker fees unless a rate is set, and keel's default on sim and replay", () => {
    expect(paperFeeRates('kraken')).toEqual({ takerFeeRate: 0.004, makerFeeRate: 0.0025 });
    expect(paperFeeRates('coinbase')).toEqual({ takerFeeRate: 0.012, makerFeeRate: 0.006 });
    expect(paperFeeRates('binance')).toEqual({ takerFeeRate: 0.001, makerFeeRate: 0.001 });
    expect(paperFeeRates('kraken', 0.002)).toEqual({ takerFeeRate: 0.002, makerFeeRate: 0.002 });
    expect(paperFeeRates('sim')).toEqual({ takerFeeRate: 0.001, makerFeeRate: 0.001 });
    for (const id of CCXT_EXCHANGE_IDS) expect(EXCHANGE_CAPABILITIES[id].fees.maker).toBeLessThanOrEqual(EXCHANGE_CAPABILITIES[id].fees.taker);
  });
});
