// The progress of a rollout as `patchwindow status --watch` shows it (pure), from one Status after
// another (status.ts computes each; nothing here reads the cluster again).
//
// Per policy, over the nodes it takes now:
// - `total`: the nodes that needed a reboot when the watch started, plus those that came to need one
//   since (each counted once, however often it needs one);
// - `rebooted`: those of them that are settled now: no reboot-required label, no agent record
//   (phase idle) and no grant — rebooted since, or no longer needing it.
// A node that leaves the policy (deleted, relabelled) leaves both numbers.
import { FLEET_GROUP } from '../../policy/budget.ts';
import type { NodeRow, Status } from './status.ts';

/** What the watch remembers between frames: per `fleet/policy`, the nodes seen needing a reboot. */
export type Seen = ReadonlyMap<string, ReadonlySet<string>>;

export interface PolicyProgress {
  readonly fleet: string;
  readonly policy: string;
  readonly rebooted: number;
  readonly total: number;
}

const key = (fleet: string, policy: string) => `${fleet}/${policy}`;

/** The node has nothing left to do: no reboot needed, no agent record, no grant. */
export function settled(r: NodeRow): boolean {
  return r.rebootRequiredSinceMs === null && r.phase === 'idle' && r.grant === null;
}

/** The policy that runs the node's agent (the first, when two conflict), or null for none. */
function policyOf(r: NodeRow): string | null {
  return r.fleet === null ? null : (r.policies[0] ?? null);
}

/** `seen` with the nodes of `status` that need a reboot now added. */
export function remember(seen: Seen, status: Status): Seen {
  const next = new Map<string, Set<string>>([...seen].map(([k, v]) => [k, new Set(v)]));
  for (const r of status.nodes) {
    const policy = policyOf(r);
    if (policy === null || settled(r)) continue;
    const k = key(r.fleet!, policy);
    if (!next.has(k)) next.set(k, new Set());
    next.get(k)!.add(r.node);
  }
  return next;
}

/** Per policy of `status` (in its order), the rebooted and total numbers defined above. */
export function progressOf(seen: Seen, status: Status): PolicyProgress[] {
  return status.groups
    .filter((g) => g.group !== FLEET_GROUP)
    .map((g) => {
      const wanted = seen.get(key(g.fleet, g.group)) ?? new Set<string>();
      const counted = status.nodes.filter((r) => r.fleet === g.fleet && policyOf(r) === g.group && wanted.has(r.node));
      return { fleet: g.fleet, policy: g.group, rebooted: counted.filter(settled).length, total: counted.length };
    });
}

/**
 * `--until-done`: `done` once every node a policy takes is settled; `failed` once one is in phase
 * `failed` or a policy halted itself (someone must look); otherwise `running`.
 */
export function verdict(status: Status): 'done' | 'failed' | 'running' {
  const mine = status.nodes.filter((r) => policyOf(r) !== null);
  if (mine.every(settled)) return 'done';
  if (mine.some((r) => r.phase === 'failed') || status.halted.length > 0) return 'failed';
  return 'running';
}
