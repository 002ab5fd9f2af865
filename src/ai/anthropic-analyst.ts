import Anthropic, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import { KeelError } from '../domain/errors.js';
import type { AnalysisResult, AnalyzeOptions, CoinBrief, MarketAnalyst } from './port.js';
import { AiOutputInvalidError } from './port.js';
import { VERDICT_TOOL_NAME, assertPromptVersion, buildPrompt } from './prompt.js';
import { parseVerdict } from './verdict-schema.js';

export interface AnthropicAnalystOptions {
  apiKey: string;
  /** KEEL_AI_MODEL, e.g. claude-haiku-4-5 (the default: fast and cheap enough for per-coin analysis under a daily budget). */
  model: string;
  /** KEEL_AI_MAX_TOKENS: the answer is one small tool call, a few hundred tokens. */
  maxTokens: number;
  /** KEEL_AI_PROMPT_VERSION. */
  promptVersion: string;
  /** API root; tests point it at a loopback fake. Default: ANTHROPIC_BASE_URL, else https://api.anthropic.com. */
  baseURL?: string;
  /**
   * Longest wait for one answer. Keep it under the activity's start-to-close timeout so a hung request fails as a
   * retryable RequestTimeout of this attempt instead of timing the attempt out. Default 90 s.
   */
  timeoutMs?: number;
}

export const DEFAULT_AI_TIMEOUT_MS = 90_000;
/** Longest stretch of raw model output kept with an invalid answer. */
export const RAW_OUTPUT_SNIPPET_CHARS = 500;
/** Longest wait taken from a Retry-After header; beyond it Temporal's own backoff is the better guide. */
const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * Models whose API answers a forced `tool_choice` with 400 (Anthropic's migration guides for Claude Opus 5.5,
 * Sonnet 5.5 and Fable 5.1, read 2026-11-21). They get `tool_choice: auto`, and the system prompt's "answer only by
 * calling record_verdict"; an answer without the tool call is then recorded as invalid output, like any other.
 */
const REJECTS_FORCED_TOOL_CHOICE = /^claude-(?:opus-5-5|sonnet-5-5|fable-5-1)(?:$|[-[])/;

/**
 * The analyst port over Anthropic's Messages API: one request per analysis, the verdict returned through a tool call
 * (forced where the model allows it), validated with zod. The SDK's own retries are off (`maxRetries: 0`): Temporal
 * retries the activity, honouring the server's Retry-After through nextRetryDelay, and a second retry loop
 * underneath would multiply attempts and hide them from the Web UI.
 */
export class AnthropicAnalyst implements MarketAnalyst {
  readonly model: string;
  readonly promptVersion: string;
  private readonly maxTokens: number;
  private readonly timeoutMs: number;
  private readonly client: Anthropic;

  constructor(options: AnthropicAnalystOptions) {
    if (options.apiKey.trim() === '') throw new KeelError('InvalidConfig', 'ANTHROPIC_API_KEY is empty: set it to turn AI analysis on, or leave it unset to keep AI off');
    if (!Number.isInteger(options.maxTokens) || options.maxTokens <= 0) throw new KeelError('InvalidConfig', `KEEL_AI_MAX_TOKENS must be a positive whole number (got ${options.maxTokens})`);
    assertPromptVersion(options.promptVersion);
    this.model = options.model;
    this.promptVersion = options.promptVersion;
    this.maxTokens = options.maxTokens;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_AI_TIMEOUT_MS;
    this.client = new Anthropic({
      apiKey: options.apiKey,
      ...(options.baseURL !== undefined && { baseURL: options.baseURL }),
      maxRetries: 0,
      timeout: this.timeoutMs,
    });
  }

  async analyze(brief: CoinBrief, options: AnalyzeOptions): Promise<AnalysisResult> {
    const prompt = buildPrompt(brief, this.promptVersion);
    const toolChoice: Anthropic.ToolChoice = REJECTS_FORCED_TOOL_CHOICE.test(this.model)
      ? { type: 'auto', disable_parallel_tool_use: true }
      : { type: 'tool', name: VERDICT_TOOL_NAME, disable_parallel_tool_use: true };
    const started = performance.now();
    let message: Anthropic.Message;
    try {
      message = await this.client.messages.create(
        {
          model: this.model,
          max_tokens: this.maxTokens,
          system: prompt.system,
          messages: [{ role: 'user', content: prompt.user }],
          tools: [prompt.tool],
          tool_choice: toolChoice,
        },
        { ...(options.signal && { signal: options.signal }), timeout: this.timeoutMs },
      );
    } catch (error) {
      throw mapAnthropicError(error, { model: this.model, timeoutMs: this.timeoutMs, signal: options.signal });
    }
    const latencyMs = Math.round(performance.now() - started);
    const usage = { inputTokens: message.usage?.input_tokens ?? 0, outputTokens: message.usage?.output_tokens ?? 0 };
    const details = { usage, model: message.model || this.model, promptVersion: prompt.version, promptHash: prompt.hash, latencyMs };

    const toolUse = message.content.find((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use' && block.name === VERDICT_TOOL_NAME);
    if (toolUse === undefined) {
      const text = message.content
        .filter((block): block is Anthropic.TextBlock => block.type === 'text')
        .map((block) => block.text)
        .join('\n');
      const why =
        message.stop_reason === 'max_tokens'
          ? `the answer was cut off at max_tokens (${this.maxTokens}) before ${VERDICT_TOOL_NAME} was called; raise KEEL_AI_MAX_TOKENS`
          : message.stop_reason === 'refusal'
            ? 'the model declined to answer'
            : `the model answered without calling ${VERDICT_TOOL_NAME} (stop_reason ${message.stop_reason ?? 'none'})`;
      throw new AiOutputInvalidError(`${brief.symbol}: ${why}`, { ...details, rawOutput: snippet(text !== '' ? text : JSON.stringify(message.content)) });
    }
    const parsed = parseVerdict(toolUse.input);
    if (!parsed.ok) {
      const truncated = message.stop_reason === 'max_tokens' ? ` (the answer hit max_tokens ${this.maxTokens}; raise KEEL_AI_MAX_TOKENS)` : '';
      throw new AiOutputInvalidError(`${brief.symbol}: the ${VERDICT_TOOL_NAME} input does not match the verdict schema: ${parsed.problems}${truncated}`, {
        ...details,
        rawOutput: snippet(JSON.stringify(toolUse.input) ?? String(toolUse.input)),
      });
    }
    return { verdict: parsed.verdict, ...details };
  }
}

function snippet(text: string): string {
  return text.length <= RAW_OUTPUT_SNIPPET_CHARS ? text : `${text.slice(0, RAW_OUTPUT_SNIPPET_CHARS)}…`;
}

/**
 * How long the server asked us to wait: `retry-after-ms`, else `retry-after` in seconds or as an HTTP date.
 * Undefined when there is no usable header.
 */
export function retryAfterMsFrom(headers: Headers | undefined, nowMs: number = Date.now()): number | undefined {
  if (headers === undefined) return undefined;
  const clamp = (ms: number) => Math.round(Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms)));
  const millis = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(millis)) return clamp(millis);
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value.trim());
  if (Number.isFinite(seconds)) return clamp(seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? clamp(date - nowMs) : undefined;
}

