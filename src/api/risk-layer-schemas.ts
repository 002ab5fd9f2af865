import { z } from 'zod';
import type { CorrelationConfig } from '../domain/correlation.js';
import type { ExecutionConfig } from '../domain/execution-config.js';
import type { ExitConfig } from '../domain/exits.js';
import type { GuardConfig } from '../domain/guards.js';
import type { RegimeGateConfig } from '../domain/regime-gate.js';
import type { SizingConfig } from '../domain/sizing.js';
import { int, named, sameType, type Equals } from './schema-helpers.js';

/* The risk layer's settings as the API shows them in a cycle's config (each checked against its domain type). */

const fraction = (what: string) => z.number().describe(`${what}, a fraction (0.05 = 5 %)`);

export const exitConfigSchema = named(
  'ExitConfig',
  z.object({
    stopLossFraction: fraction('stop-loss below the entry price').nullable(),
    stopLossAtr: z.object({ multiple: z.number(), period: int() }).nullable().describe('stop at entry - multiple x ATR(period) at entry; used instead of the fraction'),
    trailingStop: z
      .object({ fraction: fraction('distance below the highest price since entry'), activationFraction: fraction('rise above entry that arms it') })
      .nullable(),
    takeProfitFraction: fraction('take-profit above the entry price').nullable(),
    timeLimitCandles: int().nullable().describe('sell at the close after this many candles held'),
    onExchange: z.boolean().optional().describe('live accounts: keep each held coin\'s stop resting on the exchange as a stop-market sell (venues with one), besides keel\'s own check'),
  }),
);
sameType<Equals<z.output<typeof exitConfigSchema>, ExitConfig>>();

export const guardConfigSchema = named(
  'GuardConfig',
  z.object({
    maxDrawdown: z
      .object({ fraction: z.number(), windowCandles: int(), blockCandles: int(), hardLimitFraction: z.number().nullable() })
      .nullable()
      .describe('drawdown of mark-to-market equity from its high over the window: block buys; past the hard limit sell everything and pause'),
    stopLossGuard: z
      .object({ stops: int(), windowCandles: int(), lockCandles: int(), perPair: z.boolean() })
      .nullable()
      .describe('this many stop exits within the window lock buys (of that pair, or of all coins)'),
    lowProfitPairs: z
      .object({ windowCandles: int(), minProfitFraction: z.number(), minTrades: int(), lockCandles: int() })
      .nullable()
      .describe("lock a pair whose closed trades in the window sum below minProfitFraction"),
  }),
);
sameType<Equals<z.output<typeof guardConfigSchema>, GuardConfig>>();

export const sizingConfigSchema = named(
  'SizingConfig',
  z.object({
    mode: z.enum(['fixed_fraction', 'risk']).describe('fixed_fraction: equity x risk.maxPositionFraction; risk: riskPerTradeFraction of equity lost at the stop'),
    riskPerTradeFraction: z.number(),
  }),
);
sameType<Equals<z.output<typeof sizingConfigSchema>, SizingConfig>>();

const regime = <T extends z.ZodType>(value: T) => z.object({ trending_up: value, trending_down: value, ranging: value, volatile: value });
const gateAction = z.enum(['allow', 'halve', 'block']);

export const regimeGateConfigSchema = named(
  'RegimeGateConfig',
  z.object({
    enabled: z.boolean(),
    leader: z.string().nullable().describe("the coin whose regime is the market's; null: BTC/<quote>, else ETH/<quote>"),
    confirmCandles: int().describe('ticks in a row a new market regime must be seen before it counts'),
    market: regime(gateAction),
    coin: regime(gateAction),
    stopFactor: regime(z.number()),
  }),
);
sameType<Equals<z.output<typeof regimeGateConfigSchema>, RegimeGateConfig>>();

export const correlationConfigSchema = named(
  'CorrelationConfig',
  z.object({
    enabled: z.boolean(),
    window: int(),
    threshold: z.number(),
    maxPositionsPerCluster: int(),
    maxBetaWeightedExposure: z.number(),
    recomputeCandles: int(),
  }),
);
sameType<Equals<z.output<typeof correlationConfigSchema>, CorrelationConfig>>();

export const executionConfigSchema = named(
  'ExecutionConfig',
  z.object({
    mode: z.enum(['market', 'maker_first']).describe('market: market orders; maker_first: post-only at the best bid/ask, re-priced each candle, then the fallback (backtests, paper cycles on sim and replay, live accounts)'),
    maxReprices: int().describe('maker_first: re-prices (one candle each) before the fallback'),
    fallback: z.enum(['market', 'ioc']).describe('maker_first: a market order, or an immediate-or-cancel limit iocLimitBps from the price'),
    iocLimitBps: z.number().describe('fallback ioc: the limit, in basis points against the order'),
    twap: z
      .object({
        minNotional: z.number().describe('signal orders of at least this notional (quote currency) go out as a TWAP'),
        slices: int().describe('market orders the TWAP is split into'),
        intervalTicks: int().describe('ticks between two slices'),
      })
      .nullable()
      .optional()
      .describe('TWAP of large signal orders; null: off'),
  }),
);
sameType<Equals<z.output<typeof executionConfigSchema>, ExecutionConfig>>();
