// The log every process writes through: structured lines of fields and a message, at four levels.
// The agent writes them by hand (agent/log.ts, light on every node); the reconciler and the
// coordinator with pino (reconciler/gitops/log.ts); pure code never logs.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** Structured log lines; pino's logger fits (`log.info(fields, message)`). */
export interface Log {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** A log that drops everything. */
export const NO_LOG: Log = { debug() {}, info() {}, warn() {}, error() {} };
