import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { KeelError } from '../../../src/domain/errors.js';
import type { ErrorCode } from '../../../src/domain/errors.js';
import { translateCcxtError } from '../../../src/exchange/ccxt-errors.js';
import { redactSecrets } from '../../../src/exchange/redact-secrets.js';
import { parseRetryAfterMs } from '../../../src/exchange/retry-hint.js';

const cases: Array<[string, Error, ErrorCode, boolean]> = [
  ['RateLimitExceeded', new ccxt.RateLimitExceeded('binance 429 Too Many Requests'), 'RateLimitExceeded', true],
  ['DDoSProtection', new ccxt.DDoSProtection('kraken EAPI:Rate limit exceeded'), 'DDoSProtection', true],
  ['RequestTimeout', new ccxt.RequestTimeout('kraken GET https://api.kraken.com/0/public/Ticker request timed out (10000 ms)'), 'RequestTimeout', true],
  ['ExchangeNotAvailable', new ccxt.ExchangeNotAvailable('binance 503 Service Unavailable'), 'ExchangeNotAvailable', true],
  ['OnMaintenance', new ccxt.OnMaintenance('kraken system status: maintenance'), 'ExchangeNotAvailable', true],
  ['InvalidNonce', new ccxt.InvalidNonce('kraken EAPI:Invalid nonce'), 'NetworkError', true],
  ['NetworkError', new ccxt.NetworkError('socket hang up'), 'NetworkError', true],
  ['CancelPending', new ccxt.CancelPending('order cancel pending'), 'NetworkError', true],
  ['AuthenticationError', new ccxt.AuthenticationError('binance {"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}'), 'AuthenticationError', false],
  ['PermissionDenied', new ccxt.PermissionDenied('kraken EGeneral:Permission denied'), 'PermissionDenied', false],
  ['AccountSuspended', new ccxt.AccountSuspended('account suspended'), 'PermissionDenied', false],
  ['InsufficientFunds', new ccxt.InsufficientFunds('binance Account has insufficient balance for requested action.'), 'InsufficientFunds', false],
  ['OrderNotFound', new ccxt.OrderNotFound('binance Order does not exist.'), 'OrderNotFound', false],
  ['OrderNotCached', new ccxt.OrderNotCached('order not cached'), 'OrderNotFound', false],
  ['InvalidOrder', new ccxt.InvalidOrder('binance Filter failure: LOT_SIZE'), 'InvalidOrder', false],
  ['DuplicateOrderId', new ccxt.DuplicateOrderId('Duplicate order sent.'), 'InvalidOrder', false],
  ['BadSymbol', new ccxt.BadSymbol('binance does not have market symbol FOO/USDT'), 'BadSymbol', false],
  ['BadRequest', new ccxt.BadRequest('binance {"code":-1100,"msg":"Illegal characters found in parameter"}'), 'BadRequest', false],
  ['ArgumentsRequired', new ccxt.ArgumentsRequired('fetchOrder() requires a symbol argument'), 'BadRequest', false],
  ['BadResponse', new ccxt.BadResponse('kraken returned an unparsable reply'), 'BadResponse', false],
  ['NullResponse', new ccxt.NullResponse('empty reply'), 'BadResponse', false],
  ['NotSupported', new ccxt.NotSupported('fetchOHLCV() is not supported yet'), 'NotSupported', false],
  ['MarketClosed', new ccxt.MarketClosed('market closed'), 'ExchangeError', false],
  ['ExchangeError', new ccxt.ExchangeError('binance {"code":-1000,"msg":"An unknown error occurred"}'), 'ExchangeError', false],
  ['BaseError', new ccxt.BaseError('something ccxt-specific'), 'ExchangeError', false],
];

