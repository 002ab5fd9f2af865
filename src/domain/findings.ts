/**
 * Reconciliation findings: what keel cannot explain about an account, and a person's acknowledgement that one was
 * handled. The kinds are plain text in the database; this list is what the API and the CLI accept.
 * - unknown_order: an open order at the exchange (or in the paper ledger) that keel's orders table does not have;
 * - unknown_trade: a recent fill of an order keel's orders table does not have;
 * - balance_short: the exchange holds less of a coin than the cycle's position says;
 * - balance_excess: the exchange holds more of a coin than keel's records explain;
 * - stale_open_order: keel recorded an order as open that the exchange no longer lists as open;
 * - order_fate_unknown: an order keel tried to place whose outcome is unknown (ref: keel's client order id);
 * - fill_unapplied: an order's fill that could not be booked into the portfolio (ref: keel's client order id).
 */
export const FINDING_KINDS = ['unknown_order', 'unknown_trade', 'balance_short', 'balance_excess', 'stale_open_order', 'order_fate_unknown', 'fill_unapplied'] as const;

export type FindingKind = (typeof FINDING_KINDS)[number];

export function isFindingKind(value: string): value is FindingKind {
  return (FINDING_KINDS as readonly string[]).includes(value);
}

/** A finding's identity within its cycle, as reconciliation and acknowledgements compare them. */
export function findingKey(finding: { kind: string; ref: string }): string {
  return `${finding.kind}|${finding.ref}`;
}

/** A person must say what they did: the note is required and short enough to read in a list. */
export const ACK_NOTE_MAX_CHARS = 500;
/** Who acknowledged: a name with its channel (cli:alice, api:token-1a2b3c4d), never a secret. */
export const ACK_BY_MAX_CHARS = 200;

/** Every problem with an acknowledgement's who and why, naming the field; empty when it may be recorded. */
export function acknowledgementProblems(input: { by: string; note: string }): string[] {
  const problems: string[] = [];
  const by = input.by.trim();
  const note = input.note.trim();
  if (by.length === 0) problems.push('by must name who acknowledges the finding');
  else if (by.length > ACK_BY_MAX_CHARS) problems.push(`by must be at most ${ACK_BY_MAX_CHARS} characters (got ${by.length})`);
  if (note.length === 0) problems.push('note must say what was done about the finding');
  else if (note.length > ACK_NOTE_MAX_CHARS) problems.push(`note must be at most ${ACK_NOTE_MAX_CHARS} characters (got ${note.length})`);
  return problems;
}
