/*
 * Exact decimal arithmetic in scaled integers (BigInt) for the bookkeeping every tick repeats: valuing the portfolio
 * and booking fills. It is a fast path for Dec (decimal.js, 40 significant digits): decimal.js gives exactly the same
 * digits whenever no value needs more than 40 significant digits, because then it rounds nothing. An Exact never
 * holds more: an operation whose result would (or text that is not plain decimal notation) throws NEEDS_DECIMAL, and
 * the caller redoes the whole computation in Dec. So results never differ; only the time does (BigInt is 3-5x
 * quicker than decimal.js here). Pure and deterministic: safe in the workflow sandbox.
 */

/** Thrown (never past the module that catches it) when a computation must be redone in Dec. */
export const NEEDS_DECIMAL: unique symbol = Symbol('needs decimal arithmetic');

/** Dec's precision: integers below 10^40 have at most 40 significant digits, which Dec keeps exactly. */
const EXACT_LIMIT = 10n ** 40n;
/** Scales past this are left to Dec (no realistic price or quantity comes near). */
const MAX_SCALE = 80;
const POWERS_OF_TEN: bigint[] = Array.from({ length: MAX_SCALE + 1 }, (_, i) => 10n ** BigInt(i));
const DECIMAL_TEXT = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i;

/** units / 10^scale, with |units| < 10^40 and 0 <= scale <= 80. Immutable. */
export class Exact {
  constructor(
    readonly units: bigint,
    readonly scale: number,
  ) {
    if (units >= EXACT_LIMIT || units <= -EXACT_LIMIT || scale > MAX_SCALE) throw NEEDS_DECIMAL;
  }

  static readonly ZERO = new Exact(0n, 0);

  plus(other: Exact): Exact {
    if (this.scale === other.scale) return new Exact(this.units + other.units, this.scale);
    if (this.scale > other.scale) return new Exact(this.units + other.units * POWERS_OF_TEN[this.scale - other.scale]!, this.scale);
    return new Exact(this.units * POWERS_OF_TEN[other.scale - this.scale]! + other.units, other.scale);
  }

  minus(other: Exact): Exact {
    return this.plus(other.negated());
  }

  times(other: Exact): Exact {
    return new Exact(this.units * other.units, this.scale + other.scale);
  }

  negated(): Exact {
    return new Exact(-this.units, this.scale);
  }

  comparedTo(other: Exact): number {
    const difference = this.minus(other).units;
    return difference > 0n ? 1 : difference < 0n ? -1 : 0;
  }

  isZero(): boolean {
    return this.units === 0n;
  }

  isNegative(): boolean {
    return this.units < 0n;
  }

  greaterThan(other: Exact): boolean {
    return this.comparedTo(other) > 0;
  }

  greaterThanOrEqualTo(other: Exact): boolean {
    return this.comparedTo(other) >= 0;
  }

  /** Plain decimal text without trailing zeros, '0' for zero: decimalString's format. */
  toString(): string {
    return scaledText(this.units, this.scale);
  }
}

/**
 * start + a1 x b1 + a2 x b2 + ... (or + v1 + v2 ...), exactly as Exact's times and plus compute it, refusing (NEEDS_DECIMAL) exactly
 * where they would, but in one object: valuing a portfolio of dozens of positions every tick made an Exact per
 * product and per sum, and a cached parse per price, which cost twice what the arithmetic does.
 */
export class ExactSum {
  private units: bigint;
  private scale: number;

  constructor(start: Exact) {
    this.units = start.units;
    this.scale = start.scale;
  }

  /** Adds quantity x price, the price a number read as exactOfNumber reads it (not remembered: prices seldom repeat). */
  addProductWithNumber(quantity: Exact, price: number): void {
    this.addProduct(quantity, exactOfNumberOnce(price));
  }

  /** Adds a value, as Exact's plus would. */
  add(value: Exact): void {
    this.addScaled(value.units, value.scale);
  }

  addProduct(a: Exact, b: Exact): void {
    this.addScaled(a.units * b.units, a.scale + b.scale);
  }

  /** Exact.times's product (units at scale) checked as its constructor checks it, then Exact.plus. */
  private addScaled(productUnits: bigint, productScale: number): void {
    if (productUnits >= EXACT_LIMIT || productUnits <= -EXACT_LIMIT || productScale > MAX_SCALE) throw NEEDS_DECIMAL;
    let units: bigint;
    if (this.scale === productScale) units = this.units + productUnits;
    else if (this.scale > productScale) units = this.units + productUnits * POWERS_OF_TEN[this.scale - productScale]!;
    else {
      units = this.units * POWERS_OF_TEN[productScale - this.scale]! + productUnits;
      this.scale = productScale;
    }
    if (units >= EXACT_LIMIT || units <= -EXACT_LIMIT) throw NEEDS_DECIMAL;
    this.units = units;
  }

  /** Plain decimal text, as Exact's toString. */
  toString(): string {
    return scaledText(this.units, this.scale);
  }
}

/** Plain or exponent decimal text (what JS numbers and keel's decimal strings look like) as an Exact. */
export function exactOf(text: string): Exact {
  let value = parsedTexts.get(text);
  if (value === undefined) {
    if (parsedTexts.size >= KEPT) parsedTexts.clear();
    value = parse(text);
    parsedTexts.set(text, value);
  }
  if (value === null) throw NEEDS_DECIMAL;
  return value;
}

/**
 * exactOf without remembering: for text read once (a fill's price and fee, a new balance), where looking it up and
 * storing it costs more than parsing it.
 */
