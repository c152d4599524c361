// Turns API failures — kube/rest.ts's ApiError, @kubernetes/client-node's ApiException, network
// errors — into the project's error classes, so callers decide by kind (retry or give up) and never
// by parsing library messages. Both carry the HTTP status as `code` and the Status object as `body`
// (text); nothing here loads client-node, which the agent's worker never does.
import { TerminalError, TransientError } from '../policy/errors.ts';

/** An error status from either client: its HTTP code and the body as the server sent it. */
function apiFailure(err: unknown): { code: number; body: unknown } | undefined {
  if (!(err instanceof Error) || !('body' in err) || !('code' in err)) return undefined;
  return typeof err.code === 'number' ? { code: err.code, body: err.body } : undefined;
}

/** HTTP status of an API error, or undefined for network failures. */
export function statusOf(err: unknown): number | undefined {
  const failure = apiFailure(err);
  if (failure) return failure.code;
  const code =
    (err as { statusCode?: unknown; code?: unknown } | null)?.statusCode ?? (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The API server's own message from a Status body (which client-node leaves as a string). */
export function apiMessage(err: unknown): string {
  const failure = apiFailure(err);
  if (failure) {
    const body = failure.body;
    if (typeof body === 'string') {
      try {
        const status = JSON.parse(body) as { message?: unknown };
        if (typeof status.message === 'string') return status.message;
      } catch {
        return body.slice(0, 200);
      }
    }
    return `HTTP ${failure.code}`;
  }
  return err instanceof Error ? err.message : String(err);
}

const TRANSIENT = new Set([408, 409, 429, 500, 502, 503, 504]);

/** Wraps any client failure of `what` (e.g. "cordon node n1") as TransientError or TerminalError. */
export function wrap(what: string, err: unknown): Error {
  const status = statusOf(err);
  const message = `${what}: ${apiMessage(err)}`;
  if (status === undefined || TRANSIENT.has(status)) return new TransientError(message, { cause: err });
  return new TerminalError(message, { cause: err });
}

/** Runs `call`; wraps its failure unless the status is one the caller handles itself. */
export async function call<T>(
  what: string,
  fn: () => Promise<T>,
  handled: Readonly<Record<number, () => T>> = {},
): Promise<T> {
  try {
    return await fn();
  } catch (err: unknown) {
    const status = statusOf(err);
    const handler = status === undefined ? undefined : handled[status];
    if (handler) return handler();
    throw wrap(what, err);
  }
}