/**
 * Translates an SDK failure into keel's vocabulary; the one place that knows Anthropic's status codes.
 * Retryable: 429 (RateLimitExceeded, with the Retry-After wait), 529 overloaded and other 5xx (ExchangeNotAvailable,
 * i.e. "the remote service is unavailable"), 408 and client-side timeouts (RequestTimeout), connection failures
 * (NetworkError). Not retryable: 400 and 413 (BadRequest), 401 (AuthenticationError), 402 and 403
 * (PermissionDenied), 404 (InvalidConfig: usually the model name). A request the caller aborted hands back the
 * abort reason (Temporal's CancelledFailure), so cancellation stays cancellation.
 */
export function mapAnthropicError(error: unknown, context: { model: string; timeoutMs: number; signal?: AbortSignal | undefined }): unknown {
  if (context.signal?.aborted) return context.signal.reason ?? error;
  if (error instanceof APIUserAbortError) return new KeelError('NetworkError', 'the Anthropic API request was aborted', { cause: error });
  if (error instanceof APIConnectionTimeoutError) {
    return new KeelError('RequestTimeout', `the Anthropic API did not answer within ${context.timeoutMs} ms`, { cause: error });
  }
  if (error instanceof APIConnectionError) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return new KeelError('NetworkError', `cannot reach the Anthropic API (${error.message}${cause})`, { cause: error });
  }
  if (!(error instanceof APIError) || typeof error.status !== 'number') return error;

  const status = error.status;
  const type = error.type ?? 'error';
  const detail = error.apiMessage ?? error.message;
  const requestId = error.requestID ? `, request-id ${error.requestID}` : '';
  const what = `(${status} ${type}${requestId}): ${detail}`;
  const retryAfterMs = retryAfterMsFrom(error.headers);
  const wait = retryAfterMs === undefined ? {} : { retryAfterMs };
  const waitText = retryAfterMs === undefined ? '' : `; retry after ${retryAfterMs} ms`;

  if (status === 429) return new KeelError('RateLimitExceeded', `Anthropic API rate limit reached ${what}${waitText}`, { cause: error, ...wait });
  if (status === 529) return new KeelError('ExchangeNotAvailable', `Anthropic API is overloaded ${what}${waitText}`, { cause: error, retryable: true, ...wait });
  if (status >= 500) return new KeelError('ExchangeNotAvailable', `Anthropic API server error ${what}${waitText}`, { cause: error, retryable: true, ...wait });
  if (status === 408) return new KeelError('RequestTimeout', `Anthropic API request timed out ${what}`, { cause: error, ...wait });
  if (status === 401) {
    return new KeelError('AuthenticationError', `ANTHROPIC_API_KEY was rejected ${what}; check the key (Claude Console, API keys) or unset it to turn AI off. Retrying will not help`, { cause: error });
  }
  if (status === 402) return new KeelError('PermissionDenied', `the Anthropic account cannot pay for this request ${what}; check billing in the Claude Console`, { cause: error });
  if (status === 403) return new KeelError('PermissionDenied', `the API key may not use model "${context.model}" ${what}; check the key's workspace and permissions`, { cause: error });
  if (status === 404) {
    return new KeelError('InvalidConfig', `Anthropic API answered 404 for model "${context.model}" ${what}; check KEEL_AI_MODEL (and ANTHROPIC_BASE_URL, if set)`, { cause: error });
  }
  const hint = /tool_choice/i.test(detail) ? `; model "${context.model}" may not accept a forced tool choice` : '';
  return new KeelError('BadRequest', `Anthropic API rejected the request ${what}${hint}`, { cause: error });
}
