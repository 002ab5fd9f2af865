import { createHash } from 'node:crypto';
import { KeelError } from '../domain/errors.js';
import type { CoinBrief } from './port.js';
import { verdictJsonSchema } from './verdict-schema.js';

/** The one tool the model is asked (or forced) to call; its input is the verdict. */
export const VERDICT_TOOL_NAME = 'record_verdict';

export interface VerdictTool {
  name: string;
  description: string;
  input_schema: typeof verdictJsonSchema;
}

/** A prompt ready to send, and the hash that identifies it in the analyses table. */
export interface Prompt {
  version: string;
  system: string;
  user: string;
  tool: VerdictTool;
  /** sha256 (hex) of the canonical JSON of version, system, user and tool. */
  hash: string;
}

interface PromptTemplate {
  system: string;
  toolDescription: string;
  user(brief: CoinBrief): string;
}

/**
 * Prompt texts by version. A published version is never edited: change the wording under a new version and point
 * KEEL_AI_PROMPT_VERSION at it, so stored analyses stay comparable by version (and by hash within a version).
 */
const TEMPLATES: Record<string, PromptTemplate> = {
  v1: {
    system: [
      'You review one coin for an automated crypto paper-trading system that trades on closed candles.',
      'A quantitative signal (RSI, moving-average cross and MACD, combined into a score from -1 to 1) has already been computed; you see its numbers, the last few candles and the open position.',
      'Decide whether to buy, sell or hold on this candle. Agree with the signal when the numbers support it; overrule it when they do not, and say why.',
      'Prefer hold when the evidence is mixed. Never invent data that is not in the message.',
      `Answer only by calling ${VERDICT_TOOL_NAME}, exactly once.`,
    ].join(' '),
    toolDescription: 'Records your verdict on the coin: the action, your confidence, a short rationale and any risk flags.',
    user: userTextV1,
  },
};

export const PROMPT_VERSIONS: readonly string[] = Object.keys(TEMPLATES);

/** Builds the prompt for one coin. Deterministic: the same brief and version always give the same text and hash. */
export function buildPrompt(brief: CoinBrief, version: string): Prompt {
  const template = templateFor(version);
  const tool: VerdictTool = { name: VERDICT_TOOL_NAME, description: template.toolDescription, input_schema: verdictJsonSchema };
  const user = template.user(brief);
  return { version, system: template.system, user, tool, hash: promptHash({ version, system: template.system, user, tool }) };
}

/** Throws InvalidConfig for an unknown version; for checking configuration at startup. */
export function assertPromptVersion(version: string): void {
  templateFor(version);
}

function templateFor(version: string): PromptTemplate {
  const template = Object.hasOwn(TEMPLATES, version) ? TEMPLATES[version] : undefined;
  if (template === undefined) {
    throw new KeelError('InvalidConfig', `unknown AI prompt version "${version}": KEEL_AI_PROMPT_VERSION must be one of ${PROMPT_VERSIONS.join(', ')}`);
  }
  return template;
}

/** sha256 (hex) of the value's canonical JSON (object keys sorted at every level), so key order never changes it. */
export function promptHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Six significant digits: enough for any price or indicator, and short. */
function num(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return String(Number(value.toPrecision(6)));
}

function pct(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return `${value >= 0 ? '+' : ''}${value.toFixed(2)}%`;
}

function minute(ts: number): string {
  return `${new Date(ts).toISOString().slice(0, 16)}Z`;
}

function userTextV1(brief: CoinBrief): string {
  const i = brief.indicators;
  const lines = [
    `Coin: ${brief.symbol}, ${brief.timeframe} candles. Latest closed candle opened ${minute(brief.candleTs)}; price ${num(brief.price)}.`,
    `Signal: score ${brief.score.toFixed(3)} (-1 to 1), which alone means ${brief.signalAction}. Regime: ${brief.regime}. Volatility (std of log returns): ${num(brief.volatility)}.`,
    `Indicators: RSI ${num(i.rsi)}; MA fast ${num(i.maFast)} vs slow ${num(i.maSlow)}; MACD ${num(i.macd)}, signal line ${num(i.macdSignal)}, histogram ${num(i.macdHistogram)}.`,
  ];
  if (brief.recentCandles.length > 0) {
    lines.push(`Last ${brief.recentCandles.length} candles, oldest first (open time, open, high, low, close, volume, change of close):`);
    let previousClose: number | undefined;
    for (const c of brief.recentCandles) {
      const change = previousClose === undefined ? '' : ` ${pct((c.close / previousClose - 1) * 100)}`;
      lines.push(`${minute(c.ts)} ${num(c.open)} ${num(c.high)} ${num(c.low)} ${num(c.close)} ${num(c.volume)}${change}`);
      previousClose = c.close;
    }
  } else {
    lines.push('No recent candles are available beyond the numbers above.');
  }
  if (brief.position === null) {
    lines.push('Position: none.');
  } else {
    const p = brief.position;
    const average = Number(p.averagePrice);
    const unrealized = average > 0 ? pct((brief.price / average - 1) * 100) : 'n/a';
    lines.push(`Position: holding ${p.quantity} at an average price of ${p.averagePrice} (unrealized ${unrealized}), opened at tick ${p.openedTick}.`);
  }
  return lines.join('\n');
}
