// Reads what `patchwindow status` shows from the cluster: AgentConfig ConfigMaps (labelled by render),
// Nodes, grant Leases and the coordinator's election Lease of each fleet, and the waiting Events on Nodes. Unreadable or outdated
// AgentConfigs are skipped with a warning, never guessed at.
import {
  CoordinationV1Api,
  CoreV1Api,
  type CoreV1Event,
  type KubeConfig,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { coordinatorLeaseName, GRANT_LABEL, grantOf } from '../../kube/grants.ts';
import { KubeHalts } from '../../kube/halts.ts';
import type { HaltRead } from './status-halt.ts';
import type { Grant } from '../../kube/ports.ts';
import type { AgentConfig } from '../../policy/model.ts';
import { CONFIG_FILE } from '../render/daemonset.ts';
import { FLEET_LABEL, MANAGED_BY, MANAGED_BY_LABEL, POLICY_LABEL } from '../render/objects.ts';
import { schemaProblems } from '../../policy/schema.ts';
import type { CoordinatorLease, StatusInput, StatusNode, WaitEvent } from './status.ts';
import type { NodeEvent } from './report.ts';

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

function agentConfig(cm: V1ConfigMap, warnings: string[]): AgentConfig | undefined {
  const where = `ConfigMap ${cm.metadata?.namespace ?? ''}/${cm.metadata?.name ?? ''}`;
  let value: unknown;
  try {
    value = JSON.parse(cm.data?.[CONFIG_FILE] ?? '');
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

function eventTimeMs(e: CoreV1Event): number {
  const t = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp;
  return t ? new Date(t).getTime() : 0;
}

/** A patchwindow Event as `report` reads it: first and last time of an Event the API server aggregated. */
function nodeEvent(e: CoreV1Event): NodeEvent {
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

/** Everything computeStatus needs (and the patchwindow Events on Nodes, for `report`); `namespace` narrows the search for AgentConfigs. */
export async function readStatusInput(
  kc: KubeConfig,
  options: { namespace?: string; nowMs: number },
): Promise<StatusInput & { warnings: string[]; events: NodeEvent[] }> {
  const core = kc.makeApiClient(CoreV1Api);
  const leases = kc.makeApiClient(CoordinationV1Api);
  const warnings: string[] = [];
  const labelSelector = `${MANAGED_BY_LABEL}=${MANAGED_BY},${POLICY_LABEL}`;
  const maps = options.namespace
    ? await core.listNamespacedConfigMap({ namespace: options.namespace, labelSelector })
    : await core.listConfigMapForAllNamespaces({ labelSelector });
  const configs = maps.items
    .filter((cm) => cm.data?.[CONFIG_FILE] !== undefined)
    .flatMap((cm) => agentConfig(cm, warnings) ?? []);
  const nodes: StatusNode[] = (await core.listNode()).items.map((n) => ({
    name: n.metadata?.name ?? '',
    labels: n.metadata?.labels ?? {},
    annotations: n.metadata?.annotations ?? {},
    ready: n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    unschedulable: n.spec?.unschedulable === true,
  }));
  const grants: { fleet: string; grant: Grant }[] = [];
  const coordinators: CoordinatorLease[] = [];
  const halts: HaltRead[] = [];
  const fleets = new Map(configs.map((c) => [`${c.namespace}/${c.fleet}`, c]));
  for (const c of fleets.values()) {
    const list = await leases.listNamespacedLease({
      namespace: c.namespace,
      labelSelector: `${FLEET_LABEL}=${c.fleet},${GRANT_LABEL}=true`,
    });
    for (const lease of list.items) {
      const grant = grantOf(lease);
      if (grant) grants.push({ fleet: c.fleet, grant });
    }
    const election = await leases
      .readNamespacedLease({ namespace: c.namespace, name: coordinatorLeaseName(c.fleet) })
      .catch(() => undefined);
    const halted = await new KubeHalts(kc, { namespace: c.namespace, fleet: c.fleet }).read().catch(() => undefined);
    for (const [policy, record] of halted ?? []) halts.push({ fleet: c.fleet, namespace: c.namespace, policy, record });
    if (election?.spec) {
      const renewed = election.spec.renewTime ?? election.spec.acquireTime;
      coordinators.push({
        fleet: c.fleet,
        namespace: c.namespace,
        holder: election.spec.holderIdentity ?? '',
        renewedMs: renewed ? new Date(renewed).getTime() : 0,
        durationMs: (election.spec.leaseDurationSeconds ?? 0) * 1000,
      });
    }
  }
  const waits = new Map<string, WaitEvent>();
  const events = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: 'involvedObject.kind=Node' });
  const nodeEvents: NodeEvent[] = [];
  for (const e of events.items) {
    if (!COMPONENTS.has(e.source?.component ?? '')) continue;
    nodeEvents.push(nodeEvent(e));
    if (!WAIT_REASONS.has(e.reason ?? '')) continue;
    const node = e.involvedObject.name ?? '';
    const atMs = eventTimeMs(e);
    if ((waits.get(node)?.atMs ?? -1) <= atMs)
      waits.set(node, { reason: e.reason ?? '', message: e.message ?? '', atMs });
  }
  // The reconciler's status ConfigMap (status-store.ts): last applied and refused commit, coverage.
  const reconcilerSelector = 'app.kubernetes.io/name=patchwindow,app.kubernetes.io/component=reconciler';
  const recorded = options.namespace
    ? await core.listNamespacedConfigMap({ namespace: options.namespace, labelSelector: reconcilerSelector })
    : await core.listConfigMapForAllNamespaces({ labelSelector: reconcilerSelector });
  const reconcilers = recorded.items.map((cm) => ({
    namespace: cm.metadata?.namespace ?? '',
    name: cm.metadata?.name ?? '',
    data: cm.data ?? {},
  }));
  return {
    configs,
    nodes,
    grants,
    coordinators,
    waits,
    reconcilers,
    halts,
    nowMs: options.nowMs,
    warnings,
    events: nodeEvents,
  };
}
