import { z } from 'zod';

/** Longest rationale kept; the model is asked for two or three sentences, longer answers are cut, not rejected. */
export const RATIONALE_MAX_CHARS = 600;
/** Most risk flags kept, and the longest flag. */
export const RISK_FLAGS_MAX = 8;
export const RISK_FLAG_MAX_CHARS = 48;

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * The model's answer, as the `record_verdict` tool receives it. This one schema both describes the tool input to the
 * model (as JSON Schema, below) and validates what comes back. Out-of-range or missing values reject the answer;
 * over-long text is trimmed, since a verbose but well-formed verdict is still a verdict. Unknown keys are dropped.
 */
export const verdictSchema = z.object({
  action: z.enum(['buy', 'sell', 'hold']).describe('buy: open or add to a position; sell: close the position; hold: do nothing this candle.'),
  confidence: z.number().min(0).max(1).describe('How sure you are of the action, from 0 (a guess) to 1 (certain).'),
  rationale: z
    .string()
    .trim()
    .min(1)
    .describe('Two or three plain sentences citing the numbers that decided it.')
    .transform((text) => cut(text, RATIONALE_MAX_CHARS)),
  riskFlags: z
    .array(z.string().trim().min(1))
    .default([])
    .describe('Short snake_case tags for risks worth a human look, such as overbought, high_volatility, against_trend, thin_history. Empty when none.')
    .transform((flags) => flags.slice(0, RISK_FLAGS_MAX).map((flag) => cut(flag, RISK_FLAG_MAX_CHARS))),
});

export type Verdict = z.output<typeof verdictSchema>;

/** The tool's `input_schema`: JSON Schema (draft 7) of what the model must send, generated from verdictSchema. */
export const verdictJsonSchema: { type: 'object'; properties: Record<string, unknown>; required: string[] } = (() => {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(verdictSchema, { target: 'draft-7', io: 'input' }) as Record<string, unknown>;
  return schema as { type: 'object'; properties: Record<string, unknown>; required: string[] };
})();

export type VerdictParse = { ok: true; verdict: Verdict } | { ok: false; problems: string };

/** Validates a tool input; on failure lists every problem in one line ("confidence: Too big: expected number to be <=1"). */
export function parseVerdict(input: unknown): VerdictParse {
  const parsed = verdictSchema.safeParse(input);
  if (parsed.success) return { ok: true, verdict: parsed.data };
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`).join('; ');
  return { ok: false, problems };
}
