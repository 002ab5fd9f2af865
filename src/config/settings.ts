import path from 'node:path';
import { z } from 'zod';
import { TIMEFRAMES } from '../domain/market-types.js';
import { parseTrustProxy } from './trust-proxy.js';

const boolFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const positiveInt = (what: string) =>
  z.coerce.number({ message: `${what} must be a number` }).int(`${what} must be a whole number`).positive(`${what} must be positive`);

/**
 * Every setting keel reads from the environment, in one schema. Defaults give the zero-setup local run:
 * a local Temporal dev server, the embedded database, 250 simulated coins, paper trading.
 */
export const settingsSchema = z
  .object({
    TEMPORAL_ADDRESS: z.string().min(1).optional(),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    TEMPORAL_CLI_PATH: z.string().min(1).optional(),
    TEMPORAL_UI_PORT: positiveInt('TEMPORAL_UI_PORT').default(8233),
    // gRPC port of the Temporal dev server `npm start` starts (or reuses, when one already answers there).
    TEMPORAL_DEV_PORT: positiveInt('TEMPORAL_DEV_PORT').max(65535, 'TEMPORAL_DEV_PORT must be a TCP port (1-65535)').default(7233),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must start with postgres:// or postgresql://')
      .optional(),
    KEEL_DATA_DIR: z.string().min(1).default('.keel'),
    KEEL_MARKET: z
      .enum(['sim', 'replay', 'kraken', 'coinbase', 'binance'], { message: 'KEEL_MARKET must be "sim", "replay", or a ccxt exchange: "kraken", "coinbase" or "binance"' })
      .default('sim'),
    KEEL_CYCLE_NAME: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'KEEL_CYCLE_NAME must be 1-64 letters, digits, "_" or "-"').default('main'),
    KEEL_COINS: positiveInt('KEEL_COINS').max(2000, 'KEEL_COINS must be at most 2000').default(250),
    KEEL_SEED: z.coerce.number().int().default(42),
    KEEL_TIMEFRAME: z.enum(TIMEFRAMES as [string, ...string[]], { message: `KEEL_TIMEFRAME must be one of ${TIMEFRAMES.join(', ')}` }).default('1h'),
    KEEL_CLOCK: z.enum(['wall', 'market'], { message: 'KEEL_CLOCK must be "wall" or "market"' }).default('market'),
    KEEL_TICK_PACING_MS: z.coerce.number().int().min(0).default(2000),
    KEEL_MAX_TICKS: positiveInt('KEEL_MAX_TICKS').optional(),
    KEEL_REPLAY_DIR: z.string().min(1).optional(),
    // Backtests one keel-backtest worker process runs at once; each keeps a core busy, so about the cores it may use.
    KEEL_BACKTEST_SLOTS: positiveInt('KEEL_BACKTEST_SLOTS').max(64, 'KEEL_BACKTEST_SLOTS must be at most 64').default(1),
    KEEL_EXCHANGE_RPS: z.coerce.number().positive('KEEL_EXCHANGE_RPS must be positive').default(2000),
    KEEL_PAPER_CASH: z.string().regex(/^\d+(\.\d+)?$/, 'KEEL_PAPER_CASH must be a decimal amount such as 100000').default('100000'),
    // Unset: the venue's own fees (src/exchange/capabilities.ts) on a real exchange, 0.001 on sim and replay.
    KEEL_PAPER_FEE_RATE: z.coerce.number().min(0).max(0.05).optional(),
    KEEL_PAPER_SLIPPAGE_BPS: z.coerce.number().min(0).max(500).default(5),
    KEEL_LIVE_TRADING: boolFromEnv.default(false),
    KEEL_TASK_QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]{0,40}$/).default(''),
    ANTHROPIC_API_KEY: z.string().min(1).optional(),
    // AI analysis (keel-ai worker): off unless ANTHROPIC_API_KEY is set. Daily budgets count since 00:00 UTC; unset means no cap.
    KEEL_AI_MODEL: z.string().min(1).default('claude-haiku-4-5'),
    KEEL_AI_MAX_TOKENS: positiveInt('KEEL_AI_MAX_TOKENS').max(8192, 'KEEL_AI_MAX_TOKENS must be at most 8192 (the verdict is a few hundred tokens)').default(600),
    KEEL_AI_PROMPT_VERSION: z.string().regex(/^v\d+$/, 'KEEL_AI_PROMPT_VERSION must look like v1').default('v1'),
    KEEL_AI_DAILY_TOKEN_BUDGET: positiveInt('KEEL_AI_DAILY_TOKEN_BUDGET').optional(),
    KEEL_AI_DAILY_COST_BUDGET_USD: z.coerce.number({ message: 'KEEL_AI_DAILY_COST_BUDGET_USD must be a number' }).positive('KEEL_AI_DAILY_COST_BUDGET_USD must be positive').optional(),
    LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
    // HTTP API (src/api/server.ts). One token, or several separated by commas while rotating; each at least 16
    // characters without spaces (e.g. `openssl rand -hex 32`). The API refuses to start without one.
    KEEL_API_TOKEN: z
      .string()
      .refine(
        (v) => v.split(',').every((t) => /^[\x21-\x7e]{16,512}$/.test(t.trim())),
        'KEEL_API_TOKEN must be one token, or several separated by commas, each 16-512 printable characters without spaces (e.g. `openssl rand -hex 32`)',
      )
      .optional(),
    KEEL_API_HOST: z.string().min(1).default('127.0.0.1'),
    KEEL_API_PORT: z.coerce.number({ message: 'KEEL_API_PORT must be a number' }).int('KEEL_API_PORT must be a whole number').min(1, 'KEEL_API_PORT must be a TCP port (1-65535)').max(65535, 'KEEL_API_PORT must be a TCP port (1-65535)').default(8080),
    // Failed credentials (a wrong bearer token or login token) each client IP may send per minute; past that, 429.
    KEEL_API_AUTH_FAILURES_PER_MINUTE: positiveInt('KEEL_API_AUTH_FAILURES_PER_MINUTE').max(10_000, 'KEEL_API_AUTH_FAILURES_PER_MINUTE must be at most 10000').default(10),
    // Which peers may set X-Forwarded-For/-Proto (client IP, https): false (none), true (any), or addresses/CIDRs.
    KEEL_API_TRUST_PROXY: z
      .string()
      .transform((value, ctx) => {
        const parsed = parseTrustProxy(value);
        if (parsed.ok) return parsed.value;
        ctx.addIssue({ code: 'custom', message: parsed.message });
        return z.NEVER;
      })
      .default(false),
    // The session cookie's Secure attribute: auto (when the request came over https), always, or never.
    KEEL_API_SECURE_COOKIE: z.enum(['auto', 'always', 'never'], { message: 'KEEL_API_SECURE_COOKIE must be "auto", "always" or "never"' }).default('auto'),
    // Where the dashboard's links to workflows point; unset: http://localhost:<TEMPORAL_UI_PORT> (the local dev server's UI).
    KEEL_TEMPORAL_UI_URL: z.string().regex(/^https?:\/\/[^\s]+$/, 'KEEL_TEMPORAL_UI_URL must be an http(s) URL such as http://localhost:8233').optional(),
    // ccxt exchanges (KEEL_MARKET=kraken|coinbase|binance): public market data with the paper broker unless
    // KEEL_LIVE_TRADING=true with keys and both notional caps. The keys are secrets: redacted, never logged.
    KEEL_QUOTE: z.string().regex(/^[A-Z0-9]{2,10}$/, 'KEEL_QUOTE must be an upper-case asset such as USDT or USD').default('USDT'),
    KEEL_EXCHANGE_BASE_URL: z.string().regex(/^https?:\/\/[^\s]+$/, 'KEEL_EXCHANGE_BASE_URL must be an http(s) URL (it replaces the exchange API origin, for a test fake or a proxy)').optional(),
    KEEL_EXCHANGE_API_KEY: z.string().min(1).optional(),
    KEEL_EXCHANGE_API_SECRET: z.string().min(1).optional(),
    // How many exchange-worker replicas share KEEL_EXCHANGE_RPS: each one's ccxt limiter takes this share, so together
    // they never exceed the budget even when the server-side limit lets a one-second burst through.
    KEEL_EXCHANGE_REPLICAS: positiveInt('KEEL_EXCHANGE_REPLICAS').max(100, 'KEEL_EXCHANGE_REPLICAS must be at most 100').default(1),
    KEEL_EXCHANGE_TIMEOUT_MS: positiveInt('KEEL_EXCHANGE_TIMEOUT_MS').max(60_000, 'KEEL_EXCHANGE_TIMEOUT_MS must be at most 60000 (activities time out after 15 s)').default(10_000),
    KEEL_LIVE_MAX_ORDER_NOTIONAL: z.coerce.number({ message: 'KEEL_LIVE_MAX_ORDER_NOTIONAL must be a number' }).positive('KEEL_LIVE_MAX_ORDER_NOTIONAL must be positive').optional(),
    KEEL_LIVE_MAX_DAILY_NOTIONAL: z.coerce.number({ message: 'KEEL_LIVE_MAX_DAILY_NOTIONAL must be a number' }).positive('KEEL_LIVE_MAX_DAILY_NOTIONAL must be positive').optional(),
  })
  .superRefine((s, ctx) => {
    if (s.KEEL_MARKET === 'replay' && !s.KEEL_REPLAY_DIR) {
      ctx.addIssue({ code: 'custom', path: ['KEEL_REPLAY_DIR'], message: 'KEEL_MARKET=replay needs KEEL_REPLAY_DIR: a folder of freqtrade candle files <BASE>_<QUOTE>-<tf>.json (or .json.gz, .feather)' });
    }
    if ((s.KEEL_EXCHANGE_API_KEY === undefined) !== (s.KEEL_EXCHANGE_API_SECRET === undefined)) {
      ctx.addIssue({ code: 'custom', path: [s.KEEL_EXCHANGE_API_KEY === undefined ? 'KEEL_EXCHANGE_API_KEY' : 'KEEL_EXCHANGE_API_SECRET'], message: 'set both KEEL_EXCHANGE_API_KEY and KEEL_EXCHANGE_API_SECRET, or neither' });
    }
    if (s.KEEL_LIVE_TRADING) {
      const ccxt = s.KEEL_MARKET !== 'sim' && s.KEEL_MARKET !== 'replay';
      if (!ccxt) {
        ctx.addIssue({ code: 'custom', path: ['KEEL_LIVE_TRADING'], message: `live trading needs a ccxt exchange (KEEL_MARKET=kraken, coinbase or binance), not "${s.KEEL_MARKET}"; unset KEEL_LIVE_TRADING to paper-trade` });
      }
      if (s.KEEL_EXCHANGE_API_KEY === undefined || s.KEEL_EXCHANGE_API_SECRET === undefined) {
        ctx.addIssue({ code: 'custom', path: ['KEEL_LIVE_TRADING'], message: 'live trading needs the account keys KEEL_EXCHANGE_API_KEY and KEEL_EXCHANGE_API_SECRET; unset KEEL_LIVE_TRADING to paper-trade' });
      }
      for (const key of ['KEEL_LIVE_MAX_ORDER_NOTIONAL', 'KEEL_LIVE_MAX_DAILY_NOTIONAL'] as const) {
        if (s[key] === undefined) {
          ctx.addIssue({ code: 'custom', path: [key], message: `live trading needs ${key} (in the quote currency): orders over the cap are refused before any exchange call` });
        }
      }
    }
  });

