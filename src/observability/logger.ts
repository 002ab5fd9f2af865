import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs (pino); `pretty` gives short human lines for the local dev run. */
export function createLogger(level: string, options: { name?: string } = {}): Logger {
  return pino({ level, base: { service: options.name ?? 'keel' }, timestamp: pino.stdTimeFunctions.isoTime });
}
