import type { Timeframe } from '../../../src/domain/market-types.js';
import { timeframeMs } from '../../../src/domain/market-types.js';
import { isMarketable } from './book.js';
import type { FakeOrder, PlaceRequest } from './book.js';
import { fixed, ok, priceDecimals } from './dialect.js';
import type { Dialect, DialectContext, FakeReply, FakeRequest, Route } from './dialect.js';
import { readRecorded } from './recorded.js';

/**
 * Coinbase Advanced Trade REST (api.coinbase.com/api/v3/brokerage/..., plus the v2 currency endpoints ccxt reads
 * while loading markets): the URLs in ccxt/request/coinbase.json, in the shapes of exchange-rest/coinbase/http_*.json.
 * Errors are HTTP 4xx with {"error": CODE, "message": ...}.
 */

const GRANULARITY: Record<string, Timeframe> = { ONE_MINUTE: '1m', FIVE_MINUTE: '5m', FIFTEEN_MINUTE: '15m', THIRTY_MINUTE: '30m', ONE_HOUR: '1h', ONE_DAY: '1d' };
const MAX_CANDLES = 350;
const FIAT = new Set(['USD', 'EUR', 'GBP']);

function coinbaseError(status: number, code: string, message: string): FakeReply {
  return { status, body: { error: code, error_details: message, message } };
}

function productId(base: string, quote: string): string {
  return `${base}-${quote}`;
}

function uuidFrom(seq: number, salt: number): string {
  const hex = (seq * 2654435761 + salt).toString(16).padStart(12, '0').slice(-12);
  return `${(seq + salt).toString(16).padStart(8, '0').slice(-8)}-0000-4000-8000-${hex}`;
}

