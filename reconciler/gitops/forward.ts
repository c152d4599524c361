// POST /sync on a replica that does not lead: the request is passed on to the leader, whose address
// the leader publishes on the Lease, so a git webhook aimed at a Service with several replicas
// behind it works whichever replica it reaches. A forwarded request is never forwarded again, and it
// carries the original body and proof headers: the leader checks the webhook secret itself.
import { messageOf } from '../../policy/errors.ts';
import type { LeaseHolder } from '../../kube/leader.ts';

/** The answer to POST /sync. */
export interface SyncReply {
  readonly status: number;
  readonly body: Readonly<Record<string, unknown>>;
}

/** A /sync request as it arrived: the body and the headers that prove it, to pass on unchanged. */
export interface SyncRequest {
  /** Another replica passed the request on. */
  readonly forwarded: boolean;
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

/** Lease annotation: the URL of the holder's POST /sync. */
export const SYNC_URL_ANNOTATION = 'patchwindow.io/sync-url';
/** Request header marking a forwarded sync request. */
export const FORWARDED_HEADER = 'x-patchwindow-forwarded';

const FORWARD_TIMEOUT_MS = 5_000;

/** Sends a follower's sync request on to the leader named by `holder`. */
export async function forwardSync(holder: LeaseHolder | undefined, request: SyncRequest): Promise<SyncReply> {
  if (request.forwarded)
    return {
      status: 503,
      body: { error: 'forwarded to a replica that does not lead (the Lease changed hands); send it again' },
    };
  if (!holder)
    return {
      status: 503,
      body: { error: 'no replica leads yet; the first leader runs a cycle as soon as it is elected' },
    };
  const url = holder.annotations[SYNC_URL_ANNOTATION];
  if (!url)
    return {
      status: 503,
      body: {
        error: `this replica does not lead and the leader ${holder.identity} publishes no sync URL (--advertise-url); the next scheduled cycle picks the change up`,
      },
    };
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { ...request.headers, [FORWARDED_HEADER]: '1' },
      body: request.body,
      redirect: 'error',
      signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
    });
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    return { status: res.status, body: { ...body, leader: holder.identity } };
  } catch (err: unknown) {
    return { status: 502, body: { error: `cannot reach the leader ${holder.identity} at ${url}: ${messageOf(err)}` } };
  }
}
