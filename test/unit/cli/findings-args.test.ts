import { describe, expect, it } from 'vitest';
import { parseFindingsCommand } from '../../../src/cli/findings-args.js';

const defaults = { exchange: 'sim', name: 'main', user: 'alice' };

describe('keel findings argument parsing', () => {
  it('lists the given cycle or the default one, optionally only open findings', () => {
    expect(parseFindingsCommand([], {}, defaults)).toEqual({ action: 'list', exchange: 'sim', name: 'main', open: false, limit: 50 });
    expect(parseFindingsCommand(['kraken/live-1'], { open: true, limit: '5' }, defaults)).toEqual({ action: 'list', exchange: 'kraken', name: 'live-1', open: true, limit: 5 });
  });

  it('acknowledges KIND REF of the given or default cycle, by cli:$USER or cli:--by, with the note trimmed', () => {
    expect(parseFindingsCommand(['ack', 'kraken/live-1', 'order_fate_unknown', 'k-abc'], { note: ' never placed ' }, defaults)).toEqual({
      action: 'ack',
      exchange: 'kraken',
      name: 'live-1',
      kind: 'order_fate_unknown',
      ref: 'k-abc',
      note: 'never placed',
      by: 'cli:alice',
    });
    expect(parseFindingsCommand(['ack', 'balance_short', 'ADA'], { note: 'topped up', by: 'bob' }, defaults)).toMatchObject({ exchange: 'sim', name: 'main', kind: 'balance_short', ref: 'ADA', by: 'cli:bob' });
  });

  it('says what is wrong: the cycle, the kind, the missing note, who, stray options', () => {
    const cases: Array<[string[], Parameters<typeof parseFindingsCommand>[1], string]> = [
      [['sim-main'], {}, 'expected the cycle as EXCHANGE/NAME, such as sim/main (got "sim-main")'],
      [['ack', 'sim/main', 'lost_coin', 'X'], { note: 'x' }, 'unknown finding kind "lost_coin": expected one of unknown_order, unknown_trade'],
      [['ack', 'unknown_order'], { note: 'x' }, 'keel findings ack needs KIND and REF'],
      [['ack', 'unknown_order', 'O1'], {}, '--note is required: say what you did about the finding'],
      [['ack', 'unknown_order', 'O1'], { note: '   ' }, '--note must say what was done about the finding'],
      [['ack', 'unknown_order', 'O1'], { note: 'x'.repeat(501) }, '--note must be at most 500 characters (got 501)'],
      [['ack', 'unknown_order', 'O1'], { note: 'x', open: true }, '--open and --limit go with the listing'],
      [['sim/main'], { note: 'x' }, '--note and --by go with `keel findings ack`'],
      [['sim/main'], { limit: '0' }, '--limit must be a whole number from 1 to 1000 (got "0")'],
    ];
    for (const [args, options, message] of cases) expect(() => parseFindingsCommand(args, options, defaults), args.join(' ')).toThrow(message);
    expect(() => parseFindingsCommand(['ack', 'unknown_order', 'O1'], { note: 'x' }, { ...defaults, user: undefined })).toThrow('--by NAME is required when $USER is not set');
  });
});
