// The few error classes every part uses. Adapters wrap library errors in these (with `cause`);
// only `main` files turn them into messages and exit codes.

/** The command line was used wrongly (exit 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A file, directory, repository or cluster could not be read or reached (exit 2). */
export class IoError extends Error {
  override readonly name = 'IoError';
}

/** The policies are invalid; the diagnostics were already printed (exit 1). */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';
}

/** Worth retrying: a conflict, a timeout, a server that is briefly unavailable. */
export class TransientError extends Error {
  override readonly name = 'TransientError';
}

/** Retrying will not help: forbidden, not found, misconfigured. */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';
}

/** The message of any thrown value, without a stack. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
