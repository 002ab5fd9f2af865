import type { BacktestRequest } from '../backtest/run.js';
import { isKeelError } from '../domain/errors.js';
import type { BacktestCommand } from './backtest-args.js';

/** --from, --to and --ticks as given; the ones left out stay absent, so the run picks its own window. */
export function windowOf(command: Pick<BacktestCommand, 'fromMs' | 'toMs' | 'ticks'>): Pick<BacktestRequest, 'fromMs' | 'toMs' | 'ticks'> {
  return {
    ...(command.fromMs !== undefined && { fromMs: command.fromMs }),
    ...(command.toMs !== undefined && { toMs: command.toMs }),
    ...(command.ticks !== undefined && { ticks: command.ticks }),
  };
}

/** The in-process backtest the command asks for, without progress callbacks. */
export function backtestRequestOf(command: BacktestCommand): BacktestRequest {
  return { dir: command.dir, config: command.config, startingCash: command.startingCash, fill: command.fill, ...windowOf(command) };
}

/**
 * Exit code 1 with "backtest refused: ..." when the data or a setting was refused (a KeelError); anything else is a
 * bug and is thrown. Either way the status line is cleared first.
 */
export function backtestRefused(error: unknown, output: { err: (text: string) => void }, status: ((line: string) => void) | undefined): number {
  status?.('');
  if (!isKeelError(error)) throw error;
  output.err(`backtest refused: ${error.message}`);
  return 1;
}
