// The cluster's nodes as coverage needs them (name, labels, taints), read from the API server: the
// reconciler and `apply` check after every apply that each policy, pool and the pool label match
// nodes (coverage-check.ts), the same check `coverage --nodes` makes offline.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { ClusterNode, Taint } from '../plan/nodes.ts';

const EFFECTS = new Set(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);

/** Every node of the cluster; throws what the client throws (callers decide how bad that is). */
export async function listClusterNodes(kc: KubeConfig): Promise<ClusterNode[]> {
  const core = kc.makeApiClient(CoreV1Api);
  const list = await core.listNode();
  return list.items.map((n) => ({
    name: n.metadata?.name ?? '',
    labels: n.metadata?.labels ?? {},
    taints: (n.spec?.taints ?? [])
      .filter((t) => EFFECTS.has(t.effect))
      .map((t): Taint => ({
        key: t.key,
        ...(t.value !== undefined ? { value: t.value } : {}),
        effect: t.effect as Taint['effect'],
      })),
  }));
}
