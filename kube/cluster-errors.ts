// What a command that talks to the cluster says when it cannot: which kind of problem (unreachable,
// credentials refused, not allowed) and what to do, as an IoError (exit 2), never a stack trace.
import { apiMessage, statusOf } from './errors.ts';
import { IoError, messageOf } from '../policy/errors.ts';

/** The system-level cause of a failed request ("connect ECONNREFUSED 127.0.0.1:6443"), if any. */
export function networkCause(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return e.message;
  }
  return undefined;
}

/** One line for a failed request: the API server's message, or the network cause ("connect ECONNREFUSED ..."). */
export function requestProblem(err: unknown): string {
  return (statusOf(err) === undefined ? networkCause(err) : undefined) ?? apiMessage(err).split('\n')[0]!;
}

/** The HTTP status anywhere in the cause chain (wrapped client errors keep the original as cause). */
function statusIn(err: unknown): number | undefined {
  for (
    let e: unknown = err, depth = 0;
    e !== undefined && e !== null && depth < 10;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    const status = statusOf(e);
    if (status !== undefined) return status;
  }
  return undefined;
}

/** `err` from a request to the API server at `server`, explained. */
export function clusterError(err: unknown, server: string): IoError {
  const status = statusIn(err);
  const message = messageOf(err).split('\n')[0]!;
  if (status === undefined) {
    const cause = networkCause(err) ?? message;
    return new IoError(
      `cannot reach the Kubernetes API server ${server} (${cause}); check that the cluster is up and that KUBECONFIG or --kubeconfig points at it`,
      { cause: err },
    );
  }
  if (status === 401) {
    return new IoError(
      `the API server ${server} refused the kubeconfig's credentials (401 Unauthorized); log in again or renew the token`,
      { cause: err },
    );
  }
  if (status === 403) {
    return new IoError(`${message}; the kubeconfig's user lacks the RBAC permission for this (cluster ${server})`, {
      cause: err,
    });
  }
  return new IoError(`${message} (cluster ${server}, HTTP ${status})`, { cause: err });
}
