// What every plan format shows besides the plan itself (which sides were compared), and the small
// helpers the formats share.
import { formatFieldPath, type FieldChange } from '../diff.ts';
import type { Plan, PolicyPlan } from '../plan.ts';

export interface PlanReport {
  readonly plan: Plan;
  readonly fleet: string;
  /** e.g. `origin/main (1a2b3c4)`. */
  readonly base: string;
  /** e.g. `working tree`. */
  readonly head: string;
  /** Why the base shows as empty (missing or invalid policies), or null. */
  readonly baseNote: string | null;
  /** Where --nodes came from, or null. */
  readonly nodesFile: string | null;
}

/** `1 changed, 1 added` (zero counts left out), or `no changes`. */
export function policyCounts(policies: readonly PolicyPlan[]): string {
  const counts = (['changed', 'added', 'removed'] as const)
    .map((s) => [s, policies.filter((p) => p.status === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  return counts.length > 0 ? counts.join(', ') : 'no changes';
}

export function objectCounts(plan: Plan): string {
  const { added, removed, changed } = plan.objects;
  return `${added.length} added, ${removed.length} removed, ${changed.length} changed`;
}

/** A value on one line, shortened: strings quoted, `(none)` for absent. */
export function shortValue(value: unknown, max = 80): string {
  if (value === undefined) return '(none)';
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** `path: before → after` for people. */
export function changeLine(c: FieldChange): string {
  return `${formatFieldPath(c.path)}: ${shortValue(c.before)} → ${shortValue(c.after)}`;
}

/** Whether the plan shows any difference at all. */
export function hasChanges(plan: Plan): boolean {
  const o = plan.objects;
  return (
    o.added.length + o.removed.length + o.changed.length > 0 ||
    plan.policies.some((p) => p.status !== 'unchanged') ||
    (plan.nodes?.moves.length ?? 0) > 0
  );
}

/** `1 node changes policy`, `3 nodes change policy`. */
export function nodeMoveCount(n: number): string {
  return n === 1 ? '1 node changes policy' : `${n} nodes change policy`;
}

/** Who takes a pool on one side of a pool move. */
export function poolOwner(policy: string | null, byDefault: boolean): string {
  if (policy === null) return '(no policy: no agent)';
  return byDefault ? `${policy} (default policy)` : policy;
}

/** The line that says which agents a change restarts. */
export function restartLine(policies: readonly string[]): string {
  const which = policies.length === 1 ? `policy ${policies[0]}` : `policies ${policies.join(', ')}`;
  return `The agents of ${which} restart: the DaemonSet's pod template changes, so its pods are replaced (a rolling update, a tenth of the nodes at a time); a reboot under way continues from the state recorded on its Node.`;
}