export function coinbaseDialect(): Dialect {
  const productTemplate = readRecorded<Record<string, unknown>>('exchange-rest/coinbase/http_product.json');
  const accountTemplate = readRecorded<{ accounts: Record<string, unknown>[] }>('exchange-rest/coinbase/http_accounts.json').accounts[0] as Record<string, unknown>;
  const orderTemplate = readRecorded<{ order: Record<string, unknown> }>('exchange-rest/coinbase/http_order.json').order;
  const fillTemplate = readRecorded<{ fills: Record<string, unknown>[] }>('exchange-rest/coinbase/http_fills.json').fills[0] as Record<string, unknown>;
  const tickerTemplate = readRecorded<{ trades: Record<string, unknown>[] }>('exchange-rest/coinbase/http_ticker.json');

  const marketOf = (id: string | undefined, context: DialectContext): { base: string; quote: string } | undefined => {
    const [base, quote, extra] = (id ?? '').split('-');
    return base !== undefined && quote !== undefined && extra === undefined && context.universe.has(base, quote) ? { base, quote } : undefined;
  };

  const renderProduct = async (base: string, quote: string, context: DialectContext): Promise<Record<string, unknown>> => {
    const ticker = await context.universe.ticker(base, context.nowMs);
    const decimals = priceDecimals(ticker.last);
    const increment = fixed(10 ** -decimals, decimals);
    return {
      ...productTemplate,
      product_id: productId(base, quote),
      price: ticker.last.toFixed(decimals),
      price_percentage_change_24h: fixed(((ticker.last - ticker.open) / ticker.open) * 100, 10),
      volume_24h: fixed(ticker.quoteVolume / ticker.last, 8),
      approximate_quote_24h_volume: fixed(ticker.quoteVolume, 2),
      base_increment: '0.00000001',
      quote_increment: increment,
      price_increment: increment,
      base_min_size: '0.00000001',
      base_max_size: '100000000',
      quote_min_size: '1',
      base_name: base,
      quote_name: quote,
      base_currency_id: base,
      quote_currency_id: quote,
      base_display_symbol: base,
      quote_display_symbol: quote,
      display_name: productId(base, quote),
      alias: '',
      alias_to: [],
      status: 'online',
      trading_disabled: false,
      is_disabled: false,
      product_type: 'SPOT',
    };
  };

  const renderOrder = (order: FakeOrder): Record<string, unknown> => {
    const limit = { base_size: fixed(order.amount, 8), limit_price: fixed(order.limitPrice ?? 0, 10) };
    const configuration =
      order.type === 'market'
        ? { market_market_ioc: order.quoteSize !== undefined ? { quote_size: fixed(order.quoteSize, 8) } : { base_size: fixed(order.amount, 8) } }
        : order.timeInForce === 'IOC'
          ? { sor_limit_ioc: limit }
          : { limit_limit_gtc: { ...limit, post_only: order.postOnly } };
    const average = order.filled > 0 ? order.cost / order.filled : 0;
    return {
      ...orderTemplate,
      order_id: order.id,
      product_id: productId(order.base, order.quote),
      user_id: 'fake-user',
      order_configuration: configuration,
      side: order.side.toUpperCase(),
      client_order_id: order.clientOrderId ?? '',
      status: order.status === 'open' ? 'OPEN' : order.status === 'closed' ? 'FILLED' : 'CANCELLED',
      time_in_force: order.type === 'market' || order.timeInForce === 'IOC' ? 'IMMEDIATE_OR_CANCEL' : 'GOOD_UNTIL_CANCELLED',
      created_time: new Date(order.createdAtMs).toISOString(),
      completion_percentage: order.amount > 0 ? fixed((order.filled / order.amount) * 100, 2) : '0',
      filled_size: fixed(order.filled, 8),
      average_filled_price: fixed(average, 10),
      fee: '',
      number_of_fills: String(order.trades.length),
      filled_value: fixed(order.cost, 8),
      pending_cancel: false,
      size_in_quote: order.quoteSize !== undefined,
      total_fees: fixed(order.fee, 10),
      size_inclusive_of_fees: false,
      total_value_after_fees: fixed(order.side === 'buy' ? order.cost + order.fee : order.cost - order.fee, 8),
      trigger_status: 'INVALID_ORDER_TYPE',
      order_type: order.type.toUpperCase(),
      reject_reason: 'REJECT_REASON_UNSPECIFIED',
      settled: order.status !== 'open',
      product_type: 'SPOT',
      outstanding_hold_amount: '0',
      last_fill_time: order.trades.length > 0 ? new Date(order.updatedAtMs).toISOString() : null,
    };
  };

  const productFilter = (request: FakeRequest): string[] => [...request.params.getAll('product_ids'), ...request.params.getAll('product_id')];

  const routes: Route[] = [
    {
      key: 'coinbase.currencies',
      method: 'GET',
      path: '/v2/currencies',
      kind: 'markets',
      ccxtMethods: ['fetchCurrencies'],
      handle: (_request, context) => ok({ data: context.universe.quotes.filter((code) => FIAT.has(code)).map((id) => ({ id, name: id, min_size: '0.01' })) }),
    },
    {
      key: 'coinbase.currenciesCrypto',
      method: 'GET',
      path: '/v2/currencies/crypto',
      kind: 'markets',
      ccxtMethods: ['fetchCurrencies'],
      handle: (_request, context) => {
        const codes = [...new Set(context.universe.markets.flatMap((market) => [market.base, market.quote]))].filter((code) => !FIAT.has(code));
        return ok({ data: codes.map((code, index) => ({ asset_id: uuidFrom(index + 1, 7), code, name: code, color: '#000000', sort_index: index, exponent: 8, type: 'crypto', address_regex: '.*' })) });
      },
    },
    {
      key: 'coinbase.exchangeRates',
      method: 'GET',
      path: '/v2/exchange-rates',
      kind: 'markets',
      ccxtMethods: ['fetchCurrencies'],
      handle: async (_request, context) => {
        const rates: Record<string, string> = { USD: '1' };
        for (const base of context.universe.bases) rates[base] = fixed(1 / (await context.universe.lastPrice(base, context.nowMs)), 12);
        return ok({ data: { currency: 'USD', rates } });
      },
    },
    {
      key: 'coinbase.transactionSummary',
      method: 'GET',
      path: '/api/v3/brokerage/transaction_summary',
      kind: 'markets',
      ccxtMethods: ['fetchMarkets', 'fetchTradingFees'],
      handle: () =>
        ok({
          total_volume: 0,
          total_fees: 0,
          fee_tier: { pricing_tier: 'Advanced 1', usd_from: '0', usd_to: '1000', taker_fee_rate: '0.012', maker_fee_rate: '0.006' },
          margin_rate: null,
          goods_and_services_tax: null,
          advanced_trade_only_volume: 0,
          advanced_trade_only_fees: 0,
          coinbase_pro_volume: 0,
          coinbase_pro_fees: 0,
        }),
    },
    {
      key: 'coinbase.products',
      method: 'GET',
      path: /^\/api\/v3\/brokerage(?:\/market)?\/products$/,
      kind: 'public',
      ccxtMethods: ['fetchMarkets', 'fetchTickers'],
      handle: async (request, context) => {
        // ccxt loads spot products, then FUTURE ones (expiring and perpetual): the fake lists spot only.
        const type = request.params.get('product_type');
        if (type !== null && type !== 'SPOT') return ok({ products: [], num_products: 0 });
        const wanted = productFilter(request);
        const markets = wanted.length > 0 ? wanted.map((id) => marketOf(id, context)) : context.universe.markets;
        const products: Record<string, unknown>[] = [];
        for (const market of markets) {
          if (market === undefined) return coinbaseError(400, 'INVALID_ARGUMENT', 'ProductID is invalid');
          products.push(await renderProduct(market.base, market.quote, context));
        }
        return ok({ products, num_products: products.length });
      },
    },
    {
      key: 'coinbase.candles',
      method: 'GET',
      path: /^\/api\/v3\/brokerage(?:\/market)?\/products\/(?<product>[^/]+)\/candles$/,
      kind: 'public',
      ccxtMethods: ['fetchOHLCV'],
      handle: async (request, context) => {
        const market = marketOf(request.pathParams['product'], context);
        if (market === undefined) return coinbaseError(404, 'NOT_FOUND', 'ProductID is invalid');
        const timeframe = GRANULARITY[request.params.get('granularity') ?? ''];
        if (timeframe === undefined) return coinbaseError(400, 'INVALID_ARGUMENT', `granularity ${request.params.get('granularity')} is not supported`);
        const tfMs = timeframeMs(timeframe);
        const startMs = Number(request.params.get('start')) * 1000;
        const endMs = Number(request.params.get('end')) * 1000;
        if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || endMs < startMs) return coinbaseError(400, 'INVALID_ARGUMENT', 'start and end must be unix seconds, start before end');
        if ((endMs - startMs) / tfMs > MAX_CANDLES) return coinbaseError(400, 'INVALID_ARGUMENT', `number of candles requested should be less than ${MAX_CANDLES}`);
        const candles = await context.universe.candles(market.base, timeframe, { sinceMs: Math.ceil(startMs / tfMs) * tfMs, limit: MAX_CANDLES, untilMs: endMs + 1, nowMs: context.nowMs });
        // Newest first, as Coinbase answers.
        const rows = candles.reverse().map((candle) => {
          const decimals = priceDecimals(candle.close);
          return { start: String(candle.ts / 1000), low: candle.low.toFixed(decimals), high: candle.high.toFixed(decimals), open: candle.open.toFixed(decimals), close: candle.close.toFixed(decimals), volume: candle.volume.toFixed(8) };
        });
        return ok({ candles: rows });
      },
    },
    {
      key: 'coinbase.ticker',
      method: 'GET',
      path: /^\/api\/v3\/brokerage(?:\/market)?\/products\/(?<product>[^/]+)\/ticker$/,
      kind: 'public',
      ccxtMethods: ['fetchTicker', 'fetchTrades'],
      handle: async (request, context) => {
        const market = marketOf(request.pathParams['product'], context);
        if (market === undefined) return coinbaseError(404, 'NOT_FOUND', 'ProductID is invalid');
        const ticker = await context.universe.ticker(market.base, context.nowMs);
        const decimals = priceDecimals(ticker.last);
        const trade = { ...(tickerTemplate.trades[0] as Record<string, unknown>), trade_id: '1', product_id: productId(market.base, market.quote), price: ticker.last.toFixed(decimals), size: '0.01', time: new Date(context.nowMs).toISOString(), side: 'BUY' };
        return ok({ trades: [trade], best_bid: (ticker.last * 0.9999).toFixed(decimals), best_ask: (ticker.last * 1.0001).toFixed(decimals) });
      },
    },
    {
      key: 'coinbase.accounts',
      method: 'GET',
      path: '/api/v3/brokerage/accounts',
      kind: 'private',
      ccxtMethods: ['fetchBalance', 'fetchAccounts'],
      handle: (_request, context) => {
        const accounts = [...context.book.balances].map(([code, balance], index) => ({
          ...accountTemplate,
          uuid: uuidFrom(index + 1, 99),
          name: `${code} Wallet`,
          currency: code,
          available_balance: { value: fixed(balance.free, 8), currency: code },
          hold: { value: fixed(balance.used, 8), currency: code },
          type: FIAT.has(code) ? 'ACCOUNT_TYPE_FIAT' : 'ACCOUNT_TYPE_CRYPTO',
          active: true,
          ready: true,
        }));
        return ok({ accounts, has_next: false, cursor: '', size: accounts.length });
      },
    },
    {
      key: 'coinbase.accountsV2',
      method: 'GET',
      path: '/v2/accounts',
      kind: 'private',
      ccxtMethods: ['fetchBalance', 'fetchAccounts'],
      handle: (_request, context) => {
        const data = [...context.book.balances].map(([code, balance], index) => ({
          id: uuidFrom(index + 1, 99),
          name: `${code} Wallet`,
          primary: true,
          type: 'wallet',
          balance: { amount: fixed(balance.free + balance.used, 8), currency: code },
          created_at: '2024-01-01T00:00:00Z',
          updated_at: new Date(context.nowMs).toISOString(),
          resource: 'account',
          resource_path: `/v2/accounts/${uuidFrom(index + 1, 99)}`,
          currency: { code, name: code, type: FIAT.has(code) ? 'fiat' : 'crypto' },
          allow_deposits: true,
          allow_withdrawals: true,
        }));
        return ok({ data, pagination: { ending_before: null, limit: String(data.length), next_starting_after: null, next_uri: null, order: 'desc', previous_ending_before: null, previous_uri: null, starting_after: null } });
      },
    },
    {
      key: 'coinbase.createOrder',
      method: 'POST',
      path: '/api/v3/brokerage/orders',
      kind: 'private',
      createsOrder: true,
      ccxtMethods: ['createOrder'],
      handle: async (request, context) => {
        const body = (request.json ?? {}) as { client_order_id?: string; product_id?: string; side?: string; order_configuration?: Record<string, Record<string, string | boolean>> };
        const market = marketOf(body.product_id, context);
        if (market === undefined) return ok({ success: false, failure_reason: 'UNKNOWN_FAILURE_REASON', error_response: { error: 'INVALID_PRODUCT_ID', message: 'Invalid product_id' } });
        const clientOrderId = body.client_order_id;
        const existing = clientOrderId === undefined || clientOrderId === '' ? undefined : context.book.byClientId(clientOrderId);
        const side = body.side?.toLowerCase();
        const marketIoc = body.order_configuration?.['market_market_ioc'];
        // ccxt sends a post-only limit as limit_limit_gtc with post_only true, an immediate-or-cancel one as sor_limit_ioc.
        const limitGtc = body.order_configuration?.['limit_limit_gtc'];
        const limitIoc = body.order_configuration?.['sor_limit_ioc'];
        const limit = limitGtc ?? limitIoc;
        if (existing === undefined) {
          if ((side !== 'buy' && side !== 'sell') || (marketIoc === undefined && limit === undefined)) {
            return ok({ success: false, failure_reason: 'UNKNOWN_FAILURE_REASON', error_response: { error: 'UNSUPPORTED_ORDER_CONFIGURATION', message: 'unsupported order configuration' } });
          }
        }
        const last = await context.universe.lastPrice(market.base, context.nowMs);
        const placing: PlaceRequest = {
          symbol: `${market.base}/${market.quote}`,
          base: market.base,
          quote: market.quote,
          side: side as 'buy' | 'sell',
          type: marketIoc !== undefined ? 'market' : 'limit',
          ...(marketIoc?.['quote_size'] !== undefined ? { quoteSize: Number(marketIoc['quote_size']) } : { amount: Number((marketIoc ?? limit)?.['base_size']) }),
          ...(limit !== undefined && { limitPrice: Number(limit['limit_price']) }),
          ...(clientOrderId !== undefined && clientOrderId !== '' && { clientOrderId }),
          ...(limitGtc?.['post_only'] === true && { postOnly: true }),
          ...(limitIoc !== undefined && { timeInForce: 'IOC' as const }),
        };
        if (existing === undefined && placing.postOnly === true && isMarketable(placing, last)) {
          // Advanced Trade refuses a post-only limit that would cross, creating nothing (NewOrderFailureReason).
          return ok({
            success: false,
            failure_reason: 'UNKNOWN_FAILURE_REASON',
            order_id: '',
            error_response: { error: 'INVALID_LIMIT_PRICE_POST_ONLY', message: 'Invalid limit price for post only order', error_details: '', new_order_failure_reason: 'INVALID_LIMIT_PRICE_POST_ONLY' },
            order_configuration: body.order_configuration,
          });
        }
        // Coinbase answers a repeated client_order_id with the order it already has instead of creating another.
        const order = existing ?? context.book.place(placing, last, context.nowMs);
        return ok({
          success: true,
          failure_reason: 'UNKNOWN_FAILURE_REASON',
          order_id: order.id,
          success_response: { order_id: order.id, product_id: productId(order.base, order.quote), side: order.side.toUpperCase(), client_order_id: order.clientOrderId ?? '' },
          order_configuration: body.order_configuration,
        });
      },
    },
    {
      key: 'coinbase.listOrders',
      method: 'GET',
      path: '/api/v3/brokerage/orders/historical/batch',
      kind: 'private',
      ccxtMethods: ['fetchOrders', 'fetchOpenOrders', 'fetchClosedOrders'],
      handle: (request, context) => {
        const products = productFilter(request);
        const statuses = request.params.getAll('order_status');
        const limit = Number(request.params.get('limit') ?? '100');
        const orders = [...context.book.listed]
          .reverse()
          .map(renderOrder)
          .filter((order) => (products.length === 0 || products.includes(String(order['product_id']))) && (statuses.length === 0 || statuses.includes(String(order['status']))))
          .slice(0, limit);
        return ok({ orders, sequence: '0', has_next: false, cursor: '' });
      },
    },
    {
      key: 'coinbase.fills',
      method: 'GET',
      path: '/api/v3/brokerage/orders/historical/fills',
      kind: 'private',
      ccxtMethods: ['fetchMyTrades'],
      handle: (request, context) => {
        const products = productFilter(request);
        const fills = context.book
          .trades()
          .reverse()
          .map((trade) => {
            const order = context.book.get(trade.orderId) as FakeOrder;
            return {
              ...fillTemplate,
              entry_id: `entry-${trade.id}`,
              trade_id: trade.id,
              order_id: trade.orderId,
              trade_time: new Date(trade.ts).toISOString(),
              trade_type: 'FILL',
              price: fixed(trade.price, 10),
              size: fixed(trade.amount, 8),
              commission: fixed(trade.fee, 10),
              product_id: productId(order.base, order.quote),
              sequence_timestamp: new Date(trade.ts).toISOString(),
              liquidity_indicator: trade.maker ? 'MAKER' : 'TAKER',
              size_in_quote: false,
              user_id: 'fake-user',
              side: trade.side.toUpperCase(),
            };
          })
          .filter((fill) => products.length === 0 || products.includes(fill.product_id));
        return ok({ fills, cursor: '' });
      },
    },
    {
      key: 'coinbase.getOrder',
      method: 'GET',
      path: /^\/api\/v3\/brokerage\/orders\/historical\/(?<order>[^/]+)$/,
      kind: 'private',
      ccxtMethods: ['fetchOrder'],
      handle: (request, context) => {
        const order = context.book.get(request.pathParams['order'] ?? '');
        if (order === undefined) return coinbaseError(404, 'NOT_FOUND', 'order with this orderID was not found');
        return ok({ order: renderOrder(order) });
      },
    },
    {
      key: 'coinbase.batchCancel',
      method: 'POST',
      path: '/api/v3/brokerage/orders/batch_cancel',
      kind: 'private',
      ccxtMethods: ['cancelOrder', 'cancelOrders'],
      handle: (request, context) => {
        const ids = ((request.json ?? {}) as { order_ids?: string[] }).order_ids ?? [];
        const results = ids.map((id) => {
          const order = context.book.get(id);
          if (order === undefined || order.status !== 'open') return { success: false, failure_reason: 'UNKNOWN_CANCEL_ORDER', order_id: id };
          context.book.cancel(order, context.nowMs);
          return { success: true, failure_reason: 'UNKNOWN_CANCEL_FAILURE_REASON', order_id: id };
        });
        return ok({ results });
      },
    },
  ];

  return {
    id: 'coinbase',
    routes,
    error: (status, code, message) => coinbaseError(status, status === 429 ? 'rate_limit_exceeded' : code, message),
    startingBalances: { USD: 100_000, USDC: 100_000, USDT: 100_000 },
    orderId: (seq) => uuidFrom(seq, 1),
    tradeId: (seq) => uuidFrom(seq, 2),
  };
}
