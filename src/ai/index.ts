// keel's analyst adapter: the MarketAnalyst port, the Anthropic implementation, the prompt and the verdict schema.
export { AiOutputInvalidError, isAiOutputInvalid } from './port.js';
export type { AnalysisResult, AnalyzeOptions, CoinBrief, InvalidOutputDetails, MarketAnalyst, PositionBrief, TokenUsage } from './port.js';
export { AnthropicAnalyst, DEFAULT_AI_TIMEOUT_MS, mapAnthropicError, retryAfterMsFrom } from './anthropic-analyst.js';
export type { AnthropicAnalystOptions } from './anthropic-analyst.js';
export { buildCoinBrief, MAX_BRIEF_CANDLES } from './brief.js';
export { PROMPT_VERSIONS, VERDICT_TOOL_NAME, assertPromptVersion, buildPrompt, promptHash } from './prompt.js';
export type { Prompt } from './prompt.js';
export { costUsd, priceFor, PRICES_AS_OF } from './pricing.js';
export type { ModelPrice } from './pricing.js';
export { parseVerdict, verdictJsonSchema, verdictSchema } from './verdict-schema.js';
export type { Verdict } from './verdict-schema.js';