export type Settings = z.infer<typeof settingsSchema> & { dataDirAbs: string };

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SettingsError';
  }
}

/** Parses the environment once at an entrypoint; throws SettingsError listing every problem. */
export function loadSettings(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Readonly<Settings> {
  const relevant = Object.fromEntries(Object.entries(env).filter(([k, v]) => k in settingsSchema.shape && v !== ''));
  const parsed = settingsSchema.safeParse(relevant);
  if (!parsed.success) {
    throw new SettingsError(parsed.error.issues.map((i) => `${i.path.join('.') || 'settings'}: ${i.message}`));
  }
  return Object.freeze({ ...parsed.data, dataDirAbs: path.resolve(cwd, parsed.data.KEEL_DATA_DIR) });
}

const SECRET_KEYS = new Set(['ANTHROPIC_API_KEY', 'KEEL_API_TOKEN', 'KEEL_EXCHANGE_API_KEY', 'KEEL_EXCHANGE_API_SECRET']);

/** Settings safe to print: secrets masked, passwords stripped from URLs. */
export function redactSettings(settings: Readonly<Settings>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(settings).map(([k, v]) => {
      if (v === undefined) return [k, v];
      if (SECRET_KEYS.has(k)) return [k, '***'];
      if ((k === 'DATABASE_URL' || k === 'KEEL_EXCHANGE_BASE_URL') && typeof v === 'string') return [k, redactUrl(v)];
      return [k, v];
    }),
  );
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]*)@/, '//$1:***@');
}
