// Objects as `status --watch` sees them (status-objects.ts' StatusObjects), for the watch tests: the
// example's compiled AgentConfigs (fleet prod-westeurope, namespace patchwindow), nodes in any phase,
// grant and coordinator Leases and waiting Events, at a time when general's window is open.
import { V1MicroTime, type V1Lease } from '@kubernetes/client-node';
import {
  coordinatorLeaseName,
  FLEET_LABEL,
  GRANT_LABEL,
  GRANT_POLICY_LABEL,
  grantLeaseName,
} from '../../kube/grants.ts';
import { REBOOT_REQUIRED_LABEL, STATE_ANNOTATION } from '../../policy/keys.ts';
import type { AgentConfig } from '../../policy/model.ts';
import { encodeState, type NodeState, type Phase } from '../../policy/state.ts';
import { examplePolicySet } from './render-fixtures.ts';
import { compileFleet } from '../../reconciler/render/compile.ts';
import type { NodeEvent } from '../../reconciler/status/report.ts';
import type { StatusObjects } from '../../reconciler/status/status-objects.ts';
import type { StatusNode } from '../../reconciler/status/status.ts';

/** Tuesday 22:00 in Amsterdam: general's window (weekdays 20:00-06:00) is open, system's (01:00-04:00) is not. */
export const EVENING = Date.parse('2026-11-24T21:00:00Z');
export const MINUTE = 60_000;
export const FLEET = 'prod-westeurope';
const POOL = 'kubernetes.azure.com/agentpool';

export async function exampleConfigs(): Promise<AgentConfig[]> {
  return compileFleet(await examplePolicySet()).policies.map((p) => p.config);
}

/** A node of `pool`; `phase` writes the agent's record, `required` the reboot-required label. */
export function node(
  name: string,
  pool: string,
  o: { required?: boolean; phase?: Phase; state?: Partial<NodeState>; ready?: boolean } = {},
): StatusNode {
  const labels: Record<string, string> = { [POOL]: pool };
  if (o.required) labels[REBOOT_REQUIRED_LABEL] = 'true';
  const annotations: Record<string, string> = {};
  if (o.phase)
    annotations[STATE_ANNOTATION] = encodeState({
      phase: o.phase,
      policy: pool,
      attempt: 1,
      bootId: 'boot-1',
      cordoned: o.phase !== 'acquiring' && o.phase !== 'failed',
      labels: {},
      startedMs: EVENING - 10 * MINUTE,
      sinceMs: EVENING - 10 * MINUTE,
      ...(o.phase === 'acquiring' || o.phase === 'failed' ? {} : { grant: `epoch-${name}` }),
      // What each phase must carry (policy/state.ts).
      ...(o.phase === 'draining' || o.phase === 'rebooting' ? { drainDeadlineMs: EVENING + 20 * MINUTE } : {}),
      ...(o.phase === 'rebooting' ? { rebootAtMs: EVENING - MINUTE } : {}),
      ...(o.phase === 'recovering' ? { outcome: 'rebooted' as const } : {}),
      ...(o.phase === 'failed' ? { retryAfterMs: EVENING + 60 * MINUTE } : {}),
      ...o.state,
    });
  return { name, labels, annotations, ready: o.ready ?? true, unschedulable: false };
}

/** The grant Lease of `node`, given `agoMs` before EVENING and renewed just now. */
export function grantLease(node: string, policy: string, agoMs = 2 * MINUTE): V1Lease {
  return {
    metadata: {
      name: grantLeaseName(node),
      uid: `epoch-${node}`,
      labels: { [FLEET_LABEL]: FLEET, [GRANT_LABEL]: 'true', [GRANT_POLICY_LABEL]: policy },
    },
    spec: {
      holderIdentity: node,
      leaseDurationSeconds: 900,
      acquireTime: new V1MicroTime(EVENING - agoMs),
      renewTime: new V1MicroTime(EVENING - 1_000),
    },
  };
}

/** The coordinator's election Lease, renewed just now. */
export const coordinatorLease: V1Lease = {
  metadata: { name: coordinatorLeaseName(FLEET) },
  spec: {
    holderIdentity: 'coordinator-0',
    leaseDurationSeconds: 15,
    acquireTime: new V1MicroTime(EVENING - MINUTE),
    renewTime: new V1MicroTime(EVENING - 1_000),
  },
};

/** A waiting Event the coordinator recorded on `node`. */
export function waitEvent(node: string, reason: string, message: string): NodeEvent {
  const atMs = EVENING - MINUTE;
  return { node, type: 'Normal', reason, message, firstMs: atMs, lastMs: atMs, count: 1 };
}

export function objects(
  configs: readonly AgentConfig[],
  nodes: readonly StatusNode[],
  o: { leases?: readonly V1Lease[]; events?: readonly NodeEvent[] } = {},
): StatusObjects & { warnings: string[] } {
  return {
    configs,
    nodes,
    leases: new Map([['patchwindow', [coordinatorLease, ...(o.leases ?? [])]]]),
    events: o.events ?? [],
    reconcilers: [],
    warnings: [],
  };
}
