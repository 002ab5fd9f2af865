import { checkLookahead } from '../backtest/lookahead.js';
import type { LookaheadReport } from '../backtest/lookahead.js';
import type { BacktestCommand } from './backtest-args.js';
import { backtestRefused, backtestRequestOf } from './backtest-request.js';

/** Differences printed in the table; --json keeps them all. */
const SHOWN_DIFFERENCES = 20;

/** `keel backtest --check-lookahead`: 0 when every past decision is re-made identically, 1 on a difference or refusal. */
export async function runLookaheadCli(
  command: BacktestCommand,
  output: { out: (text: string) => void; err: (text: string) => void },
  status: ((line: string) => void) | undefined,
): Promise<number> {
  try {
    const report = await checkLookahead(
      {
        ...backtestRequestOf(command),
        ...(status !== undefined && { onProgress: (done: number, total: number) => status(`full run ${done}/${total} ticks`) }),
      },
      {
        ...(command.lookaheadSamples !== undefined && { samples: command.lookaheadSamples }),
        ...(status !== undefined && { onCut: (done: number, cuts: number) => status(`reruns on cut data ${done}/${cuts}`) }),
      },
    );
    status?.('');
    output.out(command.json ? JSON.stringify(report) : formatLookahead(report));
    return report.differences.length === 0 ? 0 : 1;
  } catch (error) {
    return backtestRefused(error, output, status);
  }
}

export function formatLookahead(report: LookaheadReport): string {
  const cuts = report.cutTs.length;
  if (report.differences.length === 0) {
    return `no look-ahead: ${report.comparedOrders} past decisions re-made on data cut at ${cuts} points, all identical`;
  }
  const lines = report.differences
    .slice(0, SHOWN_DIFFERENCES)
    .map((d) => `  cut ${utc(d.cutTs)}  tick ${utc(d.tickTs)}  ${d.symbol}: ${d.what} (full run vs cut run)`);
  const more = report.differences.length - lines.length;
  return [
    `look-ahead: ${report.differences.length} orders differ when the data is cut at the tick (${report.comparedOrders} past decisions re-made at ${cuts} points);`,
    'a decision read a candle that had not closed yet:',
    ...lines,
    ...(more > 0 ? [`  ... and ${more} more (--json lists them all)`] : []),
  ].join('\n');
}

function utc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')}Z`;
}
