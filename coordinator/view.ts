// From what the coordinator's caches hold (Nodes, grant Leases) and the compiled policies to the
// plain input of the grant decision (core/model.ts). Pure: the shell calls it on every change.
import type { Grant, NodeInfo } from '../kube/ports.ts';
import { CORDONED_BY_ANNOTATION } from '../policy/keys.ts';
import { nodeSelectorTermsMatch } from '../policy/labels.ts';
import type { AgentConfig } from '../policy/model.ts';
import { compileSchedule } from '../policy/windows.ts';
import type { CoreGrant, CoreInput, CoreNode, CorePolicy } from './core/model.ts';
import { requestOf } from './core/request.ts';

/** The fleet as the coordinator runs it: every policy's compiled config (one fleet, one namespace). */
export interface FleetConfig {
  readonly fleet: string;
  readonly namespace: string;
  readonly configs: readonly AgentConfig[];
}

/** The policies for the core, compiled once (schedules memoize their windows). */
export function corePolicies(fleet: FleetConfig): CorePolicy[] {
  return fleet.configs.map((c) => ({
    name: c.policy.name,
    budget: c.policy.budget,
    schedule: compileSchedule(c.policy.schedule),
    neededMs: c.policy.drain.timeoutMs + c.policy.reboot.expectedDurationMs,
    requestTtlMs: c.agent.slotTtlMs,
  }));
}

/** The policy whose members include a node with `labels` (rendered affinities are disjoint), or null. */
export function policyOf(fleet: FleetConfig, labels: Readonly<Record<string, string>>): string | null {
  for (const c of fleet.configs) if (nodeSelectorTermsMatch(c.members, labels)) return c.policy.name;
  return null;
}

const coreNodes = new WeakMap<FleetConfig, WeakMap<NodeInfo, CoreNode>>();

/**
 * The core's view of one Node, made once per NodeInfo object of a fleet: the coordinator's cache
 * keeps the NodeInfo of every unchanged Node, so a decision after one change reads one record.
 */
export function coreNode(fleet: FleetConfig, n: NodeInfo): CoreNode {
  let memo = coreNodes.get(fleet);
  if (memo === undefined) coreNodes.set(fleet, (memo = new WeakMap()));
  let c = memo.get(n);
  if (c === undefined) memo.set(n, (c = viewOf(fleet, n)));
  return c;
}

function viewOf(fleet: FleetConfig, n: NodeInfo): CoreNode {
  const policy = policyOf(fleet, n.labels);
  return {
    name: n.name,
    uid: n.uid,
    policy,
    ready: n.ready,
    unschedulable: n.unschedulable,
    cordonedByAgent: n.unschedulable && n.annotations[CORDONED_BY_ANNOTATION] !== undefined,
    request: requestOf(n, policy),
  };
}

/** The core's view of one grant. */
export function coreGrant(g: Grant): CoreGrant {
  return {
    node: g.node,
    nodeUid: g.nodeUid,
    policy: g.policy,
    grantedMs: g.grantedMs,
    renewedMs: g.renewedMs,
    ttlMs: g.ttlMs,
  };
}

/** The whole input of one decision. */
export function coreInput(o: {
  fleet: FleetConfig;
  policies: readonly CorePolicy[];
  nodes: readonly NodeInfo[];
  grants: readonly Grant[];
  nowMs: number;
}): CoreInput {
  return {
    nodes: o.nodes.map((n) => coreNode(o.fleet, n)),
    grants: o.grants.map(coreGrant),
    policies: o.policies,
    fleetBudget: o.fleet.configs[0]?.fleetBudget ?? null,
    nowMs: o.nowMs,
  };
}
