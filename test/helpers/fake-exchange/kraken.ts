import type { Timeframe } from '../../../src/domain/market-types.js';
import type { FakeOrder, FakeTrade } from './book.js';
import { fixed, ok, priceDecimals } from './dialect.js';
import type { Dialect, DialectContext, FakeReply, FakeRequest, Route } from './dialect.js';
import { readRecorded } from './recorded.js';

/**
 * Kraken spot REST (api.kraken.com/0/...): the URLs ccxt's kraken class calls (ccxt/request/kraken.json), answered
 * in the shapes of the recorded replies (exchange-rest/kraken/http_*.json), for every pair of the fake's universe.
 * Kraken answers errors with HTTP 200 and {"error": ["EClass:Message"]}.
 */

// Kraken's legacy X/Z-prefixed asset ids and its own names (XBT, XDG) for a few codes.
const LEGACY_ASSET: Record<string, string> = { BTC: 'XXBT', ETH: 'XETH', LTC: 'XLTC', XRP: 'XXRP', DOGE: 'XXDG', XLM: 'XXLM', ETC: 'XETC' };
const FIAT_ASSET: Record<string, string> = { USD: 'ZUSD', EUR: 'ZEUR' };
const ALTNAME: Record<string, string> = { BTC: 'XBT', DOGE: 'XDG' };
const INTERVALS: Record<string, Timeframe> = { '1': '1m', '5': '5m', '15': '15m', '30': '30m', '60': '1h', '240': '4h', '1440': '1d' };
const KRAKEN_INTERVALS = ['1', '5', '15', '30', '60', '240', '1440', '10080', '21600'];
const MAX_OHLC = 720;
/** The `reason` of a canceled order; an immediate-or-cancel remainder's text is not known, so it has none. */
const CANCEL_REASON: Partial<Record<NonNullable<FakeOrder['canceledBy']>, string>> = { user: 'User requested', 'post-only': 'Post only order' };

export function krakenAssetId(code: string): string {
  return LEGACY_ASSET[code] ?? FIAT_ASSET[code] ?? code;
}

function altname(code: string): string {
  return ALTNAME[code] ?? code;
}

/** Pair id as Kraken lists it: legacy assets against fiat keep the prefixes (XXBTZUSD), the rest are plain (XBTUSDT). */
export function krakenPairId(base: string, quote: string): string {
  const legacyBase = LEGACY_ASSET[base];
  const fiatQuote = FIAT_ASSET[quote];
  return legacyBase !== undefined && fiatQuote !== undefined ? legacyBase + fiatQuote : altname(base) + altname(quote);
}

function krakenError(message: string): FakeReply {
  return ok({ error: [message], result: {} });
}

