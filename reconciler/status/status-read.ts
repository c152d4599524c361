// Reads what `patchwindow status` shows from the cluster, once: AgentConfig ConfigMaps (labelled by
// render), Nodes, the Leases of each Fleet's namespace (grants, the coordinator's election, halts),
// the waiting Events on Nodes and the reconcilers' status ConfigMaps. Unreadable or outdated
// AgentConfigs are skipped with a warning, never guessed at. `status --watch` keeps the same
// objects current with watches instead (status-live.ts); both map them through status-objects.ts.
import { CoordinationV1Api, CoreV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { MANAGED_BY, MANAGED_BY_LABEL, POLICY_LABEL } from '../render/objects.ts';
import {
  agentConfigOf,
  fleetsOf,
  nodeEventOf,
  RECONCILER_SELECTOR,
  reconcilerRecordOf,
  statusInputOf,
  statusNodeOf,
} from './status-objects.ts';
import type { StatusInput } from './status.ts';
import type { NodeEvent } from './report.ts';

/** Selects the AgentConfig ConfigMaps render writes. */
export const AGENT_CONFIG_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY},${POLICY_LABEL}`;

/** Everything computeStatus needs (and the patchwindow Events on Nodes, for `report`); `namespace` narrows the search for AgentConfigs. */
export async function readStatusInput(
  kc: KubeConfig,
  options: { namespace?: string; nowMs: number },
): Promise<StatusInput & { warnings: string[]; events: NodeEvent[] }> {
  const core = kc.makeApiClient(CoreV1Api);
  const coordination = kc.makeApiClient(CoordinationV1Api);
  const warnings: string[] = [];
  const configMaps = (labelSelector: string) =>
    options.namespace
      ? core.listNamespacedConfigMap({ namespace: options.namespace, labelSelector })
      : core.listConfigMapForAllNamespaces({ labelSelector });
  const configs = (await configMaps(AGENT_CONFIG_SELECTOR)).items.flatMap((cm) => agentConfigOf(cm, warnings) ?? []);
  const nodes = (await core.listNode()).items.map(statusNodeOf);
  const leases = new Map<string, V1Lease[]>();
  for (const { namespace } of fleetsOf(configs)) {
    if (!leases.has(namespace)) leases.set(namespace, (await coordination.listNamespacedLease({ namespace })).items);
  }
  const listed = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: 'involvedObject.kind=Node' });
  const events = listed.items.flatMap((e) => nodeEventOf(e) ?? []);
  // The reconciler's status ConfigMap (status-store.ts): last applied and refused commit, coverage.
  const reconcilers = (await configMaps(RECONCILER_SELECTOR)).items.map(reconcilerRecordOf);
  const input = statusInputOf({ configs, nodes, leases, events, reconcilers }, options.nowMs);
  return { ...input, warnings, events };
}
