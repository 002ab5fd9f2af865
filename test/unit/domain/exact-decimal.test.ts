import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dec, decimalString } from '../../../src/domain/decimal-math.js';
import { Exact, NEEDS_DECIMAL, exactOf, exactOfNumber } from '../../../src/domain/exact-decimal.js';
import type { OrderState } from '../../../src/domain/market-types.js';
import { bookingOf, decimalBooking, decimalEquity, portfolioEquity } from '../../../src/domain/portfolio-accounting.js';
import { closedTrades, decimalTrades } from '../../../src/domain/backtest-trades.js';
import type { BacktestOrder } from '../../../src/domain/backtest-types.js';
import type { PortfolioSnapshot } from '../../../src/domain/portfolio-types.js';

/*
 * Exact is a fast path for Dec: wherever it answers, its digits must be Dec's, and wherever Dec would round (more
 * than 40 significant digits), it must refuse (NEEDS_DECIMAL) so the caller computes in Dec. Texts range from
 * everyday money to 45-digit values that force the fallback.
 */

/** Decimal text: a mantissa of 1-45 digits at 0-30 decimal places, sometimes negative or in exponent form. */
const decimalText = fc
  .record({
    digits: fc.stringMatching(/^[1-9][0-9]{0,44}$/),
    places: fc.integer({ min: 0, max: 30 }),
    negative: fc.boolean(),
    exponent: fc.option(fc.integer({ min: -12, max: 12 }), { nil: undefined }),
  })
  .map(({ digits, places, negative, exponent }) => {
    const padded = digits.padStart(places + 1, '0');
    const plain = places === 0 ? padded : `${padded.slice(0, -places)}.${padded.slice(-places)}`;
    return `${negative ? '-' : ''}${plain}${exponent === undefined ? '' : `e${exponent}`}`;
  });

/** Positive numbers as prices come: from 1e-9 to 1e9, any double in between (exponent form included). */
const price = fc.double({ min: 1e-9, max: 1e9, noNaN: true });
/** Positive amounts with up to 8 decimals, as exchanges take them, and some long ones. */
const amount = fc.oneof(
  fc.integer({ min: 1, max: 10 ** 12 }).map((units) => decimalString(new Dec(units).div(1e8))),
  decimalText.filter((text) => !text.startsWith('-')),
);

function exactOrRefusal(compute: () => string): string {
  try {
    return compute();
  } catch (error) {
    if (error === NEEDS_DECIMAL) return 'NEEDS_DECIMAL';
    throw error;
  }
}

