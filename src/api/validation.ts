import { z } from 'zod';
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

export const cycleParamsSchema = z.object({
  exchange: z.string({ error: EXCHANGE_MESSAGE }).regex(/^[a-z0-9]+$/, EXCHANGE_MESSAGE),
  name: z.string({ error: NAME_MESSAGE }).regex(/^[A-Za-z0-9_-]{1,64}$/, NAME_MESSAGE),
});

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;
const LIMIT_MESSAGE = `must be a whole number from 1 to ${MAX_LIMIT}`;

/** `?limit=`: 1..1000, default 100. A repeated parameter (an array) is rejected like any other bad value. */
export const limitSchema = z
  .string({ error: LIMIT_MESSAGE })
  .regex(/^(?:[1-9]\d{0,2}|1000)$/, LIMIT_MESSAGE)
  .transform(Number)
  .default(DEFAULT_LIMIT);

const SYMBOL_MESSAGE = 'must be a market symbol such as "BTC/USDT"';
export const symbolSchema = z.string({ error: SYMBOL_MESSAGE }).regex(/^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}$/, SYMBOL_MESSAGE).optional();

export const limitQuerySchema = z.strictObject({ limit: limitSchema });
export const noQuerySchema = z.strictObject({});
export const emptyBodySchema = z.strictObject({}, { error: 'must be empty' });
export const symbolLimitQuerySchema = z.strictObject({ symbol: symbolSchema, limit: limitSchema });

const REASON_MAX_CHARS = 500;
export const pauseBodySchema = z.strictObject({
  reason: z
    .string({ error: `must be a string of at most ${REASON_MAX_CHARS} characters` })
    .trim()
    .min(1, 'must not be empty')
    .max(REASON_MAX_CHARS, `must be at most ${REASON_MAX_CHARS} characters`)
    .optional(),
}, { error: 'must be empty or a JSON object such as {"reason":"maintenance"}' });

const PATCH_MESSAGE = 'must be a JSON object of settings to change, such as {"risk":{"maxOpenPositions":20}}';
/** The patch's contents are checked by the workflow's update validator, the one authority on cycle config. */
export const configPatchSchema = z
  .record(z.string(), z.unknown(), { error: PATCH_MESSAGE })
  .refine((patch) => Object.keys(patch).length > 0, PATCH_MESSAGE);
