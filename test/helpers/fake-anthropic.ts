import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback stand-in for Anthropic's Messages API (POST /v1/messages), reached by the real @anthropic-ai/sdk through
 * `baseURL`. It answers as the API does: a `message` object whose content is a tool_use block for the tool the
 * request forced (or its first tool), with id, model, stop_reason and usage; errors as `{type: "error", error:
 * {type, message}}` with a request-id header. Replies are scripted in order; when the script runs out the fallback
 * answers (a valid verdict unless changed). It counts requests and the most it ever had in flight at once.
 */

export type FakeReply =
  | { kind: 'valid'; verdict?: Record<string, unknown>; usage?: { input: number; output: number }; delayMs?: number }
  /** A tool_use block whose input does not match the verdict schema. */
  | { kind: 'tool-input'; input: unknown; delayMs?: number }
  /** Text instead of a tool call. */
  | { kind: 'text'; text: string; stopReason: 'end_turn' | 'max_tokens' | 'refusal'; delayMs?: number }
  | { kind: 'error'; status: number; errorType: string; message: string; headers?: Record<string, string>; delayMs?: number };

export const DEFAULT_VERDICT = {
  action: 'hold',
  confidence: 0.62,
  rationale: 'RSI is neutral and the moving averages are flat, so there is no edge on this candle.',
  riskFlags: ['ranging'],
};

/** Reply builders for the scripted scenarios. */
export const reply = {
  valid: (verdict: Record<string, unknown> = DEFAULT_VERDICT, usage?: { input: number; output: number }): FakeReply => ({ kind: 'valid', verdict, ...(usage && { usage }) }),
  /** A valid verdict after `delayMs`. */
  slow: (delayMs: number, verdict: Record<string, unknown> = DEFAULT_VERDICT): FakeReply => ({ kind: 'valid', verdict, delayMs }),
  /** Tool input that fails the schema: unknown action, confidence out of range, no rationale. */
  malformed: (input: unknown = { action: 'to_the_moon', confidence: 7 }): FakeReply => ({ kind: 'tool-input', input }),
  text: (text = 'Honestly I would just buy it.', stopReason: 'end_turn' | 'max_tokens' | 'refusal' = 'end_turn'): FakeReply => ({ kind: 'text', text, stopReason }),
  rateLimited: (retryAfterSeconds: number): FakeReply => ({
    kind: 'error',
    status: 429,
    errorType: 'rate_limit_error',
    message: 'This request would exceed the rate limit for your organization of 50 requests per minute.',
    headers: { 'retry-after': String(retryAfterSeconds) },
  }),
  overloaded: (): FakeReply => ({ kind: 'error', status: 529, errorType: 'overloaded_error', message: 'Overloaded' }),
  serverError: (): FakeReply => ({ kind: 'error', status: 500, errorType: 'api_error', message: 'Internal server error' }),
  badRequest: (message = 'max_tokens: Field required'): FakeReply => ({ kind: 'error', status: 400, errorType: 'invalid_request_error', message }),
  unauthorized: (): FakeReply => ({ kind: 'error', status: 401, errorType: 'authentication_error', message: 'invalid x-api-key' }),
  notFound: (): FakeReply => ({ kind: 'error', status: 404, errorType: 'not_found_error', message: 'model: claude-nonexistent' }),
};

export interface FakeRequest {
  /** The parsed JSON body. */
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  /** Date.now() when the request arrived and when its response ended (or the client went away). */
  startedAt: number;
  endedAt: number | undefined;
  reply: FakeReply['kind'];
  status: number;
}

