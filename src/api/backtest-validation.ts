import { z } from 'zod';
import { SWEEP_RANK_METRICS } from '../contracts/backtest-types.js';
import { MAX_SWEEP_COMBINATIONS } from '../domain/backtest-sweep.js';
import { TIMEFRAMES, type Timeframe } from '../domain/market-types.js';
import { limitSchema } from './validation.js';

/** Request schemas of the backtest routes (POST /v1/backtests, GET /v1/backtests...). */

// A sweep id is made by the API (bt-<time>-<random>); a run id is `<sweep id>/<n>`, sent as one path segment (%2F).
const SWEEP_ID_PATTERN = '^[A-Za-z0-9_.:-]{1,100}$';
const RUN_ID_PATTERN = '^[A-Za-z0-9_.:-]{1,100}(/[0-9]{1,5})?$';
const SWEEP_ID_MESSAGE = 'must be a sweep id such as "bt-20240301T120000-1a2b3c"';
const RUN_ID_MESSAGE = 'must be a backtest run id such as "bt-20240301T120000-1a2b3c/1" (in a path, the "/" as %2F)';

export const backtestRunParamsSchema = z.object({
  id: z.string({ error: RUN_ID_MESSAGE }).regex(new RegExp(RUN_ID_PATTERN), RUN_ID_MESSAGE).describe('the run id, URL-encoded ("/" as %2F)'),
});

export const backtestListQuerySchema = z.strictObject({
  limit: limitSchema,
  sweepId: z.string({ error: SWEEP_ID_MESSAGE }).regex(new RegExp(SWEEP_ID_PATTERN), SWEEP_ID_MESSAGE).optional().describe("only this sweep's runs, in run order"),
});

const MAX_OFFSET = 10_000_000;
const OFFSET_MESSAGE = `must be a whole number from 0 to ${MAX_OFFSET}`;
export const backtestOrdersQuerySchema = z.strictObject({
  limit: limitSchema,
  offset: z
    .string({ error: OFFSET_MESSAGE })
    .regex(/^(?:0|[1-9]\d{0,7})$/, OFFSET_MESSAGE)
    .transform(Number)
    .refine((n) => n <= MAX_OFFSET, OFFSET_MESSAGE)
    .default(0)
    .meta({ description: 'orders to skip, in fill order (default 0)' }),
});

// ---- POST /v1/backtests -------------------------------------------------------------------------------------------

