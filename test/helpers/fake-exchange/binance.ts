import type { Timeframe } from '../../../src/domain/market-types.js';
import { timeframeMs } from '../../../src/domain/market-types.js';
import { isMarketable } from './book.js';
import type { FakeOrder, PlaceRequest } from './book.js';
import { fixed, ok, priceDecimals } from './dialect.js';
import type { Dialect, DialectContext, FakeReply, FakeRequest, Route } from './dialect.js';
import { recordedReply } from './recorded.js';

/**
 * Binance spot REST (api.binance.com/api/v3/...): the endpoints ccxt's binance class calls for spot, in the shapes of
 * the replies recorded in ccxt/response/binance.json. No exchangeInfo is recorded, so it is built here in Binance's
 * documented shape. Errors are HTTP 400 with {"code": -NNNN, "msg": ...}.
 */

const INTERVALS: Record<string, Timeframe> = { '1m': '1m', '5m': '5m', '15m': '15m', '30m': '30m', '1h': '1h', '4h': '4h', '1d': '1d' };
const MAX_KLINES = 1000;
/** GET /api/v3/myTrades: limit default 500, max 1000. */
const MAX_MY_TRADES = 1000;

function binanceError(code: number, msg: string, status = 400): FakeReply {
  return { status, body: { code, msg } };
}

const eight = (value: number): string => value.toFixed(8);

/** Binance's order status: an immediate-or-cancel order's unfilled rest EXPIRES (the account did not cancel it). */
function statusOf(order: FakeOrder): string {
  if (order.status === 'open') return order.filled > 0 ? 'PARTIALLY_FILLED' : 'NEW';
  if (order.status === 'closed') return 'FILLED';
  return order.canceledBy === 'ioc' ? 'EXPIRED' : 'CANCELED';
}