describe('translateCcxtError', () => {
  it.each(cases)('maps ccxt %s to its keel code and retryability', (_name, error, code, retryable) => {
    const translated = translateCcxtError(error, 'fetchTickers binance');
    expect(translated).toBeInstanceOf(KeelError);
    expect(translated.code).toBe(code);
    expect(translated.retryable).toBe(retryable);
    expect(translated.message).toBe(`fetchTickers binance: ${error.message}`);
  });

  it('gives rate limits a wait: the server hint when there is one, else a default', () => {
    expect(translateCcxtError(new ccxt.RateLimitExceeded('binance 429'), 'x').retryAfterMs).toBe(1000);
    expect(translateCcxtError(new ccxt.DDoSProtection('cloudflare'), 'x').retryAfterMs).toBe(5000);
    expect(translateCcxtError(new ccxt.OnMaintenance('down'), 'x').retryAfterMs).toBe(30_000);
    expect(translateCcxtError(new ccxt.RateLimitExceeded('binance 429 Too Many Requests Retry-After: 7'), 'x').retryAfterMs).toBe(7000);
    expect(translateCcxtError(new ccxt.DDoSProtection('{"error":"slow down","retry_after":1.5}'), 'x').retryAfterMs).toBe(1500);
    expect(translateCcxtError(new ccxt.RequestTimeout('timed out'), 'x').retryAfterMs).toBeUndefined();
  });

  it('maps errors from outside ccxt: network failures retry, malformed replies do not, the rest is Internal', () => {
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) });
    expect(translateCcxtError(refused, 'x')).toMatchObject({ code: 'NetworkError', retryable: true });
    expect(translateCcxtError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'x').code).toBe('NetworkError');
    expect(translateCcxtError(new DOMException('The operation was aborted due to timeout', 'TimeoutError'), 'x').code).toBe('RequestTimeout');
    expect(translateCcxtError(new TypeError("Cannot read properties of undefined (reading 'result')"), 'x')).toMatchObject({ code: 'BadResponse', retryable: false });
    expect(translateCcxtError(new SyntaxError('Unexpected token < in JSON at position 0'), 'x').code).toBe('BadResponse');
    expect(translateCcxtError(new Error('boom'), 'x')).toMatchObject({ code: 'Internal', retryable: false, message: 'x: boom' });
    expect(translateCcxtError('a string', 'x').message).toBe('x: a string');
    const keel = new KeelError('BadSymbol', 'already translated');
    expect(translateCcxtError(keel, 'x')).toBe(keel);
  });

  it('never lets credentials through and keeps messages short', () => {
    const leaky = new ccxt.AuthenticationError(
      'binance GET https://api.binance.com/api/v3/account?timestamp=1700000000000&recvWindow=5000&signature=9f86d081884c7d659a2feaa0c55ad015 ' +
        '{"apiKey":"vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"} secret=ABCDEF123456',
    );
    const message = translateCcxtError(leaky, 'fetchBalance binance', { secrets: ['MySecretKey123'] }).message;
    expect(message).not.toContain('9f86d081884c7d659a2feaa0c55ad015');
    expect(message).not.toContain('vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A');
    expect(message).not.toContain('ABCDEF123456');
    expect(message).toContain('signature=***');
    expect(redactSecrets('key MySecretKey123 leaked', ['MySecretKey123'])).toBe('key *** leaked');

    const long = translateCcxtError(new ccxt.ExchangeError(`kraken ${'x'.repeat(2000)}`), 'fetchOHLCV kraken BTC/USDT');
    expect(long.message.length).toBe(500);
    expect(long.message.endsWith('...')).toBe(true);
  });
});

describe('parseRetryAfterMs', () => {
  it('reads seconds, milliseconds and Binance ban times', () => {
    expect(parseRetryAfterMs('Retry-After: 30')).toBe(30_000);
    expect(parseRetryAfterMs('retry after 1500 ms')).toBe(1500);
    expect(parseRetryAfterMs('"retryAfter": 2500')).toBe(2500); // above 600 a bare number is milliseconds
    expect(parseRetryAfterMs('IP banned until 1700000060000. Please use websocket', 1_700_000_000_000)).toBe(60_000);
    expect(parseRetryAfterMs('Retry-After: 999999 seconds')).toBe(3_600_000);
    expect(parseRetryAfterMs('no hint here')).toBeUndefined();
  });
});