describe('Exact', () => {
  it("gives Dec's digits for +, -, x and comparisons wherever it answers", () => {
    fc.assert(
      fc.property(decimalText, decimalText, (a, b) => {
        const x = new Dec(a);
        const y = new Dec(b);
        const cases: Array<[() => string, Dec]> = [
          [() => exactOf(a).plus(exactOf(b)).toString(), x.plus(y)],
          [() => exactOf(a).minus(exactOf(b)).toString(), x.minus(y)],
          [() => exactOf(a).times(exactOf(b)).toString(), x.times(y)],
        ];
        for (const [exact, decimal] of cases) {
          const answer = exactOrRefusal(exact);
          if (answer === 'NEEDS_DECIMAL') continue;
          expect(answer).toBe(decimalString(decimal));
        }
        const compared = exactOrRefusal(() => String(exactOf(a).comparedTo(exactOf(b))));
        if (compared !== 'NEEDS_DECIMAL') expect(Number(compared)).toBe(x.comparedTo(y));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads numbers as decimal.js does (shortest round-trip text, exponent forms too)', () => {
    fc.assert(
      fc.property(fc.oneof(price, fc.constantFrom(1e-7, 1.5e21, 0.1, 123456789.123)), (value) => {
        expect(exactOfNumber(value).toString()).toBe(decimalString(new Dec(value)));
      }),
    );
  });

  it('reads numbers through its quick path exactly as through the text: up to 15 digits, at and past the edge, negative', () => {
    const edges = [999_999_999_999_999, 99_999_999_999_999.9, 0.123456789012345, 0.1 + 0.2, 123_456_789_012_345.6, -0.000_001_234_5, -42.5, 5e-7, 2 ** 53];
    for (const value of edges) {
      expect(exactOfNumber(value).toString(), String(value)).toBe(decimalString(new Dec(value)));
      // The very digits and scale the text gives, not only the same value (Exact's limits read them).
      expect(exactOfNumber(value), String(value)).toEqual(exactOf(String(value)));
    }
    fc.assert(
      fc.property(fc.double({ min: -1e15, max: 1e15, noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 0, max: 15 }), (raw, digits) => {
        // Prices come rounded to a few significant digits; raw doubles carry 17. Below 1e-20 Exact refuses (scale).
        const value = digits === 0 || raw === 0 ? raw : Number(raw.toPrecision(digits));
        if (Object.is(value, -0) || (value !== 0 && Math.abs(value) < 1e-20)) return;
        expect(exactOfNumber(value).toString()).toBe(decimalString(new Dec(value)));
        expect(exactOfNumber(value)).toEqual(exactOf(String(value)));
      }),
      { numRuns: 5000 },
    );
    // Prices quoted to a few decimals (what the quick path is for), with their neighbours one ulp away (which it is not).
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 ** 12 }), fc.integer({ min: 0, max: 12 }), fc.constantFrom(-1, 0, 1), (units, decimals, nudge) => {
        const quoted = units / 10 ** decimals;
        const value = nudge === 0 ? quoted : nudge > 0 ? nextUp(quoted) : -nextUp(quoted);
        expect(exactOfNumber(value)).toEqual(exactOf(String(value)));
      }),
      { numRuns: 5000 },
    );
  });

  it('reads plain text of up to 15 digits by its quick scan exactly as the pattern reads it, and the rest by the pattern', () => {
    // [text, units, scale] as the pattern reads it, at and past the quick scan's edges.
    const read: Array<[string, bigint, number]> = [
      ['0', 0n, 0],
      ['00012', 12n, 0],
      ['1.50', 150n, 2],
      ['-12.5', -125n, 1],
      ['0.000000000000001', 1n, 15],
      ['123456789012345', 123456789012345n, 0],
      ['1234567890123456', 1234567890123456n, 0],
      ['-9999999.99999999', -999999999999999n, 8],
      ['1e5', 100000n, 0],
      ['2.5E-3', 25n, 4],
    ];
    for (const [text, units, scale] of read) expect(exactOf(text), text).toEqual(new Exact(units, scale));
    // What neither reads (Dec does, or refuses): left to Dec.
    for (const text of ['', '-', '1.', '.5', '1.2.3', '+1', '1,5', ' 1', '-0', '-0.00', 'NaN']) expect(exactOrRefusal(() => exactOf(text).toString()), text).toBe('NEEDS_DECIMAL');
  });

  it('refuses what it cannot hold or mirror: 41 digits, a negative zero (Dec keeps its sign), non-decimal text', () => {
    expect(() => exactOf('1'.repeat(41))).toThrow();
    expect(() => exactOf('-0.000')).toThrow();
    expect(() => exactOf('0x10')).toThrow();
    expect(() => new Exact(10n ** 39n, 2).times(exactOf('10'))).toThrow();
    expect(exactOf('9'.repeat(40)).toString()).toBe('9'.repeat(40));
    expect(exactOf('-1.2300e-3').toString()).toBe('-0.00123');
    // Everyday money never needs the fallback: 8-decimal amounts at 17-digit prices.
    expect(exactOf('123456.12345678').times(exactOfNumber(0.00012345678901234567)).toString()).toBe(decimalString(new Dec('123456.12345678').times(0.00012345678901234567)));
  });
});

const portfolio = fc
  .record({
    cash: amount,
    positions: fc.uniqueArray(fc.record({ symbol: fc.constantFrom('A/USDT', 'B/USDT', 'C/USDT', 'D/USDT', 'E/USDT'), quantity: amount, averagePrice: amount }), { selector: (p) => p.symbol, maxLength: 5 }),
    realizedPnl: decimalText,
  })
  .map(
    ({ cash, positions, realizedPnl }): PortfolioSnapshot => ({
      quote: 'USDT',
      cash,
      realizedPnl,
      positions: Object.fromEntries(positions.map((p) => [p.symbol, { ...p, openedTick: 1 }])),
    }),
  );

