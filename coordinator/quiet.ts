// Which Node updates the grant decision need not see at once: the coordinator's cache keeps them
// without waking the loop, and the next decision reads them. A waiting agent refreshes its request
// every third of the grant TTL, so at 5,000 waiting nodes 17 refreshes a second each woke a decision
// over the whole fleet; yet refreshing a request that is alive changes no decision (a request
// counts as alive or silent, nothing else reads its refresh time: core/liveness.ts).
import type { NodeInfo } from '../kube/ports.ts';
import { STATE_ANNOTATION } from '../policy/keys.ts';
import { decodeState, requestRefreshedMs, type NodeState } from '../policy/state.ts';

/**
 * True when `after` differs from `before` only in its request's refresh time, and that request was
 * alive at `nowMs` before it was refreshed. `ttlOf` gives a policy's request TTL (null: requests
 * never go silent; undefined: no such policy, and the update is not judged quiet).
 */
export function onlyRefreshed(
  before: NodeInfo,
  after: NodeInfo,
  nowMs: number,
  ttlOf: (policy: string) => number | null | undefined,
): boolean {
  // The record unchanged: whatever changed is something else, which the decision reads.
  if (before.annotations[STATE_ANNOTATION] === after.annotations[STATE_ANNOTATION]) return false;
  const was = waiting(before);
  const is = waiting(after);
  if (was === undefined || is === undefined || (is.renewedMs ?? 0) <= (was.renewedMs ?? 0)) return false;
  const ttlMs = ttlOf(was.policy);
  if (ttlMs === undefined) return false;
  if (ttlMs !== null && nowMs - requestRefreshedMs(was) >= ttlMs) return false;
  return sameBut(was, is) && sameNodeBut(before, after);
}

/** The node's record when it asks for a grant (phase acquiring), else undefined. */
function waiting(n: NodeInfo): NodeState | undefined {
  const read = decodeState(n.annotations[STATE_ANNOTATION]);
  return read.kind === 'ok' && read.state.phase === 'acquiring' ? read.state : undefined;
}

/** The two records are the same request: equal in everything but the refresh time. */
function sameBut(a: NodeState, b: NodeState): boolean {
  return JSON.stringify({ ...a, renewedMs: undefined }) === JSON.stringify({ ...b, renewedMs: undefined });
}

/** The two views of the Node are equal in everything but the record and the resourceVersion. */
function sameNodeBut(a: NodeInfo, b: NodeInfo): boolean {
  const rest = (n: NodeInfo) =>
    JSON.stringify({
      ...n,
      resourceVersion: undefined,
      annotations: { ...n.annotations, [STATE_ANNOTATION]: undefined },
    });
  return rest(a) === rest(b);
}
