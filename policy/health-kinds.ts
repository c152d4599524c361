// Which API resource a health check reads (pure): the coordinator's RBAC and its requests name the
// plural resource, the policy names the kind. Render cannot ask the API server (discovery needs a
// cluster; render and validate run without one), so the plural comes from, in order: the check's
// own `resource:` field, this table of built-in kinds, or the kind lowercased with the English
// plural ending Kubernetes generates for CRDs (`CephCluster` -> `cephclusters`, `Policy` ->
// `policies`). A CRD whose plural differs from that names it with `resource:`.

/** A kind the API serves, and whether its objects live in namespaces. */
interface BuiltIn {
  readonly resource: string;
  readonly namespaced: boolean;
}

/** Built-in kinds by `apiVersion/kind` (the core group has no group part). */
const BUILT_IN: Readonly<Record<string, BuiltIn>> = {
  'v1/Node': { resource: 'nodes', namespaced: false },
  'v1/Namespace': { resource: 'namespaces', namespaced: false },
  'v1/Pod': { resource: 'pods', namespaced: true },
  'v1/Service': { resource: 'services', namespaced: true },
  'v1/Endpoints': { resource: 'endpoints', namespaced: true },
  'v1/PersistentVolumeClaim': { resource: 'persistentvolumeclaims', namespaced: true },
  'v1/PersistentVolume': { resource: 'persistentvolumes', namespaced: false },
  'v1/ReplicationController': { resource: 'replicationcontrollers', namespaced: true },
  'apps/v1/Deployment': { resource: 'deployments', namespaced: true },
  'apps/v1/StatefulSet': { resource: 'statefulsets', namespaced: true },
  'apps/v1/DaemonSet': { resource: 'daemonsets', namespaced: true },
  'apps/v1/ReplicaSet': { resource: 'replicasets', namespaced: true },
  'batch/v1/Job': { resource: 'jobs', namespaced: true },
  'batch/v1/CronJob': { resource: 'cronjobs', namespaced: true },
  'policy/v1/PodDisruptionBudget': { resource: 'poddisruptionbudgets', namespaced: true },
  'discovery.k8s.io/v1/EndpointSlice': { resource: 'endpointslices', namespaced: true },
};

/**
 * Kinds a health check may not read: giving the coordinator read access to them would hand it
 * credentials or the contents of other people's configuration for no gate anyone needs.
 */
const REFUSED: ReadonlySet<string> = new Set(['Secret', 'ConfigMap', 'ServiceAccount', 'TokenReview', 'TokenRequest']);

/** The API group of an apiVersion (`apps/v1` -> `apps`, `v1` -> the core group ''). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** Why a check may not read `kind`, or undefined when it may. */
export function refusedKind(apiVersion: string, kind: string): string | undefined {
  if (groupOf(apiVersion) !== '' || !REFUSED.has(kind)) return undefined;
  return `the coordinator does not read ${kind}s: a health gate needs no credentials or configuration data; gate on the workload that uses it instead`;
}

/** Whether objects of a built-in kind are namespaced; undefined for kinds not in the table. */
export function namespacedKind(apiVersion: string, kind: string): boolean | undefined {
  return BUILT_IN[`${apiVersion}/${kind}`]?.namespaced;
}

/** The plural resource of a kind: `written` (the check's `resource:`), the built-in table, or derived. */
export function resourceOf(apiVersion: string, kind: string, written?: string): string {
  if (written !== undefined) return written;
  const builtIn = BUILT_IN[`${apiVersion}/${kind}`];
  if (builtIn) return builtIn.resource;
  const lower = kind.toLowerCase();
  // The usual English endings, as CRD generators (kubebuilder) write most plurals.
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`;
  return `${lower}s`;
}