export function exactOfOnce(text: string): Exact {
  const value = parse(text);
  if (value === null) throw NEEDS_DECIMAL;
  return value;
}

/** exactOfNumber without remembering (prices change every tick). */
function exactOfNumberOnce(value: number): Exact {
  const exact = Number.isFinite(value) ? parseNumber(value) : null;
  if (exact === null) throw NEEDS_DECIMAL;
  return exact;
}

/** A number by its shortest round-trip text, as decimal.js reads numbers. */
export function exactOfNumber(value: number): Exact {
  let exact = parsedNumbers.get(value);
  if (exact === undefined) {
    if (parsedNumbers.size >= KEPT) parsedNumbers.clear();
    exact = Number.isFinite(value) ? parseNumber(value) : null;
    parsedNumbers.set(value, exact);
  }
  if (exact === null) throw NEEDS_DECIMAL;
  return exact;
}

/** Runs `compute` in Exact; when it needs more digits, `fallback` (the same computation in Dec) answers instead. */
export function exactOr<T>(compute: () => T, fallback: () => T): T {
  try {
    return compute();
  } catch (error) {
    if (error === NEEDS_DECIMAL) return fallback();
    throw error;
  }
}

/** Texts and numbers read before: positions, balances and prices repeat from tick to tick. Bounded. */
const parsedTexts = new Map<string, Exact | null>();
const parsedNumbers = new Map<number, Exact | null>();
const KEPT = 8192;

/**
 * Plain decimal text of at most 15 digits ("-123.45", "0.001"; what balances, fills and prices mostly are) read by
 * one scan of its characters, the digits summed in a double (exact below 2^53); anything else, or any doubt, goes
 * to parseText. The two agree (a property test holds them equal): this only skips the pattern and a digit string.
 */
function parse(text: string): Exact | null {
  const length = text.length;
  let i = 0;
  let negative = false;
  if (length > 0 && text.charCodeAt(0) === 45 /* - */) {
    negative = true;
    i = 1;
  }
  let digits = 0;
  let units = 0;
  let dot = -1;
  let zero = true;
  for (; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 48 && code <= 57) {
      units = units * 10 + (code - 48);
      digits++;
      if (code !== 48) zero = false;
    } else if (code === 46 /* . */ && dot < 0 && digits > 0) dot = i;
    else return parseText(text);
  }
  if (digits === 0 || digits > FAST_DIGITS || dot === length - 1) return parseText(text);
  // Dec keeps a negative zero negative (isNegative), an Exact cannot: leave it to Dec.
  if (negative && zero) return null;
  return new Exact(BigInt(negative ? -units : units), dot < 0 ? 0 : length - dot - 1);
}

/** At most this many digits are summed exactly in a double (10^15 < 2^53). */
const FAST_DIGITS = 15;

function parseText(text: string): Exact | null {
  const match = DECIMAL_TEXT.exec(text);
  if (match === null) return null;
  const [, sign, whole, fraction = '', exponent] = match;
  // Dec keeps a negative zero negative (isNegative), an Exact cannot: leave it to Dec.
  if (sign === '-' && /^0*$/.test(whole! + fraction)) return null;
  let scale = fraction.length - (exponent === undefined ? 0 : Number(exponent));
  let units = BigInt(whole! + fraction);
  if (scale < 0) {
    if (-scale > MAX_SCALE) return null;
    units *= POWERS_OF_TEN[-scale]!;
    scale = 0;
  }
  try {
    return new Exact(sign === '-' ? -units : units, scale);
  } catch (error) {
    if (error === NEEDS_DECIMAL) return null;
    throw error;
  }
}

/** 10^0 .. 10^22 as doubles, each exact (5^22 < 2^53): built by multiplying, not trusting pow(). */
const DOUBLE_POWERS_OF_TEN: number[] = [1];
for (let i = 1; i <= 22; i++) DOUBLE_POWERS_OF_TEN.push(DOUBLE_POWERS_OF_TEN[i - 1]! * 10);
/** Digits below 10^15 (< 2^50): see parseNumber. */
const FAST_LIMIT = 1e15;

/**
 * parse(String(value)) without building the text, for the usual price (at most 15 significant digits): String gives
 * the fewest decimals k whose digits D (D / 10^k) read back as value, the nearest such D when there are two. Here k
 * counts up from 0 and D = round(|value| x 10^k): that product is one rounding away from the true one (10^k is exact
 * for k <= 22), within a quarter unit for D < 10^15, so wherever some D of k decimals reads back as value the rounding
 * finds it (the true product lies within a quarter unit of it then, too), and D / 10^k === value (one correctly
 * rounded division, as reading the text is) says whether it does. Past 15 digits, or for zero, the text decides.
 */
function parseNumber(value: number): Exact | null {
  const magnitude = Math.abs(value);
  if (magnitude > 0) {
    for (let decimals = 0; decimals <= 22; decimals++) {
      const power = DOUBLE_POWERS_OF_TEN[decimals]!;
      const scaled = magnitude * power;
      if (!(scaled < FAST_LIMIT)) break;
      const units = Math.round(scaled);
      if (units / power === magnitude) return new Exact(BigInt(value < 0 ? -units : units), decimals);
    }
  }
  return parse(String(value));
}

function scaledText(units: bigint, scale: number): string {
  if (units === 0n) return '0';
  const negative = units < 0n;
  let digits = (negative ? -units : units).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    const point = digits.length - scale;
    const fraction = digits.slice(point).replace(/0+$/, '');
    digits = fraction === '' ? digits.slice(0, point) : `${digits.slice(0, point)}.${fraction}`;
  }
  return negative ? `-${digits}` : digits;
}
