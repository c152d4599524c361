// What `patchwindow status` takes from each object it reads (pure): AgentConfig ConfigMaps, Nodes,
// the Leases of a Fleet's namespace (grants, the coordinator's election, the halts), the waiting
// Events on Nodes and the reconciler's status ConfigMap. The one-shot read (status-read.ts) and the
// live view of `status --watch` (status-live.ts) both map what they got through here.
import type { CoreV1Event, V1ConfigMap, V1Lease, V1Node } from '@kubernetes/client-node';
import { coordinatorLeaseName, FLEET_LABEL, GRANT_LABEL, grantOf } from '../../kube/grants.ts';
import { haltLeaseName, haltsOfLease } from '../../kube/halts.ts';
import type { Grant } from '../../kube/ports.ts';
import type { AgentConfig } from '../../policy/model.ts';
import { schemaProblems } from '../../policy/schema.ts';
import { CONFIG_FILE } from '../render/daemonset.ts';
import type { NodeEvent } from './report.ts';
import type { HaltRead } from './status-halt.ts';
import type { ReconcilerRecord } from './status-why.ts';
import type { CoordinatorLease, StatusInput, StatusNode, WaitEvent } from './status.ts';

/** Reasons of the Events an agent (agent/tell.ts) or the coordinator (coordinator/holds.ts) records when a node starts waiting. */
const WAIT_REASONS = new Set([
  'SentinelUnknown',
  'RebootHeld',
  'RebootPaused',
  'WaitingForWindow',
  'WaitingForGrant',
  'RebootBlocked',
  'PoolHeldByUnavailableNodes',
  'PoolHeldByStalledGrant',
  'PoolHeldByHealthGate',
  'RequestNotRefreshed',
  'PoolHalted',
]);
const COMPONENTS = new Set(['patchwindow-agent', 'patchwindow-coordinator']);

/** Selects the reconcilers' status ConfigMaps (status-store.ts). */
export const RECONCILER_SELECTOR = 'app.kubernetes.io/name=patchwindow,app.kubernetes.io/component=reconciler';

/** The AgentConfig a rendered ConfigMap holds; undefined (with a warning) when this version cannot read it. */
export function agentConfigOf(cm: V1ConfigMap, warnings: string[]): AgentConfig | undefined {
  const where = `ConfigMap ${cm.metadata?.namespace ?? ''}/${cm.metadata?.name ?? ''}`;
  if (cm.data?.[CONFIG_FILE] === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(cm.data[CONFIG_FILE]);
  } catch {
    warnings.push(`${where}: ${CONFIG_FILE} is not JSON; skipped`);
    return undefined;
  }
  const problems = schemaProblems('AgentConfig', value);
  if (problems.length > 0) {
    warnings.push(
      `${where}: not an AgentConfig this version reads (${problems[0]!.message}); skipped, re-render with this version`,
    );
    return undefined;
  }
  return value as AgentConfig;
}

export function statusNodeOf(n: V1Node): StatusNode {
  return {
    name: n.metadata?.name ?? '',
    labels: n.metadata?.labels ?? {},
    annotations: n.metadata?.annotations ?? {},
    ready: n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    unschedulable: n.spec?.unschedulable === true,
  };
}

function eventTimeMs(e: CoreV1Event): number {
  const t = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp;
  return t ? new Date(t).getTime() : 0;
}

/** A patchwindow Event on a Node as `report` reads it (first and last time of an aggregated Event); undefined for others' Events. */
export function nodeEventOf(e: CoreV1Event): NodeEvent | undefined {
  if (e.involvedObject.kind !== 'Node' || !COMPONENTS.has(e.source?.component ?? '')) return undefined;
  const lastMs = eventTimeMs(e);
  const first = e.firstTimestamp ?? e.eventTime;
  return {
    node: e.involvedObject.name ?? '',
    type: e.type === 'Warning' ? 'Warning' : 'Normal',
    reason: e.reason ?? '',
    message: e.message ?? '',
    firstMs: first ? Math.min(new Date(first).getTime(), lastMs) : lastMs,
    lastMs,
    count: e.count ?? 1,
  };
}

