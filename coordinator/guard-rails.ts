// The rate limit and the canary of every policy (coordinator/core/rails.ts) from the coordinator's
// caches: the member nodes of each canary policy with their OS image, kernel and boot id
// (status.nodeInfo), and the starts of the grants held now.
import type { Grant, NodeInfo } from '../kube/ports.ts';
import type { CanaryMember } from './core/canary.ts';
import type { GrantDecision } from './core/model.ts';
import { canaryMember, railGuards, railsAfter, type Rails, type RailsMemory, type RailsPolicy } from './core/rails.ts';
import { requestOf } from './core/request.ts';
import { policyOf, type FleetConfig } from './view.ts';

export function railsPolicies(fleet: FleetConfig): RailsPolicy[] {
  return fleet.configs.map((c) => ({ name: c.policy.name, rate: c.policy.rate, canary: c.policy.canary }));
}

export function guardRails(o: {
  fleet: FleetConfig;
  nodes: readonly NodeInfo[];
  grants: readonly Grant[];
  memory: RailsMemory;
  nowMs: number;
}): Rails {
  return railGuards({
    policies: railsPolicies(o.fleet),
    memory: o.memory,
    membersOf: (policy) => members(o.fleet, policy, o.nodes, o.grants),
    held: (policy) => o.grants.filter((g) => g.policy === policy).map((g) => ({ node: g.node, atMs: g.grantedMs })),
    nowMs: o.nowMs,
  });
}

export function afterGrants(
  fleet: FleetConfig,
  rails: Rails,
  grants: readonly GrantDecision[],
  nowMs: number,
): RailsMemory {
  return railsAfter(railsPolicies(fleet), rails, grants, nowMs);
}

function members(
  fleet: FleetConfig,
  policy: string,
  nodes: readonly NodeInfo[],
  grants: readonly Grant[],
): CanaryMember[] {
  return nodes
    .filter((n) => policyOf(fleet, n.labels) === policy)
    .map((n) =>
      canaryMember({
        ...n,
        version: [n.system.osImage, n.system.kernelVersion].filter((x) => x !== '').join(' / '),
        bootId: n.system.bootId,
        requestSinceMs: requestOf(n, policy)?.sinceMs ?? null,
        granted: grants.some((g) => g.node === n.name),
      }),
    );
}
