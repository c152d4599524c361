// The request a node publishes for a grant, read from its record (pure): the coordinator's view of
// the cluster and the forecast's simulated one read it with this one rule.
import { STATE_ANNOTATION } from '../../policy/keys.ts';
import { decodeState, requestRefreshedMs } from '../../policy/state.ts';
import type { CoreRequest } from './model.ts';

/** The request a node's record publishes (phase `acquiring` of its own policy), or null. */
export function requestOf(
  node: { readonly annotations: Readonly<Record<string, string>> },
  policy: string | null,
): CoreRequest | null {
  const read = decodeState(node.annotations[STATE_ANNOTATION]);
  if (read.kind !== 'ok' || read.state.phase !== 'acquiring' || read.state.policy !== policy) return null;
  const s = read.state;
  return { sinceMs: s.startedMs, blocked: s.blocked ?? null, aliveMs: requestRefreshedMs(s) };
}
