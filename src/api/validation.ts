import { z } from 'zod';
import { ACK_NOTE_MAX_CHARS, FINDING_KINDS } from '../domain/findings.js';
import { TIMEFRAMES, type Timeframe } from '../domain/market-types.js';
import { ApiError } from './errors.js';

/** Where an input came from; error messages name it so the caller knows what to fix. */
export type InputLocation = 'path parameter' | 'query parameter' | 'body';

/**
 * Parses one part of a request with a zod schema, or throws BAD_REQUEST naming every bad parameter, what is allowed
 * and (shortened) what was sent. Schemas give their messages as "must ..." phrases.
 */
export function parseInput<S extends z.ZodType>(schema: S, data: unknown, location: InputLocation): z.output<S> {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => describeIssue(issue, data, location));
  throw new ApiError('BAD_REQUEST', [...new Set(problems)].join('; '));
}

function describeIssue(issue: z.core.$ZodIssue, data: unknown, location: InputLocation): string {
  if (issue.code === 'unrecognized_keys') {
    const names = issue.keys.map((k) => `"${k}"`).join(', ');
    const what = location === 'body' ? 'body field' : location;
    return `unknown ${what}${issue.keys.length > 1 ? 's' : ''} ${names}`;
  }
  const path = issue.path.map(String).join('.');
  const subject = location === 'body' ? (path === '' ? 'body' : `body field "${path}"`) : `${location} "${path}"`;
  const value = valueAt(data, issue.path);
  return `${subject} ${issue.message}${value === undefined ? '' : ` (got ${preview(value)})`}`;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let current = data;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

const PREVIEW_CHARS = 40;

/** A short rendering of a bad value: enough to recognise it, never enough to echo a large payload back. */
function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
}

// The same rules the cycle config applies to `exchange` and `name` (src/domain/cycle-config.ts).
const EXCHANGE_MESSAGE = 'must be a lowercase exchange id of letters and digits, such as "sim" or "binance"';
const NAME_MESSAGE = 'must be 1-64 letters, digits, "_" or "-"';

const exchangeSchema = z.string({ error: EXCHANGE_MESSAGE }).regex(/^[a-z0-9]+$/, EXCHANGE_MESSAGE).describe('exchange id, e.g. "sim"');
const nameSchema = z.string({ error: NAME_MESSAGE }).regex(/^[A-Za-z0-9_-]{1,64}$/, NAME_MESSAGE).describe('cycle name, e.g. "main"');

export const cycleParamsSchema = z.object({ exchange: exchangeSchema, name: nameSchema });

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;
const LIMIT_MESSAGE = `must be a whole number from 1 to ${MAX_LIMIT}`;

/** `?limit=`: 1..1000, default 100. A repeated parameter (an array) is rejected like any other bad value. */
export const limitSchema = z
  .string({ error: LIMIT_MESSAGE })
  .regex(/^(?:[1-9]\d{0,2}|1000)$/, LIMIT_MESSAGE)
  .transform(Number)
  .default(DEFAULT_LIMIT)
  .meta({ description: `most items to return, 1-${MAX_LIMIT} (default ${DEFAULT_LIMIT})` });

const SYMBOL_MESSAGE = 'must be a market symbol such as "BTC/USDT"';
export const symbolSchema = z
  .string({ error: SYMBOL_MESSAGE })
  .regex(/^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}$/, SYMBOL_MESSAGE)
  .describe('only this coin, e.g. "BTC/USDT"')
  .optional();

export const limitQuerySchema = z.strictObject({ limit: limitSchema });
export const noQuerySchema = z.strictObject({});
export const emptyBodySchema = z.strictObject({}, { error: 'must be empty' });
export const symbolLimitQuerySchema = z.strictObject({ symbol: symbolSchema, limit: limitSchema });

const OPEN_MESSAGE = 'must be "true" (open findings only) or "false" (every finding)';
export const findingsQuerySchema = z.strictObject({
  open: z
    .enum(['true', 'false'], { error: OPEN_MESSAGE })
    .transform((v) => v === 'true')
    .default(false)
    .meta({ description: 'true: only findings a reconciliation still sees (their coins are in doubt); default false: all' }),
  limit: limitSchema,
});

const REASON_MAX_CHARS = 500;
export const pauseBodySchema = z.strictObject({
  reason: z
    .string({ error: `must be a string of at most ${REASON_MAX_CHARS} characters` })
    .trim()
    .min(1, 'must not be empty')
    .max(REASON_MAX_CHARS, `must be at most ${REASON_MAX_CHARS} characters`)
    .optional(),
}, { error: 'must be empty or a JSON object such as {"reason":"maintenance"}' });

// ---- POST .../findings/acknowledge ----------------------------------------------------------------------------------

const KIND_MESSAGE = `must be one of ${FINDING_KINDS.join(', ')}`;
const REF_MAX_CHARS = 200;
const NOTE_MESSAGE = `must say what was done about the finding, 1-${ACK_NOTE_MAX_CHARS} characters`;
const BY_MESSAGE = 'must be a name of 1-64 letters, digits, spaces, ".", "_", "@" or "-"';

