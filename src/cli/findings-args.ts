import { FINDING_KINDS, acknowledgementProblems, isFindingKind, type FindingKind } from '../domain/findings.js';

/** What `keel findings ...` asks for, once its arguments are checked. */
export type FindingsCommand =
  | { action: 'list'; exchange: string; name: string; open: boolean; limit: number }
  | { action: 'ack'; exchange: string; name: string; kind: FindingKind; ref: string; note: string; by: string };

export interface FindingsOptions {
  open?: boolean;
  note?: string;
  by?: string;
  limit?: string;
}

/** The cycle when no EXCHANGE/NAME is given (--exchange/--name or the settings), and who runs the CLI ($USER). */
export interface FindingsDefaults {
  exchange: string;
  name: string;
  user: string | undefined;
}

/** A mistake in the command line: main prints the message with the usage and exits 2. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

export const FINDINGS_USAGE = `usage: keel findings [EXCHANGE/NAME] [--open] [--limit N]
       keel findings ack [EXCHANGE/NAME] KIND REF --note "what you did" [--by NAME]
KIND is one of ${FINDING_KINDS.join(', ')}; REF is the finding's ref as \`keel findings\` lists it.`;

const CYCLE_REF = /^([a-z0-9]+)\/([A-Za-z0-9_-]{1,64})$/;
const DEFAULT_LIMIT = 50;

function cycleOf(ref: string | undefined, defaults: FindingsDefaults): { exchange: string; name: string } {
  if (ref === undefined) return { exchange: defaults.exchange, name: defaults.name };
  const match = CYCLE_REF.exec(ref);
  if (!match) throw new CliUsageError(`expected the cycle as EXCHANGE/NAME, such as sim/main (got "${ref}")`);
  return { exchange: match[1]!, name: match[2]! };
}

function limitOf(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  const limit = Number(raw);
  if (!/^\d+$/.test(raw) || limit < 1 || limit > 1000) throw new CliUsageError(`--limit must be a whole number from 1 to 1000 (got "${raw}")`);
  return limit;
}

/**
 * Reads the arguments after `keel findings`: a listing, or `ack` of one finding. The cycle is optional (EXCHANGE/NAME,
 * else the defaults); who acknowledges is `cli:<--by or $USER>`, and a note is required: a person says what they did.
 */
export function parseFindingsCommand(args: readonly string[], options: FindingsOptions, defaults: FindingsDefaults): FindingsCommand {
  if (args[0] !== 'ack') {
    if (args.length > 1) throw new CliUsageError(`keel findings takes at most one argument, the cycle (got ${args.length}: ${args.join(' ')})`);
    if (options.note !== undefined || options.by !== undefined) throw new CliUsageError('--note and --by go with `keel findings ack`');
    return { action: 'list', ...cycleOf(args[0], defaults), open: options.open === true, limit: limitOf(options.limit) };
  }
  const rest = args.slice(1);
  if (rest.length < 2 || rest.length > 3) throw new CliUsageError(`keel findings ack needs KIND and REF, optionally after EXCHANGE/NAME (got ${rest.length} argument${rest.length === 1 ? '' : 's'})`);
  const [cycleRef, kind = '', ref = ''] = rest.length === 3 ? rest : [undefined, ...rest];
  if (!isFindingKind(kind)) throw new CliUsageError(`unknown finding kind "${kind}": expected one of ${FINDING_KINDS.join(', ')}`);
  if (ref.trim() === '') throw new CliUsageError('REF must not be empty: give the finding\'s ref as `keel findings` lists it');
  if (options.open === true || options.limit !== undefined) throw new CliUsageError('--open and --limit go with the listing, not with ack');
  if (options.note === undefined) throw new CliUsageError('--note is required: say what you did about the finding (1-500 characters)');
  const who = options.by ?? defaults.user;
  if (who === undefined || who.trim() === '') throw new CliUsageError('--by NAME is required when $USER is not set');
  const by = `cli:${who.trim()}`;
  const problems = acknowledgementProblems({ by, note: options.note });
  if (problems.length > 0) throw new CliUsageError(problems.map((p) => `--${p}`).join('; '));
  return { action: 'ack', ...cycleOf(cycleRef, defaults), kind, ref, note: options.note.trim(), by };
}
