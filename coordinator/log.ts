// The coordinator's log: JSON lines on stdout (pino), one object per line with time, level,
// component and message, like the reconciler's.
import { pino, stdTimeFunctions } from 'pino';
import type { Log, LogLevel } from '../io/log.ts';

export interface CoordinatorLog extends Log {
  /** Writes out what is buffered (before the process exits). */
  flush(): void;
}

export function createCoordinatorLog(options: { readonly level: LogLevel; readonly identity: string }): CoordinatorLog {
  const logger = pino({
    level: options.level,
    base: { component: 'coordinator', identity: options.identity },
    timestamp: stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
  return {
    debug: (fields, message) => logger.debug(fields, message),
    info: (fields, message) => logger.info(fields, message),
    warn: (fields, message) => logger.warn(fields, message),
    error: (fields, message) => logger.error(fields, message),
    flush: () => logger.flush(),
  };
}
