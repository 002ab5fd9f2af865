import type { TokenUsage } from './port.js';

/** US dollars per million tokens, standard (non-batch) API rates, base input and output. */
export interface ModelPrice {
  inputPerMTok: number;
  outputPerMTok: number;
}

/**
 * List prices of the Claude API, read on 2026-11-21 from Anthropic's pricing and model pages
 * (https://platform.claude.com/docs/en/about-claude/pricing, .../docs/en/models and each model's overview page).
 * Prompt caching and the batch discount are not used by keel, so only base input and output rates are listed; keel's
 * prompts are a few hundred tokens, far below any long-context surcharge (Sonnet 4 / 4.5 above 200K input tokens).
 * Claude Haiku 5.5 is priced in bands by prompt length: the lower band (prompts up to 100K tokens) is the one that
 * applies here. A model missing from this list gets a null cost, never a guess: add it here when prices change.
 */
export const PRICES_AS_OF = '2026-11-21';

const PRICES: Record<string, ModelPrice> = {
  'claude-fable-5-1': { inputPerMTok: 10, outputPerMTok: 50 },
  'claude-opus-5-5': { inputPerMTok: 4, outputPerMTok: 20 },
  'claude-opus-5': { inputPerMTok: 5, outputPerMTok: 25 },
  'claude-sonnet-5-5': { inputPerMTok: 2, outputPerMTok: 10 },
  'claude-sonnet-5': { inputPerMTok: 2, outputPerMTok: 10 },
  'claude-haiku-5-5': { inputPerMTok: 0.1, outputPerMTok: 0.5 },
  'claude-opus-4-6': { inputPerMTok: 5, outputPerMTok: 25 },
  'claude-opus-4-5': { inputPerMTok: 5, outputPerMTok: 25 },
  'claude-sonnet-4-6': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-sonnet-4-5': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-haiku-4-5': { inputPerMTok: 1, outputPerMTok: 5 },
  'claude-opus-4-1': { inputPerMTok: 15, outputPerMTok: 75 },
  'claude-opus-4': { inputPerMTok: 15, outputPerMTok: 75 },
  'claude-sonnet-4': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-3-7-sonnet': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-3-5-haiku': { inputPerMTok: 0.8, outputPerMTok: 4 },
  'claude-3-haiku': { inputPerMTok: 0.25, outputPerMTok: 1.25 },
};

/**
 * The alias a model id belongs to: a dated snapshot ("claude-sonnet-4-5-20250929") and a context-window suffix
 * ("claude-opus-5-5[1m]") are priced as their alias. Matching is exact after that, so an unknown "claude-opus-4-7"
 * is not mistaken for "claude-opus-4".
 */
function aliasOf(model: string): string {
  return model
    .trim()
    .toLowerCase()
    .replace(/\[[^\]]*\]$/, '')
    .replace(/-(?:19|20)\d{6}$/, '')
    .replace(/-latest$/, '');
}

/** The model's price, or null when keel does not know it. */
export function priceFor(model: string): ModelPrice | null {
  const alias = aliasOf(model);
  return Object.hasOwn(PRICES, alias) ? (PRICES[alias] ?? null) : null;
}

/** What the call cost in US dollars (rounded to 1e-8), or null for a model without a known price. */
export function costUsd(model: string, usage: TokenUsage): number | null {
  const price = priceFor(model);
  if (price === null) return null;
  const dollars = (usage.inputTokens * price.inputPerMTok + usage.outputTokens * price.outputPerMTok) / 1_000_000;
  return Math.round(dollars * 1e8) / 1e8;
}