export const acknowledgeFindingBodySchema = z.strictObject(
  {
    kind: z.enum(FINDING_KINDS, { error: KIND_MESSAGE }).describe('the finding\'s kind'),
    ref: z
      .string({ error: `must be the finding's ref (exchange order id, trade id, asset or client order id), 1-${REF_MAX_CHARS} characters` })
      .min(1, 'must not be empty')
      .max(REF_MAX_CHARS, `must be at most ${REF_MAX_CHARS} characters`)
      .describe('what the finding is about, as GET …/findings lists it'),
    note: z.string({ error: NOTE_MESSAGE }).trim().min(1, NOTE_MESSAGE).max(ACK_NOTE_MAX_CHARS, NOTE_MESSAGE).describe('what was done about it, for the audit trail'),
    by: z
      .string({ error: BY_MESSAGE })
      .trim()
      .regex(/^[A-Za-z0-9 ._@-]{1,64}$/, BY_MESSAGE)
      .optional()
      .describe('who is acknowledging; recorded with how the request was authenticated (api:<name> (token <sha256 prefix>), dashboard:<name>)'),
  },
  { error: 'must be a JSON object such as {"kind":"unknown_order","ref":"O123","note":"cancelled it by hand"}' },
);

// ---- cycle settings: PATCH .../config and POST /v1/cycles ---------------------------------------------------------

/**
 * The shapes of cycle settings: zod checks types and known keys only; ranges and cross-field rules are
 * `validateCycleConfig`'s (the workflow's update validator runs it too), the one authority, whose messages come back
 * in a 400. Nested sections must be objects of known keys: merged into the config as they are, anything else
 * (a string, an array, a misspelt key) would end up inside the running cycle's config.
 */
const num = z.number({ error: 'must be a number' });
const int = num.describe('whole number');
const section = <S extends z.core.$ZodLooseShape>(shape: S) => z.strictObject(shape, { error: 'must be a JSON object' }).partial().optional();

const patchableShape = {
  timeframe: z.enum(TIMEFRAMES as [Timeframe, ...Timeframe[]], { error: `must be one of ${TIMEFRAMES.join(', ')}` }),
  tickPacingMs: int,
  maxTicks: int.nullable(),
  universe: section({
    symbols: z.array(z.string({ error: 'must be a symbol such as "BTC/USDT"' }), { error: 'must be a list of symbols or null' }).max(2000).nullable(),
    maxCoins: int,
  }),
  warmupCandles: int,
  signal: section({
    rsiPeriod: int,
    rsiOversold: num,
    rsiOverbought: num,
    maFastPeriod: int,
    maSlowPeriod: int,
    macdFastPeriod: int,
    macdSlowPeriod: int,
    macdSignalPeriod: int,
    weights: section({ rsi: num, maCross: num, macd: num }),
    buyThreshold: num,
    sellThreshold: num,
  }),
  risk: section({ maxPositionFraction: num, maxOpenPositions: int, minOrderNotional: num, cooldownTicks: int }),
  childBatchSize: int,
  ticksPerRun: int,
  ai: section({
    enabled: z.boolean({ error: 'must be true or false' }),
    minAbsScore: num,
    maxCoinsPerTick: int,
    mode: z.enum(['veto', 'weigh'], { error: 'must be "veto" or "weigh"' }),
    weight: num,
    minConfidence: num,
    verdictTtlTicks: int,
  }),
};

const PATCH_MESSAGE = 'must be a JSON object of settings to change, such as {"risk":{"maxOpenPositions":20}}';
/**
 * A config patch (JSON merge patch). Other top-level keys pass through on purpose: the update validator names what
 * may not change on a running cycle ("cannot change exchange on a running cycle; changeable settings: ...").
 */
export const configPatchSchema = z
  .looseObject(patchableShape, { error: PATCH_MESSAGE })
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, PATCH_MESSAGE);

export const startCycleSettingsSchema = z
  .strictObject(
    {
      ...patchableShape,
      quote: z.string({ error: 'must be a string such as "USDT"' }),
      clock: z.enum(['wall', 'market'], { error: 'must be "wall" or "market"' }),
      marketStartMs: int.describe('market clock: close time (epoch ms) of the first candle'),
    },
    { error: 'must be a JSON object of cycle settings' },
  )
  .partial();

export type StartCycleSettings = z.output<typeof startCycleSettingsSchema>;

export const startCycleBodySchema = z.strictObject(
  {
    exchange: z.enum(['sim', 'replay'], { error: 'must be "sim" (simulated market) or "replay" (recorded candle files)' }),
    name: nameSchema,
    config: startCycleSettingsSchema.optional().describe('cycle settings that differ from the defaults (see the README); ignored when the cycle already runs'),
  },
  { error: 'must be a JSON object such as {"exchange":"sim","name":"main"}' },
);

// ---- GET /v1/candles/:exchange/:base/:quote ---------------------------------------------------------------------

const ASSET_MESSAGE = 'must be 1-20 upper-case letters or digits, such as "BTC"';
const assetSchema = z.string({ error: ASSET_MESSAGE }).regex(/^[A-Z0-9]{1,20}$/, ASSET_MESSAGE);

export const candleParamsSchema = z.object({
  exchange: exchangeSchema,
  base: assetSchema.describe('base asset, e.g. "BTC"'),
  quote: assetSchema.describe('quote asset, e.g. "USDT"'),
});

const TIMEFRAME_MESSAGE = `must be one of ${TIMEFRAMES.join(', ')}`;
export const candleQuerySchema = z.strictObject({
  timeframe: z
    .enum(TIMEFRAMES as [Timeframe, ...Timeframe[]], { error: TIMEFRAME_MESSAGE })
    .default('1h')
    .meta({ description: 'candle timeframe', default: '1h' }),
  limit: limitSchema,
});