export function krakenDialect(): Dialect {
  const pairTemplate = readRecorded<{ result: Record<string, Record<string, unknown>> }>('exchange-rest/kraken/http_asset_pairs.json').result['XBTUSDT'] as Record<string, unknown>;
  const tickerTemplate = readRecorded<{ result: Record<string, Record<string, unknown>> }>('exchange-rest/kraken/http_ticker.json').result['XBTUSDT'] as Record<string, unknown>;
  const orderTemplate = Object.values(readRecorded<{ result: { open: Record<string, Record<string, unknown>> } }>('exchange-rest/kraken/http_open_orders.json').result.open)[0] as Record<string, unknown>;
  const tradeTemplate = Object.values(readRecorded<{ result: { trades: Record<string, Record<string, unknown>> } }>('exchange-rest/kraken/http_trades_history.json').result.trades)[0] as Record<string, unknown>;

  /** Pair id (and altname) to [base, quote]. */
  const pairs = (context: DialectContext): Map<string, { base: string; quote: string; id: string; alt: string }> => {
    const map = new Map<string, { base: string; quote: string; id: string; alt: string }>();
    for (const market of context.universe.markets) {
      const entry = { base: market.base, quote: market.quote, id: krakenPairId(market.base, market.quote), alt: altname(market.base) + altname(market.quote) };
      map.set(entry.id, entry);
      map.set(entry.alt, entry);
    }
    return map;
  };

  const renderOrder = (order: FakeOrder, withTrades: boolean): Record<string, unknown> => {
    const alt = altname(order.base) + altname(order.quote);
    const decimals = priceDecimals(order.limitPrice ?? order.stopPrice ?? (order.filled > 0 ? order.cost / order.filled : 1));
    // A stop-loss order's descr.price is its trigger ("sell 0.5 XBTUSD @ stop loss 49000.0").
    const limit = order.limitPrice !== undefined ? order.limitPrice.toFixed(decimals) : order.stopPrice !== undefined ? order.stopPrice.toFixed(decimals) : '0';
    const how = order.stopPrice !== undefined ? `stop loss ${limit}` : order.type === 'market' ? 'market' : `limit ${limit}`;
    const describe = `${order.side} ${order.amount.toFixed(8)} ${alt} @ ${how}`;
    return {
      ...orderTemplate,
      refid: null,
      userref: 0,
      cl_ord_id: order.clientOrderId ?? null,
      status: order.status,
      // A post-only order that would have taken liquidity is accepted, then canceled with this reason.
      reason: order.canceledBy === undefined ? null : (CANCEL_REASON[order.canceledBy] ?? null),
      opentm: order.createdAtMs / 1000,
      ...(order.status !== 'open' && { closetm: order.updatedAtMs / 1000 }),
      starttm: 0,
      expiretm: 0,
      descr: { pair: alt, type: order.side, ordertype: ordertypeOf(order), price: limit, price2: '0', leverage: 'none', order: describe, close: '' },
      vol: order.amount.toFixed(8),
      vol_exec: order.filled.toFixed(8),
      cost: fixed(order.cost, 8),
      fee: fixed(order.fee, 8),
      price: order.filled > 0 ? fixed(order.cost / order.filled, 10) : '0',
      stopprice: '0.00000',
      limitprice: '0.00000',
      misc: '',
      oflags: order.postOnly ? 'fciq,post' : 'fciq',
      ...(withTrades && order.trades.length > 0 && { trades: order.trades.map((trade) => trade.id) }),
    };
  };

  const renderTrade = (trade: FakeTrade, order: FakeOrder): Record<string, unknown> => ({
    ...tradeTemplate,
    ordertxid: trade.orderId,
    postxid: `P${trade.id.slice(1)}`,
    pair: krakenPairId(order.base, order.quote),
    time: trade.ts / 1000,
    type: trade.side,
    ordertype: ordertypeOf(order),
    price: fixed(trade.price, 10),
    cost: fixed(trade.cost, 10),
    fee: fixed(trade.fee, 10),
    vol: trade.amount.toFixed(8),
    margin: '0.00000',
    misc: '',
    maker: trade.maker,
  });

  const ordersMatching = (request: FakeRequest, context: DialectContext, open: boolean): Record<string, Record<string, unknown>> => {
    const clientId = request.params.get('cl_ord_id');
    const result: Record<string, Record<string, unknown>> = {};
    for (const order of [...context.book.listed].reverse()) {
      if ((order.status === 'open') !== open) continue;
      if (clientId !== null && order.clientOrderId !== clientId) continue;
      result[order.id] = renderOrder(order, request.params.get('trades') === 'true');
    }
    return result;
  };

  const routes: Route[] = [
    {
      key: 'kraken.Assets',
      method: 'GET',
      path: '/0/public/Assets',
      kind: 'markets',
      ccxtMethods: ['fetchCurrencies'],
      handle: (_request, context) => {
        const codes = new Set(context.universe.markets.flatMap((market) => [market.base, market.quote]));
        const result: Record<string, unknown> = {};
        for (const code of codes) {
          const fiat = FIAT_ASSET[code] !== undefined;
          result[krakenAssetId(code)] = { aclass: 'currency', altname: altname(code), decimals: fiat ? 4 : 10, display_decimals: fiat ? 2 : 5, collateral_value: 1, status: 'enabled' };
        }
        return ok({ error: [], result });
      },
    },
    {
      key: 'kraken.AssetPairs',
      method: 'GET',
      path: '/0/public/AssetPairs',
      kind: 'markets',
      ccxtMethods: ['fetchMarkets'],
      handle: async (_request, context) => {
        const result: Record<string, unknown> = {};
        for (const market of context.universe.markets) {
          const price = await context.universe.lastPrice(market.base, context.nowMs);
          const decimals = priceDecimals(price);
          result[krakenPairId(market.base, market.quote)] = {
            ...pairTemplate,
            altname: altname(market.base) + altname(market.quote),
            wsname: `${altname(market.base)}/${altname(market.quote)}`,
            base: krakenAssetId(market.base),
            quote: krakenAssetId(market.quote),
            pair_decimals: decimals,
            cost_decimals: 5,
            lot_decimals: 8,
            ordermin: fixed(5 / price, 8),
            costmin: '0.5',
            tick_size: fixed(10 ** -decimals, decimals),
            status: 'online',
          };
        }
        return ok({ error: [], result });
      },
    },
    {
      key: 'kraken.Ticker',
      method: 'GET',
      path: '/0/public/Ticker',
      kind: 'public',
      ccxtMethods: ['fetchTicker', 'fetchTickers'],
      handle: async (request, context) => {
        const known = pairs(context);
        const asked = request.params.get('pair');
        const wanted = asked === null ? [...new Set(known.values())] : asked.split(',').map((id) => known.get(id));
        const result: Record<string, unknown> = {};
        for (const entry of wanted) {
          if (entry === undefined) return krakenError('EQuery:Unknown asset pair');
          const ticker = await context.universe.ticker(entry.base, context.nowMs);
          const decimals = priceDecimals(ticker.last);
          const price = (value: number): string => value.toFixed(decimals);
          const baseVolume = ticker.quoteVolume / ticker.last;
          result[entry.id] = {
            ...tickerTemplate,
            a: [price(ticker.last * 1.0001), '1', '1.000'],
            b: [price(ticker.last * 0.9999), '1', '1.000'],
            c: [price(ticker.last), '0.01000000'],
            v: [(baseVolume / 2).toFixed(8), baseVolume.toFixed(8)],
            p: [price(ticker.last), price(ticker.last)],
            t: [1000, 2000],
            l: [price(ticker.low), price(ticker.low)],
            h: [price(ticker.high), price(ticker.high)],
            o: price(ticker.open),
          };
        }
        return ok({ error: [], result });
      },
    },
    {
      key: 'kraken.OHLC',
      method: 'GET',
      path: '/0/public/OHLC',
      kind: 'public',
      ccxtMethods: ['fetchOHLCV'],
      handle: async (request, context) => {
        const entry = pairs(context).get(request.params.get('pair') ?? '');
        if (entry === undefined) return krakenError('EQuery:Unknown asset pair');
        const interval = request.params.get('interval') ?? '1';
        if (!KRAKEN_INTERVALS.includes(interval)) return krakenError('EGeneral:Invalid arguments');
        const timeframe = INTERVALS[interval];
        if (timeframe === undefined) return krakenError('EGeneral:Invalid arguments'); // 1w and 15d: keel has no such candles
        // Only the newest 720 candles exist for Kraken's OHLC endpoint, the one in progress included.
        const all = await context.universe.candles(entry.base, timeframe, { limit: MAX_OHLC - 1, untilMs: context.nowMs + 1, nowMs: context.nowMs });
        const sinceS = Number(request.params.get('since') ?? '0');
        const intervalS = Number(interval) * 60;
        const rows = all
          .filter((candle) => candle.ts / 1000 + intervalS > sinceS)
          .map((candle) => {
            const decimals = priceDecimals(candle.close);
            const price = (value: number): string => value.toFixed(decimals);
            return [candle.ts / 1000, price(candle.open), price(candle.high), price(candle.low), price(candle.close), price((candle.high + candle.low + candle.close) / 3), candle.volume.toFixed(8), Math.round(candle.volume)];
          });
        const lastClosed = all.length > 1 ? (all[all.length - 2]?.ts ?? 0) / 1000 : 0;
        return ok({ error: [], result: { [entry.id]: rows, last: lastClosed } });
      },
    },
    {
      key: 'kraken.Time',
      method: 'GET',
      path: '/0/public/Time',
      kind: 'public',
      ccxtMethods: ['fetchTime'],
      handle: (_request, context) => ok({ error: [], result: { unixtime: Math.floor(context.nowMs / 1000), rfc1123: new Date(context.nowMs).toUTCString() } }),
    },
    {
      key: 'kraken.BalanceEx',
      method: 'POST',
      path: '/0/private/BalanceEx',
      kind: 'private',
      ccxtMethods: ['fetchBalance'],
      handle: (_request, context) => {
        const result: Record<string, unknown> = {};
        for (const [code, balance] of context.book.balances) {
          result[krakenAssetId(code)] = { balance: fixed(balance.free + balance.used, 10), hold_trade: fixed(balance.used, 10) };
        }
        return ok({ error: [], result });
      },
    },
    {
      key: 'kraken.AddOrder',
      method: 'POST',
      path: '/0/private/AddOrder',
      kind: 'private',
      createsOrder: true,
      ccxtMethods: ['createOrder'],
      handle: async (request, context) => {
        const entry = pairs(context).get(request.params.get('pair') ?? '');
        if (entry === undefined) return krakenError('EQuery:Unknown asset pair');
        const side = request.params.get('type');
        const ordertype = request.params.get('ordertype');
        const volume = Number(request.params.get('volume'));
        // ccxt sends a stop-market order as ordertype "stop-loss" with price = the trigger (the fake knows sell stops only).
        const stopPrice = ordertype === 'stop-loss' ? Number(request.params.get('price')) : undefined;
        if (stopPrice !== undefined && (side !== 'sell' || !(stopPrice > 0))) return krakenError('EGeneral:Invalid arguments');
        const type = ordertype === 'stop-loss' ? 'market' : ordertype;
        if ((side !== 'buy' && side !== 'sell') || (type !== 'market' && type !== 'limit') || !(volume > 0)) return krakenError('EGeneral:Invalid arguments');
        // ccxt sends a post-only order as oflags "post" and an immediate-or-cancel one as timeinforce "IOC".
        const postOnly = (request.params.get('oflags') ?? '').split(',').includes('post');
        const timeInForce = request.params.get('timeinforce') ?? 'GTC';
        if (timeInForce !== 'GTC' && timeInForce !== 'IOC') return krakenError('EGeneral:Invalid arguments');
        if ((postOnly || timeInForce === 'IOC') && (type !== 'limit' || stopPrice !== undefined || (postOnly && timeInForce === 'IOC'))) return krakenError('EGeneral:Invalid arguments');
        const clientOrderId = request.params.get('cl_ord_id') ?? undefined;
        // Kraken refuses a cl_ord_id only while another open order has it.
        if (clientOrderId !== undefined && context.book.openWithClientId(clientOrderId) !== undefined) return krakenError('EOrder:Duplicate order');
        const limitPrice = type === 'limit' ? Number(request.params.get('price')) : undefined;
        const price = await context.universe.lastPrice(entry.base, context.nowMs);
        if (context.book.shortfall({ side, base: entry.base, quote: entry.quote, amount: volume }, limitPrice ?? price) > 0) return krakenError('EOrder:Insufficient funds');
        const order = context.book.place({ symbol: `${entry.base}/${entry.quote}`, base: entry.base, quote: entry.quote, side, type, amount: volume, ...(limitPrice !== undefined && { limitPrice }), ...(clientOrderId !== undefined && { clientOrderId }), postOnly, ...(timeInForce === 'IOC' && { timeInForce: 'IOC' as const }), ...(stopPrice !== undefined && { stopPrice }) }, price, context.nowMs);
        const descr = (renderOrder(order, false)['descr'] as { order: string }).order;
        return ok({ error: [], result: { descr: { order: descr }, txid: [order.id] } });
      },
    },
    {
      key: 'kraken.QueryOrders',
      method: 'POST',
      path: '/0/private/QueryOrders',
      kind: 'private',
      ccxtMethods: ['fetchOrder'],
      handle: (request, context) => {
        const result: Record<string, unknown> = {};
        for (const id of (request.params.get('txid') ?? '').split(',')) {
          const order = context.book.get(id);
          if (order === undefined) return krakenError('EOrder:Invalid order');
          result[id] = renderOrder(order, request.params.get('trades') === 'true');
        }
        return ok({ error: [], result });
      },
    },
    {
      key: 'kraken.OpenOrders',
      method: 'POST',
      path: '/0/private/OpenOrders',
      kind: 'private',
      ccxtMethods: ['fetchOpenOrders'],
      handle: (request, context) => ok({ error: [], result: { open: ordersMatching(request, context, true) } }),
    },
    {
      key: 'kraken.ClosedOrders',
      method: 'POST',
      path: '/0/private/ClosedOrders',
      kind: 'private',
      ccxtMethods: ['fetchClosedOrders'],
      handle: (request, context) => {
        const closed = ordersMatching(request, context, false);
        return ok({ error: [], result: { closed, count: Object.keys(closed).length } });
      },
    },
    {
      key: 'kraken.CancelOrder',
      method: 'POST',
      path: '/0/private/CancelOrder',
      kind: 'private',
      ccxtMethods: ['cancelOrder'],
      handle: (request, context) => {
        const clientId = request.params.get('cl_ord_id');
        const txid = request.params.get('txid');
        const order = clientId !== null ? context.book.openWithClientId(clientId) : txid !== null ? context.book.get(txid) : undefined;
        if (order === undefined || order.status !== 'open') return krakenError('EOrder:Unknown order');
        context.book.cancel(order, context.nowMs);
        return ok({ error: [], result: { count: 1 } });
      },
    },
    {
      key: 'kraken.TradesHistory',
      method: 'POST',
      path: '/0/private/TradesHistory',
      kind: 'private',
      ccxtMethods: ['fetchMyTrades'],
      handle: (request, context) => {
        const startS = Number(request.params.get('start') ?? '0');
        const trades: Record<string, unknown> = {};
        for (const trade of context.book.trades().reverse()) {
          const order = context.book.get(trade.orderId);
          if (order === undefined || trade.ts / 1000 < startS) continue;
          trades[trade.id] = renderTrade(trade, order);
        }
        return ok({ error: [], result: { trades, count: Object.keys(trades).length } });
      },
    },
  ];

  return {
    id: 'kraken',
    routes,
    error: (status, code, message) => ({ status, body: { error: [status === 429 ? 'EAPI:Rate limit exceeded' : `EGeneral:${code} ${message}`], result: {} } }),
    startingBalances: { USD: 100_000, USDT: 100_000 },
    orderId: (seq) => `O${base36(seq, 5)}-${base36(seq * 7919, 5)}-${base36(seq * 104729, 6)}`,
    tradeId: (seq) => `T${base36(seq, 5)}-${base36(seq * 31, 5)}-${base36(seq * 977, 6)}`,
  };
}

/** Kraken's ordertype of an order: a stop-market sell is "stop-loss". */
function ordertypeOf(order: FakeOrder): string {
  return order.stopPrice !== undefined ? 'stop-loss' : order.type;
}

function base36(value: number, width: number): string {
  return value.toString(36).toUpperCase().padStart(width, 'A').slice(-width);
}
