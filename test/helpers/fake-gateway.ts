import { CcxtGateway } from '../../src/exchange/ccxt-gateway.js';
import { startFakeExchange, type FakeExchange, type FakeExchangeId } from './fake-exchange/index.js';

/** Keys the fake exchange accepts (it checks their shape and signs, not their value). */
export const FAKE_API_KEY = 'key-abcdef-123456';
export const FAKE_API_SECRET = 'c2VjcmV0LXNlY3JldC1zZWNyZXQx';
/** The quote currency each fake venue's account holds. */
export const FAKE_QUOTE: Readonly<Record<FakeExchangeId, string>> = { kraken: 'USD', coinbase: 'USD', binance: 'USDT' };

/** A fake exchange of `coins` coins at its default clock and a keyed ccxt gateway on it, markets loaded. */
export async function openFakeGateway(exchangeId: FakeExchangeId, coins = 10): Promise<{ fake: FakeExchange; gateway: CcxtGateway }> {
  const fake = await startFakeExchange({ exchange: exchangeId, coins });
  const gateway = new CcxtGateway({ exchangeId, baseUrl: fake.baseUrl, apiKey: FAKE_API_KEY, secret: FAKE_API_SECRET, timeoutMs: 5_000, rateLimitPerSecond: 10_000 });
  await gateway.loadMarkets();
  return { fake, gateway };
}

export async function closeFakeGateway(opened: { fake?: FakeExchange; gateway?: CcxtGateway }): Promise<void> {
  await opened.gateway?.close();
  await opened.fake?.close();
}
