// Which Fleet (name and namespace) a policy belongs to on the cluster, from its rendered AgentConfig
// ConfigMap (labelled patchwindow.io/policy): what `patchwindow resume` needs to find the halt Lease.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { CONFIG_FILE } from '../render/daemonset.ts';
import { MANAGED_BY, MANAGED_BY_LABEL, POLICY_LABEL } from '../render/objects.ts';

/** The Fleet of `policy`, or undefined when no rendered config names it. */
export async function findFleetOf(
  kc: KubeConfig,
  policy: string,
  namespace?: string,
): Promise<{ fleet: string; namespace: string } | undefined> {
  const core = kc.makeApiClient(CoreV1Api);
  const labelSelector = `${MANAGED_BY_LABEL}=${MANAGED_BY},${POLICY_LABEL}=${policy}`;
  const maps = namespace
    ? await core.listNamespacedConfigMap({ namespace, labelSelector })
    : await core.listConfigMapForAllNamespaces({ labelSelector });
  for (const cm of maps.items) {
    try {
      const v = JSON.parse(cm.data?.[CONFIG_FILE] ?? '') as { fleet?: unknown; namespace?: unknown };
      if (typeof v.fleet === 'string' && typeof v.namespace === 'string')
        return { fleet: v.fleet, namespace: v.namespace };
    } catch {
      // Not a config this version reads; another ConfigMap may be.
    }
  }
  return undefined;
}