/** The latest waiting Event per node among the patchwindow Events. */
export function waitsOf(events: readonly NodeEvent[]): Map<string, WaitEvent> {
  const waits = new Map<string, WaitEvent>();
  for (const e of events) {
    if (!WAIT_REASONS.has(e.reason)) continue;
    if ((waits.get(e.node)?.atMs ?? -1) <= e.lastMs)
      waits.set(e.node, { reason: e.reason, message: e.message, atMs: e.lastMs });
  }
  return waits;
}

/** What the Leases of a Fleet's namespace say of it: its grants, its coordinator's election, its halted pools. */
export function fleetLeases(
  fleet: { readonly fleet: string; readonly namespace: string },
  leases: readonly V1Lease[],
): { grants: { fleet: string; grant: Grant }[]; coordinator: CoordinatorLease | undefined; halts: HaltRead[] } {
  const grants: { fleet: string; grant: Grant }[] = [];
  let coordinator: CoordinatorLease | undefined;
  let halts: HaltRead[] = [];
  for (const lease of leases) {
    const name = lease.metadata?.name ?? '';
    const labels = lease.metadata?.labels ?? {};
    if (labels[FLEET_LABEL] === fleet.fleet && labels[GRANT_LABEL] === 'true') {
      const grant = grantOf(lease);
      if (grant) grants.push({ fleet: fleet.fleet, grant });
    } else if (name === coordinatorLeaseName(fleet.fleet) && lease.spec) {
      const renewed = lease.spec.renewTime ?? lease.spec.acquireTime;
      coordinator = {
        fleet: fleet.fleet,
        namespace: fleet.namespace,
        holder: lease.spec.holderIdentity ?? '',
        renewedMs: renewed ? new Date(renewed).getTime() : 0,
        durationMs: (lease.spec.leaseDurationSeconds ?? 0) * 1000,
      };
    } else if (name === haltLeaseName(fleet.fleet)) {
      halts = [...haltsOfLease(lease)].map(([policy, record]) => ({ ...fleet, policy, record }));
    }
  }
  return { grants, coordinator, halts };
}

export function reconcilerRecordOf(cm: V1ConfigMap): ReconcilerRecord {
  return { namespace: cm.metadata?.namespace ?? '', name: cm.metadata?.name ?? '', data: cm.data ?? {} };
}

/** The Fleets of the AgentConfigs found, once each, with the namespace their Leases are in. */
export function fleetsOf(configs: readonly AgentConfig[]): { fleet: string; namespace: string }[] {
  const byKey = new Map(configs.map((c) => [`${c.namespace}/${c.fleet}`, { fleet: c.fleet, namespace: c.namespace }]));
  return [...byKey.values()];
}

/** What was read (or is kept by watches), mapped by the functions above. */
export interface StatusObjects {
  readonly configs: readonly AgentConfig[];
  readonly nodes: readonly StatusNode[];
  /** Every Lease of each Fleet's namespace, by namespace. */
  readonly leases: ReadonlyMap<string, readonly V1Lease[]>;
  readonly events: readonly NodeEvent[];
  readonly reconcilers: readonly ReconcilerRecord[];
}

/** The input of computeStatus from the objects read. */
export function statusInputOf(o: StatusObjects, nowMs: number): StatusInput {
  const grants: { fleet: string; grant: Grant }[] = [];
  const coordinators: CoordinatorLease[] = [];
  const halts: HaltRead[] = [];
  for (const f of fleetsOf(o.configs)) {
    const found = fleetLeases(f, o.leases.get(f.namespace) ?? []);
    grants.push(...found.grants);
    if (found.coordinator) coordinators.push(found.coordinator);
    halts.push(...found.halts);
  }
  return {
    configs: o.configs,
    nodes: o.nodes,
    grants,
    coordinators,
    waits: waitsOf(o.events),
    reconcilers: o.reconcilers,
    halts,
    nowMs,
  };
}