const DATE_MESSAGE = 'must be an ISO 8601 date such as "2021-03-01" or "2021-03-01T12:00Z" (UTC unless a zone is given)';
/** The same reading as `keel backtest --from/--to`: a bare date is midnight UTC. */
const isoDate = (what: string) =>
  z
    .string({ error: DATE_MESSAGE })
    .regex(/^\d{4}-\d{2}-\d{2}/, DATE_MESSAGE)
    .max(40, DATE_MESSAGE)
    .transform((raw, ctx) => {
      const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T00:00:00Z` : raw);
      if (!Number.isFinite(ms)) {
        ctx.issues.push({ code: 'custom', message: DATE_MESSAGE, input: raw });
        return z.NEVER;
      }
      return ms;
    })
    .describe(what);

const SETTING_KEY = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/;
const SWEEP_KEY_MESSAGE = 'must be a setting name such as "signal.buyThreshold"';
const PAIR_MESSAGE = 'must be a pair such as "BTC/USDT"';
const FEE_MESSAGE = 'must be a fraction of notional from 0 to 0.05, such as 0.001 for 0.1 %';
const fee = (what: string) => z.number({ error: FEE_MESSAGE }).min(0, FEE_MESSAGE).lt(0.05, FEE_MESSAGE).describe(what);
export const startBacktestsBodySchema = z
  .strictObject(
    {
      timeframe: z
        .enum(TIMEFRAMES as [Timeframe, ...Timeframe[]], { error: `must be one of ${TIMEFRAMES.join(', ')}` })
        .optional()
        .describe('candle timeframe (default the API\'s KEEL_TIMEFRAME)'),
      quote: z
        .string({ error: 'must be an upper-case currency code such as "USDT"' })
        .regex(/^[A-Z0-9]{2,10}$/, 'must be an upper-case currency code such as "USDT"')
        .optional()
        .describe("quote currency (default the API's KEEL_QUOTE)"),
      pairs: z
        .array(z.string({ error: PAIR_MESSAGE }).regex(/^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}$/, PAIR_MESSAGE), { error: 'must be a list of pairs such as ["BTC/USDT"]' })
        .min(1, 'must list at least one pair (leave it out for every pair of the quote)')
        .max(2000, 'must list at most 2000 pairs')
        .optional()
        .describe('only these pairs (default: every pair of the quote in the worker\'s candle folder)'),
      config: z
        .record(z.string(), z.unknown(), { error: 'must be a JSON object of settings by dotted key, such as {"risk.maxOpenPositions": 20}' })
        .optional()
        .describe('cycle settings by dotted key, as `keel config set` takes them, e.g. {"signal.buyThreshold": 0.1}; checked against the default backtest config'),
      from: isoDate('first tick close (default: after the warm-up)').optional(),
      to: isoDate('last tick close (default: where the data ends)').optional(),
      ticks: z.number({ error: 'must be a whole number of at least 1' }).int('must be a whole number of at least 1').min(1, 'must be a whole number of at least 1').max(10_000_000, 'must be at most 10000000').optional().describe('at most this many ticks'),
      cash: z
        .string({ error: 'must be a positive decimal amount as a string, such as "100000"' })
        .regex(/^\d{1,20}(\.\d{1,18})?$/, 'must be a positive decimal amount as a string, such as "100000"')
        .refine((v) => Number(v) > 0, 'must be a positive decimal amount as a string, such as "100000"')
        .optional()
        .describe("starting cash in the quote currency (default the API's KEEL_PAPER_CASH)"),
      feeRate: fee("taker fee (default the API's KEEL_PAPER_FEE_RATE)").optional(),
      makerFeeRate: fee('maker fee for resting limit orders (default: the taker fee)').optional(),
      slippageBps: z.number({ error: 'must be basis points from 0 to 500, such as 5' }).min(0, 'must be basis points from 0 to 500, such as 5').max(500, 'must be basis points from 0 to 500, such as 5').optional().describe("price moved against takers (default the API's KEEL_PAPER_SLIPPAGE_BPS)"),
      sweep: z
        .record(
          z.string().regex(SETTING_KEY, SWEEP_KEY_MESSAGE),
          z.array(z.unknown(), { error: 'must map each setting to a list of values, such as {"signal.buyThreshold": [0.05, 0.1]}' }).min(1, 'must list at least one value').max(MAX_SWEEP_COMBINATIONS, `must list at most ${MAX_SWEEP_COMBINATIONS} values`),
          // A bad key is reported by the record itself: say what a key must be, not what the whole field must be.
          { error: (issue) => (issue.code === 'invalid_key' ? SWEEP_KEY_MESSAGE : 'must be a JSON object of settings by dotted key, each with a list of values, such as {"signal.buyThreshold": [0.05, 0.1]}') },
        )
        .optional()
        .describe(`run every combination of these settings' values (at most ${MAX_SWEEP_COMBINATIONS} runs), each on top of \`config\`, ranked by \`rankBy\``),
      rankBy: z
        .enum(SWEEP_RANK_METRICS, { error: `must be one of ${SWEEP_RANK_METRICS.join(', ')}` })
        .default('totalReturn')
        .describe('the metric a sweep ranks its runs by (maxDrawdown: lower is better)'),
    },
    { error: 'must be a JSON object such as {"timeframe":"1h","config":{"risk.maxOpenPositions":20}}' },
  )
  .refine((b) => b.from === undefined || b.to === undefined || b.to >= b.from, { message: 'must not be before "from"', path: ['to'] })
  .refine((b) => b.to === undefined || b.ticks === undefined, { message: 'must not be given with "to": choose one', path: ['ticks'] });

export type StartBacktestsBody = z.output<typeof startBacktestsBodySchema>;
