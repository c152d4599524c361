// The reconciler's structured log: one JSON object per line (pino), on stdout. Every string that
// goes out, message or field, passes through `redact` first: credentials of the repository URL and
// the token never reach the log, even if some message carries them by mistake.
import { pino, stdTimeFunctions, type DestinationStream } from 'pino';
import type { LogLevel } from '../../io/log.ts';
import type { Log } from '../../io/log.ts';
import { redact } from './gitsource.ts';

export interface ReconcilerLogOptions {
  readonly level: LogLevel;
  /** The secrets to hide, asked on every line (a token file may be rotated). */
  readonly secrets: () => readonly string[];
  /** Default: stdout, written synchronously so nothing is lost at exit. */
  readonly destination?: DestinationStream;
}

/** A log with `flush`, which the process calls before it exits. */
export interface ReconcilerLog extends Log {
  flush(): void;
}

function scrub(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return redact(value, secrets);
  if (Array.isArray(value)) return value.map((v: unknown) => scrub(v, secrets));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, secrets)]));
  return value;
}

export function createReconcilerLog(options: ReconcilerLogOptions): ReconcilerLog {
  const logger = pino(
    {
      level: options.level,
      base: { component: 'reconciler' },
      timestamp: stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (fields) => scrub(fields, options.secrets()) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          const secrets = options.secrets();
          method.apply(
            this,
            args.map((a: unknown) => (typeof a === 'string' ? redact(a, secrets) : a)) as Parameters<typeof method>,
          );
        },
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
  return {
    debug: (fields, message) => logger.debug(fields, message),
    info: (fields, message) => logger.info(fields, message),
    warn: (fields, message) => logger.warn(fields, message),
    error: (fields, message) => logger.error(fields, message),
    flush: () => logger.flush(),
  };
}
