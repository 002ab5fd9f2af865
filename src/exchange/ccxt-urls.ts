/**
 * Points every API URL of a ccxt exchange at another origin, keeping each URL's path: binance's
 * 'https://api.binance.com/api/v3' becomes '<base>/api/v3', 'https://fapi.binance.com/fapi/v1' becomes
 * '<base>/fapi/v1', kraken's 'https://api.kraken.com' becomes '<base>'. ccxt's `urls.api` is a string, a map of
 * strings, or nested maps of them (per exchange), so the walk is recursive. Used for the loopback fake exchange;
 * hosts that share a path prefix would collide there, which none of the supported exchanges' spot APIs do.
 */
export function pointApiUrlsAt(api: unknown, baseUrl: string): unknown {
  const base = baseUrl.replace(/\/+$/, '');
  if (typeof api === 'string') return api.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]+/i, base);
  if (Array.isArray(api)) return api.map((item) => pointApiUrlsAt(item, base));
  if (api !== null && typeof api === 'object') {
    return Object.fromEntries(Object.entries(api).map(([key, value]) => [key, pointApiUrlsAt(value, base)]));
  }
  return api;
}
