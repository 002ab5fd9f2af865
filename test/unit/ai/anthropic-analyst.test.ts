import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { AnthropicAnalyst, retryAfterMsFrom } from '../../../src/ai/anthropic-analyst.js';
import { AiOutputInvalidError } from '../../../src/ai/port.js';
import { buildPrompt } from '../../../src/ai/prompt.js';
import { toApplicationFailure } from '../../../src/activities/to-application-failure.js';
import { KeelError, isKeelError } from '../../../src/domain/errors.js';
import { apiKeyOf, reply, startFakeAnthropic, type FakeAnthropic } from '../../helpers/fake-anthropic.js';
import { brief } from './fixtures.js';

const MODEL = 'claude-haiku-4-5';

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );
}

describe('AnthropicAnalyst (real SDK against the loopback fake)', () => {
  let fake: FakeAnthropic;
  let analyst: AnthropicAnalyst;

  beforeAll(async () => {
    fake = await startFakeAnthropic({ model: 'claude-haiku-4-5-20251001' });
    analyst = new AnthropicAnalyst({ apiKey: 'sk-ant-test', model: MODEL, maxTokens: 600, promptVersion: 'v1', baseURL: fake.baseURL, timeoutMs: 5_000 });
  });
  afterAll(async () => fake?.close());
  beforeEach(() => fake.reset());

  it('sends one request forcing the verdict tool and returns the parsed verdict with usage and prompt hash', async () => {
    fake.script(reply.valid({ action: 'buy', confidence: 0.74, rationale: 'Trend and momentum agree.', riskFlags: ['overbought'] }, { input: 812, output: 64 }));
    const result = await analyst.analyze(brief(), {});
    expect(result.verdict).toEqual({ action: 'buy', confidence: 0.74, rationale: 'Trend and momentum agree.', riskFlags: ['overbought'] });
    expect(result.usage).toEqual({ inputTokens: 812, outputTokens: 64 });
    expect(result.model).toBe('claude-haiku-4-5-20251001');
    expect(result.promptVersion).toBe('v1');
    expect(result.promptHash).toBe(buildPrompt(brief(), 'v1').hash);
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);

    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request && apiKeyOf(request.headers)).toBe('sk-ant-test');
    expect(request?.body).toMatchObject({
      model: MODEL,
      max_tokens: 600,
      tool_choice: { type: 'tool', name: 'record_verdict', disable_parallel_tool_use: true },
      tools: [{ name: 'record_verdict' }],
    });
    expect(JSON.stringify(request?.body.messages)).toContain('BTC/USDT');
  });

  it('429: retryable RateLimitExceeded carrying the Retry-After wait, and the SDK does not retry by itself', async () => {
    fake.script(reply.rateLimited(3));
    const error = await failure(analyst.analyze(brief(), {}));
    expect(error).toBeInstanceOf(KeelError);
    expect(error).toMatchObject({ code: 'RateLimitExceeded', retryable: true, retryAfterMs: 3000 });
    expect(fake.requests).toHaveLength(1);
    // Through the activities' failure mapping: a retryable ApplicationFailure whose nextRetryDelay is the header.
    const mapped = toApplicationFailure(error);
    expect(mapped).toBeInstanceOf(ApplicationFailure);
    expect(mapped).toMatchObject({ type: 'RateLimitExceeded', nonRetryable: false, nextRetryDelay: 3000 });
  });

  it('529 overloaded and 500 are retryable', async () => {
    fake.script(reply.overloaded(), reply.serverError());
    const overloaded = await failure(analyst.analyze(brief(), {}));
    expect(overloaded).toMatchObject({ code: 'ExchangeNotAvailable', retryable: true });
    expect(String((overloaded as Error).message)).toContain('overloaded (529 overloaded_error');
    const serverError = await failure(analyst.analyze(brief(), {}));
    expect(serverError).toMatchObject({ code: 'ExchangeNotAvailable', retryable: true });
    expect(fake.requests).toHaveLength(2);
    expect(toApplicationFailure(overloaded).nonRetryable).toBe(false);
  });

  it('400, 401 and 404 are not retryable and say what to fix', async () => {
    fake.script(reply.badRequest('tool_choice: forced tool use is not supported'), reply.unauthorized(), reply.notFound());
    const bad = await failure(analyst.analyze(brief(), {}));
    expect(bad).toMatchObject({ code: 'BadRequest', retryable: false });
    expect(String((bad as Error).message)).toContain('may not accept a forced tool choice');
    const auth = await failure(analyst.analyze(brief(), {}));
    expect(auth).toMatchObject({ code: 'AuthenticationError', retryable: false });
    expect(String((auth as Error).message)).toMatch(/^ANTHROPIC_API_KEY was rejected \(401 authentication_error, request-id req_fake\d+\): invalid x-api-key/);
    const notFound = await failure(analyst.analyze(brief(), {}));
    expect(notFound).toMatchObject({ code: 'InvalidConfig', retryable: false });
    expect(String((notFound as Error).message)).toContain('check KEEL_AI_MODEL');
    expect(toApplicationFailure(auth)).toMatchObject({ type: 'AuthenticationError', nonRetryable: true });
    expect(fake.requests).toHaveLength(3);
  });

  it('a tool input that fails the schema is AiOutputInvalid, non-retryable, with the raw input and the usage', async () => {
    fake.script(reply.malformed());
    const error = await failure(analyst.analyze(brief(), {}));
    expect(error).toBeInstanceOf(AiOutputInvalidError);
    const invalid = error as AiOutputInvalidError;
    expect(invalid).toMatchObject({ code: 'AiOutputInvalid', retryable: false });
    expect(invalid.message).toContain('BTC/USDT: the record_verdict input does not match the verdict schema');
    expect(invalid.message).toContain('action:');
    expect(invalid.message).toContain('confidence:');
    expect(invalid.details.rawOutput).toBe('{"action":"to_the_moon","confidence":7}');
    expect(invalid.details.usage.inputTokens).toBeGreaterThan(0);
    expect(invalid.details.promptHash).toBe(buildPrompt(brief(), 'v1').hash);
    expect(toApplicationFailure(invalid)).toMatchObject({ type: 'AiOutputInvalid', nonRetryable: true });
  });

  it('text instead of the tool call is AiOutputInvalid carrying the text; a max_tokens cut says which setting to raise', async () => {
    fake.script(reply.text('I would buy, the chart looks great.'), reply.text('Let me think step by step about', 'max_tokens'));
    const text = await failure(analyst.analyze(brief(), {}));
    expect(text).toBeInstanceOf(AiOutputInvalidError);
    expect((text as AiOutputInvalidError).details.rawOutput).toBe('I would buy, the chart looks great.');
    expect((text as Error).message).toContain('answered without calling record_verdict (stop_reason end_turn)');
    const cut = await failure(analyst.analyze(brief(), {}));
    expect((cut as Error).message).toContain('cut off at max_tokens (600)');
    expect((cut as Error).message).toContain('KEEL_AI_MAX_TOKENS');
  });

  it('a reply slower than the timeout is a retryable RequestTimeout', async () => {
    const impatient = new AnthropicAnalyst({ apiKey: 'k', model: MODEL, maxTokens: 600, promptVersion: 'v1', baseURL: fake.baseURL, timeoutMs: 300 });
    fake.script(reply.slow(3_000));
    const error = await failure(impatient.analyze(brief(), {}));
    expect(error).toMatchObject({ code: 'RequestTimeout', retryable: true });
    await expect.poll(() => fake.inFlight).toBe(0);
  });

  it('an aborted request rejects with the abort reason (Temporal cancellation stays cancellation)', async () => {
    fake.script(reply.slow(3_000));
    const controller = new AbortController();
    const reason = new Error('cancelled by the workflow');
    const pending = analyst.analyze(brief(), { signal: controller.signal });
    await expect.poll(() => fake.inFlight).toBe(1);
    controller.abort(reason);
    expect(await failure(pending)).toBe(reason);
    await expect.poll(() => fake.inFlight).toBe(0);
  });

  it('an unreachable API is a retryable NetworkError', async () => {
    const gone = await startFakeAnthropic();
    const baseURL = gone.baseURL;
    await gone.close();
    const offline = new AnthropicAnalyst({ apiKey: 'k', model: MODEL, maxTokens: 600, promptVersion: 'v1', baseURL, timeoutMs: 2_000 });
    const error = await failure(offline.analyze(brief(), {}));
    expect(isKeelError(error) && error.code).toBe('NetworkError');
    expect((error as KeelError).retryable).toBe(true);
  });

  it('models that reject a forced tool choice get tool_choice auto', async () => {
    const sonnet55 = new AnthropicAnalyst({ apiKey: 'k', model: 'claude-sonnet-5-5', maxTokens: 600, promptVersion: 'v1', baseURL: fake.baseURL });
    await sonnet55.analyze(brief(), {});
    expect(fake.requests[0]?.body.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
  });

  it('refuses bad configuration up front', () => {
    expect(() => new AnthropicAnalyst({ apiKey: ' ', model: MODEL, maxTokens: 600, promptVersion: 'v1' })).toThrow(/ANTHROPIC_API_KEY is empty/);
    expect(() => new AnthropicAnalyst({ apiKey: 'k', model: MODEL, maxTokens: 0, promptVersion: 'v1' })).toThrow(/KEEL_AI_MAX_TOKENS/);
    expect(() => new AnthropicAnalyst({ apiKey: 'k', model: MODEL, maxTokens: 600, promptVersion: 'v7' })).toThrow(/unknown AI prompt version "v7"/);
  });
});

describe('retryAfterMsFrom', () => {
  it('reads retry-after-ms, retry-after seconds and retry-after dates', () => {
    const now = Date.UTC(2026, 10, 21, 8, 0, 0);
    expect(retryAfterMsFrom(new Headers({ 'retry-after-ms': '1500' }), now)).toBe(1500);
    expect(retryAfterMsFrom(new Headers({ 'retry-after': '2' }), now)).toBe(2000);
    expect(retryAfterMsFrom(new Headers({ 'retry-after': '0.5' }), now)).toBe(500);
    expect(retryAfterMsFrom(new Headers({ 'retry-after': new Date(now + 7000).toUTCString() }), now)).toBe(7000);
    expect(retryAfterMsFrom(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(retryAfterMsFrom(new Headers(), now)).toBeUndefined();
    expect(retryAfterMsFrom(new Headers({ 'retry-after': '999999' }), now)).toBe(3_600_000);
  });
});
