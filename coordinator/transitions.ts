// What the fleet's records say happened between two looks at a node (pure): the coordinator turns
// the agents' records (annotation patchwindow.io/state, written before each step) into the fleet's
// counters and histograms, which outlive every agent process (an agent restarts with its node).
import type { LastReboot, NodeState } from '../policy/state.ts';

/** One thing that happened on a node, with the durations its records prove. */
export type Transition =
  | { readonly kind: 'drained'; readonly policy: string; readonly durationMs: number }
  | { readonly kind: 'rebooted'; readonly policy: string; readonly durationMs: number | null }
  | { readonly kind: 'failed'; readonly policy: string; readonly reason: 'drain' | 'reboot' | 'pre-hook' }
  | { readonly kind: 'lost'; readonly policy: string }
  | { readonly kind: 'loop-guard'; readonly policy: string };

/**
 * The transitions from record `before` to record `after` of one node (null: no record). Only what
 * the two records prove: a look that missed phases in between yields what it can still tell.
 */
export function transitions(
  before: { readonly state: NodeState | null; readonly last: LastReboot | undefined },
  now: { readonly state: NodeState | null; readonly last: LastReboot | undefined },
): Transition[] {
  const { state: after } = now;
  const { state: prior } = before;
  const out: Transition[] = [];
  const policy = after?.policy ?? prior?.policy ?? '';
  if (prior?.phase === 'draining' && after?.phase === 'rebooting')
    out.push({ kind: 'drained', policy, durationMs: Math.max(0, after.sinceMs - prior.sinceMs) });
  if (after?.phase === 'recovering' && prior !== null && prior.phase !== 'recovering') {
    if (after.outcome === 'rebooted') {
      const from = after.rebootAtMs ?? prior.rebootAtMs;
      out.push({ kind: 'rebooted', policy, durationMs: from === undefined ? null : Math.max(0, after.sinceMs - from) });
    }
    if (after.outcome === 'failed')
      out.push({
        kind: 'failed',
        policy,
        // Failed before the cordon: only the pre-reboot hook ends an attempt there.
        reason: after.rebootAtMs !== undefined ? 'reboot' : prior.phase === 'cordoning' ? 'pre-hook' : 'drain',
      });
    if (after.outcome === 'lost') out.push({ kind: 'lost', policy });
  }
  const last = now.last;
  if (last?.sentinelSurvived && last.atMs !== before.last?.atMs && before.state !== null)
    out.push({ kind: 'loop-guard', policy: prior?.policy ?? policy });
  return out;
}