export function binanceDialect(): Dialect {
  const tickerTemplate = recordedReply('binance', 'fetchTicker');
  const orderTemplate = recordedReply('binance', 'fetchOrder');
  const createTemplate = recordedReply('binance', 'createOrder');
  const tradeTemplate = (recordedReply<Record<string, unknown>[]>('binance', 'fetchMyTrades'))[0] as Record<string, unknown>;
  const accountTemplate = recordedReply('binance', 'fetchBalance');

  const marketOf = (id: string | null, context: DialectContext): { base: string; quote: string } | undefined => {
    if (id === null) return undefined;
    for (const quote of context.universe.quotes) {
      if (id.endsWith(quote)) {
        const base = id.slice(0, -quote.length);
        if (context.universe.has(base, quote)) return { base, quote };
      }
    }
    return undefined;
  };

  const renderOrder = (order: FakeOrder): Record<string, unknown> => ({
    ...orderTemplate,
    symbol: order.base + order.quote,
    orderId: Number(order.id),
    orderListId: -1,
    clientOrderId: order.clientOrderId ?? `fake${order.seq}`,
    price: eight(order.limitPrice ?? 0),
    origQty: eight(order.amount),
    executedQty: eight(order.filled),
    cummulativeQuoteQty: eight(order.cost),
    status: statusOf(order),
    timeInForce: order.timeInForce,
    type: order.stopPrice !== undefined ? 'STOP_LOSS' : order.postOnly ? 'LIMIT_MAKER' : order.type.toUpperCase(),
    side: order.side.toUpperCase(),
    stopPrice: eight(order.stopPrice ?? 0),
    icebergQty: '0.00000000',
    time: order.createdAtMs,
    updateTime: order.updatedAtMs,
    // A stop is not working (not on the book) until it triggers.
    isWorking: order.stopPrice === undefined || order.filled > 0,
    workingTime: order.createdAtMs,
    origQuoteOrderQty: eight(order.quoteSize ?? 0),
    selfTradePreventionMode: 'EXPIRE_MAKER',
  });

  const findOrder = (request: FakeRequest, context: DialectContext): FakeOrder | undefined => {
    const clientId = request.params.get('origClientOrderId');
    const id = request.params.get('orderId');
    const order = clientId !== null ? context.book.byClientId(clientId) : id !== null ? context.book.get(id) : undefined;
    return order !== undefined && order.base + order.quote === request.params.get('symbol') ? order : undefined;
  };

  const routes: Route[] = [
    {
      key: 'binance.exchangeInfo',
      method: 'GET',
      path: '/api/v3/exchangeInfo',
      kind: 'markets',
      ccxtMethods: ['fetchMarkets'],
      handle: async (_request, context) => {
        const symbols: Record<string, unknown>[] = [];
        for (const market of context.universe.markets) {
          const price = await context.universe.lastPrice(market.base, context.nowMs);
          const decimals = priceDecimals(price, 7);
          symbols.push({
            symbol: market.base + market.quote,
            status: 'TRADING',
            baseAsset: market.base,
            baseAssetPrecision: 8,
            quoteAsset: market.quote,
            quotePrecision: 8,
            quoteAssetPrecision: 8,
            baseCommissionPrecision: 8,
            quoteCommissionPrecision: 8,
            orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT', 'TAKE_PROFIT_LIMIT'],
            icebergAllowed: true,
            ocoAllowed: true,
            otoAllowed: true,
            quoteOrderQtyMarketAllowed: true,
            allowTrailingStop: true,
            cancelReplaceAllowed: true,
            isSpotTradingAllowed: true,
            isMarginTradingAllowed: false,
            filters: [
              { filterType: 'PRICE_FILTER', minPrice: fixed(10 ** -decimals, decimals), maxPrice: '1000000.00000000', tickSize: fixed(10 ** -decimals, decimals) },
              { filterType: 'LOT_SIZE', minQty: '0.00000100', maxQty: '9000000.00000000', stepSize: '0.00000100' },
              { filterType: 'ICEBERG_PARTS', limit: 10 },
              { filterType: 'MARKET_LOT_SIZE', minQty: '0.00000000', maxQty: '100000.00000000', stepSize: '0.00000000' },
              { filterType: 'NOTIONAL', minNotional: '5.00000000', applyMinToMarket: true, maxNotional: '9000000.00000000', applyMaxToMarket: false, avgPriceMins: 5 },
              { filterType: 'MAX_NUM_ORDERS', maxNumOrders: 200 },
            ],
            permissions: [],
            permissionSets: [['SPOT']],
            defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
            allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
          });
        }
        return ok({
          timezone: 'UTC',
          serverTime: context.nowMs,
          rateLimits: [
            { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
            { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
            { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
          ],
          exchangeFilters: [],
          symbols,
        });
      },
    },
    {
      key: 'binance.time',
      method: 'GET',
      path: '/api/v3/time',
      kind: 'public',
      ccxtMethods: ['fetchTime'],
      handle: (_request, context) => ok({ serverTime: context.nowMs }),
    },
    {
      key: 'binance.ticker24hr',
      method: 'GET',
      path: '/api/v3/ticker/24hr',
      kind: 'public',
      ccxtMethods: ['fetchTicker', 'fetchTickers'],
      handle: async (request, context) => {
        const single = request.params.get('symbol');
        const list = request.params.get('symbols');
        const ids = single !== null ? [single] : list !== null ? (JSON.parse(list) as string[]) : context.universe.markets.map((market) => market.base + market.quote);
        const tickers: Record<string, unknown>[] = [];
        for (const id of ids) {
          const market = marketOf(id, context);
          if (market === undefined) return binanceError(-1121, 'Invalid symbol.');
          const ticker = await context.universe.ticker(market.base, context.nowMs);
          const decimals = priceDecimals(ticker.last, 7);
          const price = (value: number): string => value.toFixed(decimals);
          tickers.push({
            ...tickerTemplate,
            symbol: id,
            priceChange: price(ticker.last - ticker.open),
            priceChangePercent: ((ticker.last / ticker.open - 1) * 100).toFixed(3),
            weightedAvgPrice: price(ticker.last),
            prevClosePrice: price(ticker.open),
            lastPrice: price(ticker.last),
            lastQty: '0.01000000',
            bidPrice: price(ticker.last * 0.9999),
            bidQty: '1.00000000',
            askPrice: price(ticker.last * 1.0001),
            askQty: '1.00000000',
            openPrice: price(ticker.open),
            highPrice: price(ticker.high),
            lowPrice: price(ticker.low),
            volume: eight(ticker.quoteVolume / ticker.last),
            quoteVolume: eight(ticker.quoteVolume),
            openTime: context.nowMs - 86_400_000,
            closeTime: context.nowMs,
            firstId: 1,
            lastId: 1000,
            count: 1000,
          });
        }
        return ok(single !== null ? tickers[0] : tickers);
      },
    },
    {
      key: 'binance.klines',
      method: 'GET',
      path: '/api/v3/klines',
      kind: 'public',
      ccxtMethods: ['fetchOHLCV'],
      handle: async (request, context) => {
        const market = marketOf(request.params.get('symbol'), context);
        if (market === undefined) return binanceError(-1121, 'Invalid symbol.');
        const timeframe = INTERVALS[request.params.get('interval') ?? ''];
        if (timeframe === undefined) return binanceError(-1120, 'Invalid interval.');
        const limit = Number(request.params.get('limit') ?? '500');
        if (!Number.isInteger(limit) || limit < 1 || limit > MAX_KLINES) return binanceError(-1100, `Illegal characters found in parameter 'limit'; legal range is '1-${MAX_KLINES}'.`);
        const start = request.params.get('startTime');
        const end = request.params.get('endTime');
        const untilMs = end === null ? context.nowMs + 1 : Number(end) + 1;
        // Without startTime Binance answers the newest candles, the one in progress included.
        const candles = await context.universe.candles(market.base, timeframe, { ...(start !== null && { sinceMs: Number(start) }), limit: start === null ? limit - 1 : limit, untilMs, nowMs: context.nowMs });
        const tfMs = timeframeMs(timeframe);
        const rows = candles.slice(0, limit).map((candle) => {
          const decimals = priceDecimals(candle.close, 7);
          const price = (value: number): string => value.toFixed(decimals);
          return [candle.ts, price(candle.open), price(candle.high), price(candle.low), price(candle.close), eight(candle.volume), candle.ts + tfMs - 1, eight(candle.volume * candle.close), Math.round(candle.volume), eight(candle.volume / 2), eight((candle.volume * candle.close) / 2), '0'];
        });
        return ok(rows);
      },
    },
    {
      key: 'binance.account',
      method: 'GET',
      path: '/api/v3/account',
      kind: 'private',
      ccxtMethods: ['fetchBalance'],
      handle: (_request, context) =>
        ok({
          ...accountTemplate,
          updateTime: context.nowMs,
          balances: [...context.book.balances].map(([asset, balance]) => ({ asset, free: eight(balance.free), locked: eight(balance.used) })),
        }),
    },
    {
      key: 'binance.createOrder',
      method: 'POST',
      path: '/api/v3/order',
      kind: 'private',
      createsOrder: true,
      ccxtMethods: ['createOrder'],
      handle: async (request, context) => {
        const market = marketOf(request.params.get('symbol'), context);
        if (market === undefined) return binanceError(-1121, 'Invalid symbol.');
        const side = request.params.get('side')?.toLowerCase();
        const type = request.params.get('type')?.toLowerCase();
        // ccxt sends a post-only order as type LIMIT_MAKER, an immediate-or-cancel one as timeInForce IOC, and a
        // stop-market one as type STOP_LOSS with stopPrice (the fake knows sell stops only).
        if ((side !== 'buy' && side !== 'sell') || (type !== 'market' && type !== 'limit' && type !== 'limit_maker' && type !== 'stop_loss')) return binanceError(-1116, 'Invalid orderType.');
        const timeInForce = request.params.get('timeInForce');
        if (type === 'limit' && timeInForce !== 'GTC' && timeInForce !== 'IOC') return binanceError(-1102, "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed.");
        const stopPrice = type === 'stop_loss' ? Number(request.params.get('stopPrice')) : undefined;
        if (stopPrice !== undefined && !(stopPrice > 0)) return binanceError(-1102, "Mandatory parameter 'stopPrice' was not sent, was empty/null, or malformed.");
        if (stopPrice !== undefined && (side !== 'sell' || timeInForce !== null)) return binanceError(-1106, 'Parameter was sent when not required.');
        const clientOrderId = request.params.get('newClientOrderId') ?? undefined;
        if (clientOrderId !== undefined && !/^[.A-Z:/a-z0-9_-]{1,36}$/.test(clientOrderId)) {
          return binanceError(-1100, "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.");
        }
        // Binance refuses a newClientOrderId only while an open order has it; once filled, the id is free again.
        if (clientOrderId !== undefined && context.book.openWithClientId(clientOrderId) !== undefined) return binanceError(-2010, 'Duplicate order sent.');
        const quantity = request.params.get('quantity');
        const quoteQty = request.params.get('quoteOrderQty');
        const price = request.params.get('price');
        const placing: PlaceRequest = {
          symbol: `${market.base}/${market.quote}`,
          base: market.base,
          quote: market.quote,
          side,
          type: type === 'market' || type === 'stop_loss' ? 'market' : 'limit',
          ...(quantity !== null ? { amount: Number(quantity) } : { quoteSize: Number(quoteQty) }),
          ...((type === 'limit' || type === 'limit_maker') && price !== null && { limitPrice: Number(price) }),
          ...(clientOrderId !== undefined && { clientOrderId }),
          ...(type === 'limit_maker' && { postOnly: true }),
          ...(timeInForce === 'IOC' && { timeInForce: 'IOC' as const }),
          ...(stopPrice !== undefined && { stopPrice }),
        };
        const last = await context.universe.lastPrice(market.base, context.nowMs);
        // A LIMIT_MAKER that would trade at once is refused whole: nothing is created.
        if (placing.postOnly === true && isMarketable(placing, last)) return binanceError(-2010, 'Order would immediately match and take.');
        // So is a sell stop whose trigger the price has already reached.
        if (stopPrice !== undefined && stopPrice >= last) return binanceError(-2010, 'Stop price would trigger immediately.');
        const order = context.book.place(placing, last, context.nowMs);
        const rendered = renderOrder(order);
        const reply: Record<string, unknown> = { ...createTemplate, ...rendered, transactTime: order.createdAtMs };
        delete reply['time'];
        delete reply['updateTime'];
        delete reply['isWorking'];
        if (request.params.get('newOrderRespType') === 'FULL') {
          reply['fills'] = order.trades.map((trade) => ({ price: eight(trade.price), qty: eight(trade.amount), commission: eight(trade.fee), commissionAsset: trade.feeAsset, tradeId: Number(trade.id) }));
        } else {
          delete reply['fills'];
        }
        return ok(reply);
      },
    },
    {
      key: 'binance.getOrder',
      method: 'GET',
      path: '/api/v3/order',
      kind: 'private',
      ccxtMethods: ['fetchOrder'],
      handle: (request, context) => {
        const order = findOrder(request, context);
        return order === undefined ? binanceError(-2013, 'Order does not exist.') : ok(renderOrder(order));
      },
    },
    {
      key: 'binance.cancelOrder',
      method: 'DELETE',
      path: '/api/v3/order',
      kind: 'private',
      ccxtMethods: ['cancelOrder'],
      handle: (request, context) => {
        const order = findOrder(request, context);
        if (order === undefined || order.status !== 'open') return binanceError(-2011, 'Unknown order sent.');
        context.book.cancel(order, context.nowMs);
        const rendered = renderOrder(order);
        return ok({ ...rendered, origClientOrderId: rendered['clientOrderId'], clientOrderId: `cancel${order.seq}`, transactTime: context.nowMs });
      },
    },
    {
      key: 'binance.openOrders',
      method: 'GET',
      path: '/api/v3/openOrders',
      kind: 'private',
      ccxtMethods: ['fetchOpenOrders'],
      handle: (request, context) => {
        const symbol = request.params.get('symbol');
        return ok(context.book.listed.filter((order) => order.status === 'open' && (symbol === null || order.base + order.quote === symbol)).map(renderOrder));
      },
    },
    {
      key: 'binance.allOrders',
      method: 'GET',
      path: '/api/v3/allOrders',
      kind: 'private',
      ccxtMethods: ['fetchOrders', 'fetchClosedOrders'],
      handle: (request, context) => {
        const symbol = request.params.get('symbol');
        return ok(context.book.listed.filter((order) => order.base + order.quote === symbol).map(renderOrder));
      },
    },
    {
      key: 'binance.myTrades',
      method: 'GET',
      path: '/api/v3/myTrades',
      kind: 'private',
      ccxtMethods: ['fetchMyTrades', 'fetchOrderTrades'],
      handle: (request, context) => {
        const symbol = request.params.get('symbol');
        if (symbol === null) return binanceError(-1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.");
        if (marketOf(symbol, context) === undefined) return binanceError(-1121, 'Invalid symbol.');
        const orderId = request.params.get('orderId');
        const startTime = request.params.get('startTime');
        const endTime = request.params.get('endTime');
        // Binance takes orderId with symbol alone (or with fromId), never with a time range.
        if (orderId !== null && (startTime !== null || endTime !== null)) return binanceError(-1128, 'Combination of optional parameters invalid.');
        const limit = Number(request.params.get('limit') ?? '500');
        if (!Number.isInteger(limit) || limit < 1 || limit > MAX_MY_TRADES) return binanceError(-1100, `Illegal characters found in parameter 'limit'; legal range is '1-${MAX_MY_TRADES}'.`);
        const trades = context.book
          .trades()
          .filter((trade) => (orderId === null || trade.orderId === orderId) && trade.ts >= Number(startTime ?? '0') && (endTime === null || trade.ts <= Number(endTime)))
          .flatMap((trade) => {
            const order = context.book.get(trade.orderId) as FakeOrder;
            if (order.base + order.quote !== symbol) return [];
            return [
              {
                ...tradeTemplate,
                symbol,
                id: Number(trade.id),
                orderId: Number(trade.orderId),
                orderListId: -1,
                price: eight(trade.price),
                qty: eight(trade.amount),
                quoteQty: eight(trade.cost),
                commission: eight(trade.fee),
                commissionAsset: trade.feeAsset,
                time: trade.ts,
                isBuyer: trade.side === 'buy',
                isMaker: trade.maker,
                isBestMatch: true,
              },
            ];
          });
        // Without fromId, the newest `limit` trades, oldest first.
        return ok(trades.slice(-limit));
      },
    },
  ];

  return {
    id: 'binance',
    routes,
    error: (status, _code, message) =>
      status === 429 ? binanceError(-1003, 'Too many requests; current limit of IP is 6000 requests per minute.', 429) : binanceError(-1000, message, status),
    startingBalances: { USDT: 100_000 },
    orderId: (seq) => String(3_000_000_000 + seq),
    tradeId: (seq) => String(300_000_000 + seq),
  };
}