export interface FakeAnthropic {
  /** Pass to the SDK as baseURL. */
  readonly baseURL: string;
  /** Queues replies, answered in order by the next requests. */
  script(...replies: FakeReply[]): void;
  /** What answers once the script is empty. */
  setFallback(reply: FakeReply): void;
  /** Every request /v1/messages received, in arrival order. */
  readonly requests: readonly FakeRequest[];
  readonly inFlight: number;
  /** The most requests ever in flight at the same time. */
  readonly maxInFlight: number;
  /** Clears the script, the fallback (back to valid), the requests and the counters. */
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeAnthropic(options: { fallback?: FakeReply; model?: string } = {}): Promise<FakeAnthropic> {
  const defaultFallback: FakeReply = options.fallback ?? reply.valid();
  let fallback = defaultFallback;
  let queue: FakeReply[] = [];
  let requests: FakeRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let seq = 0;
  const pendingTimers = new Set<NodeJS.Timeout>();

  const server = createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let finished = false;
    const seen: { record?: FakeRequest } = {};
    res.on('close', () => {
      if (finished) return;
      finished = true;
      inFlight -= 1;
      if (seen.record) seen.record.endedAt = Date.now();
    });
    const startedAt = Date.now();
    const raw = await readBody(req);
    const requestId = `req_fake${String(++seq).padStart(6, '0')}`;

    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== '/v1/messages') {
      sendError(res, 404, 'not_found_error', `Not found: ${req.method} ${req.url}`, requestId);
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      sendError(res, 400, 'invalid_request_error', 'request body is not valid JSON', requestId);
      return;
    }
    // The API's own checks, before any scripted reply: a key, a version, the required fields.
    const problem = apiKeyOf(req.headers) === undefined
      ? { status: 401, type: 'authentication_error', message: 'an API key is required (x-api-key or Authorization: Bearer)' }
      : !req.headers['anthropic-version']
        ? { status: 400, type: 'invalid_request_error', message: 'anthropic-version: header is required' }
        : typeof body.model !== 'string' || typeof body.max_tokens !== 'number' || !Array.isArray(body.messages)
          ? { status: 400, type: 'invalid_request_error', message: 'model, max_tokens and messages are required' }
          : undefined;
    const scripted = queue.shift() ?? fallback;
    const record: FakeRequest = { body, headers: req.headers, startedAt, endedAt: undefined, reply: scripted.kind, status: problem?.status ?? (scripted.kind === 'error' ? scripted.status : 200) };
    seen.record = record;
    requests.push(record);
    if (problem) {
      sendError(res, problem.status, problem.type, problem.message, requestId);
      return;
    }
    if (scripted.delayMs !== undefined && scripted.delayMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          pendingTimers.delete(timer);
          resolve();
        }, scripted.delayMs);
        pendingTimers.add(timer);
        res.once('close', () => {
          clearTimeout(timer);
          pendingTimers.delete(timer);
          resolve();
        });
      });
      if (res.destroyed || res.writableEnded) return; // the client gave up (timeout or cancellation)
    }
    if (scripted.kind === 'error') {
      sendError(res, scripted.status, scripted.errorType, scripted.message, requestId, scripted.headers);
      return;
    }
    sendJson(res, 200, messageFor(body, scripted, options.model), { 'request-id': requestId });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}`,
    script(...replies) {
      queue.push(...replies);
    },
    setFallback(next) {
      fallback = next;
    },
    get requests() {
      return requests;
    },
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    reset() {
      queue = [];
      fallback = defaultFallback;
      requests = [];
      maxInFlight = inFlight;
    },
    async close() {
      for (const timer of pendingTimers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The API key a request carries: the SDK sends it as `Authorization: Bearer`, older clients as `x-api-key`. */
export function apiKeyOf(headers: IncomingHttpHeaders): string | undefined {
  const xApiKey = headers['x-api-key'];
  if (typeof xApiKey === 'string' && xApiKey !== '') return xApiKey;
  const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '');
  return bearer?.[1];
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(payload));
}

function sendError(res: ServerResponse, status: number, type: string, message: string, requestId: string, headers: Record<string, string> = {}): void {
  // x-should-retry is what the real API sends too; the SDK only reads it when it retries itself (keel sets maxRetries 0).
  sendJson(res, status, { type: 'error', error: { type, message }, request_id: requestId }, { 'request-id': requestId, 'x-should-retry': String(status === 429 || status >= 500), ...headers });
}

/** The tool the request forced, else its first tool. */
function toolNameOf(body: Record<string, unknown>): string {
  const choice = body.tool_choice as { type?: string; name?: string } | undefined;
  if (choice?.type === 'tool' && typeof choice.name === 'string') return choice.name;
  const tools = body.tools as Array<{ name?: string }> | undefined;
  return tools?.[0]?.name ?? 'record_verdict';
}

/** A rough, deterministic token count: about four characters a token, as for English text. */
function estimateInputTokens(body: Record<string, unknown>): number {
  return Math.ceil(JSON.stringify([body.system, body.messages, body.tools]).length / 4);
}

function messageFor(body: Record<string, unknown>, scripted: Exclude<FakeReply, { kind: 'error' }>, modelOverride: string | undefined): Record<string, unknown> {
  const model = modelOverride ?? String(body.model);
  const id = `msg_fake${Math.random().toString(36).slice(2, 14)}`;
  const inputTokens = scripted.kind === 'valid' && scripted.usage ? scripted.usage.input : estimateInputTokens(body);
  let content: unknown[];
  let stopReason: string;
  let outputTokens: number;
  if (scripted.kind === 'text') {
    content = [{ type: 'text', text: scripted.text }];
    stopReason = scripted.stopReason;
    outputTokens = Math.ceil(scripted.text.length / 4);
  } else {
    const input = scripted.kind === 'valid' ? (scripted.verdict ?? DEFAULT_VERDICT) : scripted.input;
    content = [{ type: 'tool_use', id: `toolu_fake${Math.random().toString(36).slice(2, 14)}`, name: toolNameOf(body), input }];
    stopReason = 'tool_use';
    outputTokens = scripted.kind === 'valid' && scripted.usage ? scripted.usage.output : Math.ceil(JSON.stringify(input).length / 4) + 20;
  }
  return {
    id,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: { input_tokens: inputTokens, output_tokens: outputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, service_tier: 'standard' },
  };
}
