// The rendered Kubernetes objects as plain data: their type, the names and labels every renderer
// uses, and the identity (group/kind/namespace/name) by which diff, coverage and prune find them.
import type { FleetModel, PolicyModel } from '../../policy/model.ts';
import { stableName } from '../../policy/names.ts';

/** A Kubernetes object as plain JSON-compatible data. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly [field: string]: unknown;
}

/** A comment printed above the field at `path` (keys and list indexes from the object's root). */
export interface FieldComment {
  readonly path: readonly (string | number)[];
  readonly text: string;
}

/** A rendered object and the comments that explain it in YAML output (ignored when applied). */
export interface RenderedObject {
  readonly object: KubeObject;
  readonly comments: readonly FieldComment[];
}

/** Marks every object patchwindow renders; with FLEET_LABEL it is the selector for pruning. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'patchwindow';
export const FLEET_LABEL = 'patchwindow.io/fleet';
export const POLICY_LABEL = 'patchwindow.io/policy';
/** On the pod template: a hash of the AgentConfig, so a changed policy restarts its agents. */
export const CONFIG_HASH_ANNOTATION = 'patchwindow.io/config-hash';

/** Labels of every object of the fleet; `policy` for the objects of one policy. */
export function objectLabels(fleet: FleetModel, policy?: PolicyModel): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'patchwindow',
    'app.kubernetes.io/component': 'agent',
    'app.kubernetes.io/part-of': 'patchwindow',
    [MANAGED_BY_LABEL]: MANAGED_BY,
    [FLEET_LABEL]: fleet.name,
    ...(policy ? { [POLICY_LABEL]: policy.name } : {}),
  };
}

/**
 * The DaemonSet's selector. It is immutable once created, so it holds only what never changes for a
 * DaemonSet of a given name (not the fleet name, which may be renamed).
 */
export function podSelectorLabels(policy: PolicyModel): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'patchwindow',
    'app.kubernetes.io/component': 'agent',
    [POLICY_LABEL]: policy.name,
  };
}

/** Names of the objects; namespaced ones are unique within the fleet's namespace. */
export const names = {
  serviceAccount: 'patchwindow-agent',
  role: 'patchwindow-agent',
  /** Cluster-scoped: carries the fleet name so two fleets in one cluster do not collide. */
  clusterRole: (fleet: FleetModel) => stableName(['patchwindow-agent', fleet.name]),
  /** ConfigMap and DaemonSet of a policy share this name. */
  policy: (policy: PolicyModel) => stableName(['patchwindow-agent', policy.name]),
  /** The coordinator's ServiceAccount, Role(Binding) and Deployment. */
  coordinator: 'patchwindow-coordinator',
  /** Cluster-scoped, with the fleet name (see clusterRole). */
  coordinatorClusterRole: (fleet: FleetModel) => stableName(['patchwindow-coordinator', fleet.name]),
};

/** `group/version/kind/namespace/name`: unique per object, sorts objects stably. */
export function objectKey(o: KubeObject): string {
  return `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** `Kind namespace/name` (or `Kind name` when cluster-scoped), for people. */
export function objectTitle(o: { readonly kind: string; readonly metadata: KubeObject['metadata'] }): string {
  return o.metadata.namespace ? `${o.kind} ${o.metadata.namespace}/${o.metadata.name}` : `${o.kind} ${o.metadata.name}`;
}
