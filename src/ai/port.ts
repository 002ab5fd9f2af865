import { KeelError } from '../domain/errors.js';
import type { Candle } from '../domain/market-types.js';
import type { IndicatorSnapshot, Regime, SignalAction } from '../domain/signal-types.js';
import type { Verdict } from './verdict-schema.js';

/** The open position on the coin, if any (decimal strings, as the portfolio keeps them). */
export interface PositionBrief {
  quantity: string;
  averagePrice: string;
  /** Tick number when the position was opened. */
  openedTick: number;
}

/**
 * Everything the analyst is told about one coin at one candle: a few hundred bytes, built from the coin's evaluation,
 * its last few stored candles and its position.
 */
export interface CoinBrief {
  symbol: string;
  timeframe: string;
  /** Open time (epoch ms) of the latest closed candle evaluated. */
  candleTs: number;
  price: number;
  /** The signal's combined score in [-1, 1] and the action it implies on its own. */
  score: number;
  signalAction: SignalAction;
  regime: Regime;
  /** Standard deviation of log returns over the slow moving-average window. */
  volatility: number;
  indicators: IndicatorSnapshot;
  /** The most recent closed candles, oldest first (a dozen or so; the prompt shows them compactly). */
  recentCandles: Candle[];
  position: PositionBrief | null;
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

/** What one model call produced, with what it cost to produce it. */
export interface AnalysisResult {
  verdict: Verdict;
  usage: TokenUsage;
  /** The model that answered, as the API reported it (may be a dated snapshot of the configured alias). */
  model: string;
  promptVersion: string;
  /** sha256 of the exact prompt sent (system text, user text, tool definition): equal hashes, equal prompts. */
  promptHash: string;
  latencyMs: number;
}

export interface AnalyzeOptions {
  /** Aborts the request (Temporal's cancellationSignal() in the activity). */
  signal?: AbortSignal;
}

/**
 * The analyst port. Implementations make exactly one model request per call and never retry: retries, their timing
 * and their limits belong to Temporal. They throw KeelErrors: retryable ones for overload and rate limits (with
 * `retryAfterMs` when the server says how long to wait), non-retryable ones for bad requests and bad keys, and
 * AiOutputInvalidError when the model answered but not in the agreed shape.
 */
export interface MarketAnalyst {
  /** The configured model, recorded for analyses that never reached it. */
  readonly model: string;
  readonly promptVersion: string;
  analyze(input: CoinBrief, options: AnalyzeOptions): Promise<AnalysisResult>;
}

export interface InvalidOutputDetails {
  /** The start of what the model sent (tool input as JSON, or its text), for the record. */
  rawOutput: string;
  usage: TokenUsage;
  model: string;
  promptVersion: string;
  promptHash: string;
  latencyMs: number;
}

/**
 * The model answered, but not with a usable verdict. Never retryable: the same prompt would most likely get the same
 * kind of answer, and the tokens are already spent. Carries the usage so the spend is still counted.
 */
export class AiOutputInvalidError extends KeelError {
  readonly details: InvalidOutputDetails;

  constructor(message: string, details: InvalidOutputDetails) {
    super('AiOutputInvalid', message, { retryable: false });
    this.details = details;
  }
}

export function isAiOutputInvalid(error: unknown): error is AiOutputInvalidError {
  return error instanceof AiOutputInvalidError;
}