/** Prices as markets quote them, a few significant digits (the quick path reads up to 15), and raw doubles (17). */
const quotedPrice = fc.tuple(price, fc.integer({ min: 1, max: 15 })).map(([value, digits]) => Number(value.toPrecision(digits)));
const prices = fc.dictionary(fc.constantFrom('A/USDT', 'B/USDT', 'C/USDT', 'D/USDT', 'E/USDT'), fc.oneof(quotedPrice, price, fc.constant(Number.NaN), fc.constant(0)));

const order = fc
  .record({
    symbol: fc.constantFrom('A/USDT', 'B/USDT', 'F/USDT'),
    side: fc.constantFrom('buy' as const, 'sell' as const),
    filled: fc.oneof(amount, fc.constant('0')),
    averagePrice: amount,
    feeQuote: fc.oneof(amount, fc.constant('0')),
    feeBase: fc.option(fc.oneof(amount, fc.constant('0')), { nil: undefined }),
  })
  .map(
    (o): OrderState => ({
      clientOrderId: 'kl-test',
      exchangeOrderId: 'x1',
      type: 'market',
      status: 'closed',
      amount: o.filled,
      createdAtMs: 0,
      symbol: o.symbol,
      side: o.side,
      filled: o.filled,
      averagePrice: o.averagePrice,
      feeQuote: o.feeQuote,
      ...(o.feeBase !== undefined && { feeBase: o.feeBase }),
    }),
  );

function outcome(compute: () => unknown): unknown {
  try {
    return { value: compute() };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

describe('portfolio bookkeeping: the exact path and Dec agree', () => {
  it('values portfolios identically', () => {
    fc.assert(
      fc.property(portfolio, prices, (p, marks) => {
        expect(portfolioEquity(p, marks)).toBe(decimalEquity(p, marks));
      }),
      { numRuns: 1000 },
    );
  });

  it('closes backtest trades identically: whole and partial sells, long decimals (the Dec fallback) included', () => {
    const step = fc.record({ symbol: fc.constantFrom('A/USDT', 'B/USDT'), amount, price: amount, fee: fc.oneof(amount, fc.constant('0')), sell: fc.constantFrom('no', 'all', 'third') });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 12 }), (steps) => {
        const held = new Map<string, Dec>();
        const orders: BacktestOrder[] = steps.map((s, i) => {
          const have = held.get(s.symbol) ?? new Dec(0);
          const sold = s.sell === 'all' ? have : s.sell === 'third' ? have.div(3).toDecimalPlaces(8, Dec.ROUND_DOWN) : null;
          const side = sold !== null && sold.greaterThan(0) ? 'sell' : 'buy';
          const size = side === 'sell' ? decimalString(sold!) : s.amount;
          held.set(s.symbol, side === 'sell' ? have.minus(size) : have.plus(size));
          return { tickTs: i * 3_600_000, symbol: s.symbol, side, amount: size, price: s.price, fee: s.fee, reason: 'signal', feeRole: 'taker' };
        });
        const text = (trades: ReturnType<typeof closedTrades>) => trades.map((t) => ({ ...t, pnl: decimalString(t.pnl), cost: decimalString(t.cost) }));
        expect(text(closedTrades(orders))).toEqual(text(decimalTrades(orders)));
      }),
      { numRuns: 500 },
    );
  });

  it('books fills identically, refusals and their messages included', () => {
    fc.assert(
      fc.property(portfolio, order, (p, o) => {
        // Sells of what is held, in full or in part, as well as oversells.
        const held = p.positions[o.symbol];
        const sell = o.side === 'sell' && held !== undefined ? { ...o, filled: held.quantity } : o;
        for (const fill of [o, sell]) {
          expect(outcome(() => bookingOf(p, fill, 3))).toEqual(outcome(() => decimalBooking(p, fill, 3)));
        }
      }),
      { numRuns: 1500 },
    );
  });
});

/** The next double above a positive value. */
function nextUp(value: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  view.setBigUint64(0, view.getBigUint64(0) + 1n);
  return view.getFloat64(0);
}
