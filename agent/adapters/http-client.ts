// Small helpers shared by the adapters that call HTTP endpoints with fetch (Prometheus, webhooks):
// short, one-line descriptions of what went wrong, for error messages.
import { messageOf } from '../../policy/errors.ts';

/** Why a fetch failed: undici wraps the socket error (ECONNREFUSED, ENOTFOUND, ...) as the cause of "fetch failed". */
export function networkReason(err: unknown): string {
  const cause = err instanceof Error ? err.cause : undefined;
  const code =
    typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string'
      ? cause.code
      : undefined;
  return code ?? (cause instanceof Error ? cause.message : messageOf(err));
}

/** The start of a response body on one line, for error messages. */
export function bodyExcerpt(body: string, maxChars = 200): string {
  const oneLine = body.trim().replace(/\s+/g, ' ');
  if (oneLine.length === 0) return 'empty body';
  return oneLine.length <= maxChars ? oneLine : `${oneLine.slice(0, maxChars)}…`;
}

/** `path` (relative, e.g. 'api/v2/silences') under `base`, keeping a path prefix the base may carry. */
export function apiUrl(base: string, path: string): URL {
  return new URL(path, base.endsWith('/') ? base : `${base}/`);
}
