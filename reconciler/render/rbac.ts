// The agents' namespace, identity and least-privilege RBAC. Every rule is there for one thing the
// agent does (agent/ports.ts); the comments in the rendered YAML say which.
import type {
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1Namespace,
  V1PolicyRule,
  V1Role,
  V1RoleBinding,
  V1ServiceAccount,
} from '@kubernetes/client-node';
import type { FleetModel, PolicyModel } from '../../policy/model.ts';
import { compareText } from '../../policy/diagnostics.ts';
import { names, objectLabels, type FieldComment, type KubeObject, type RenderedObject } from './objects.ts';

interface Rule {
  readonly rule: V1PolicyRule;
  readonly why: string;
}

function rendered(object: unknown, comments: FieldComment[] = []): RenderedObject {
  return { object: object as KubeObject, comments };
}

function withRules(object: V1ClusterRole | V1Role, rules: readonly Rule[]): RenderedObject {
  return rendered(
    { ...object, rules: rules.map((r) => r.rule) },
    rules.map((r, i) => ({ path: ['rules', i], text: r.why })),
  );
}

/** Policies whose pod blockers select namespaces by label, sorted. */
function namespaceSelectorPolicies(policies: readonly PolicyModel[]): string[] {
  return policies.filter((p) => p.blockers.pods.some((b) => b.namespaceSelector !== null)).map((p) => p.name);
}

/** The Secrets notifications read their webhook URLs from, sorted and unique. */
function notificationSecrets(policies: readonly PolicyModel[]): string[] {
  return [...new Set(policies.flatMap((p) => p.notifications.map((n) => n.secretKeyRef.name)))].sort(compareText);
}

function clusterRules(policies: readonly PolicyModel[]): Rule[] {
  const rules: Rule[] = [
    {
      rule: { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch', 'patch'] },
      why: 'Nodes: read and watch its own (by field selector; the verbs cannot be narrowed to one name); patch its own to cordon, uncordon, label, and record its state and request.',
    },
    {
      rule: { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
      why: 'Pods: find the pods on its node to drain them and to evaluate pod blockers.',
    },
    {
      rule: { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
      why: 'Evictions: drain through the eviction API, which honours PodDisruptionBudgets; no pod delete.',
    },
    {
      rule: { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create'] },
      why: 'Events on its Node (cluster-scoped objects record events in the default namespace).',
    },
  ];
  const volumeWaiters = policies.filter((p) => p.drain.volumeDetachTimeoutMs !== null).map((p) => p.name);
  if (volumeWaiters.length > 0) {
    rules.push({
      rule: { apiGroups: ['storage.k8s.io'], resources: ['volumeattachments'], verbs: ['list'] },
      why: `VolumeAttachments: ${volumeWaiters.join(', ')} wait after the drain until none names the node (drain.waitForVolumeDetach); list only, read-only.`,
    });
  }
  const withNamespaceSelector = namespaceSelectorPolicies(policies);
  if (withNamespaceSelector.length > 0) {
    rules.push({
      rule: { apiGroups: [''], resources: ['namespaces'], verbs: ['get'] },
      why: `Namespaces: pod blockers of ${withNamespaceSelector.join(', ')} have a namespaceSelector, so the agent reads the labels of the namespaces of pods on its node; get only, by name.`,
    });
  }
  return rules;
}

function namespacedRules(policies: readonly PolicyModel[]): Rule[] {
  const rules: Rule[] = [
    {
      rule: {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        verbs: ['get', 'list', 'watch', 'update', 'delete'],
      },
      why: 'Leases: read, renew and give back its own grant (the coordinator creates grants), in this namespace only.',
    },
  ];
  const secrets = notificationSecrets(policies);
  if (secrets.length > 0) {
    rules.push({
      rule: { apiGroups: [''], resources: ['secrets'], resourceNames: secrets, verbs: ['get'] },
      why: 'Secrets: only the ones notifications name (webhook URLs), by name.',
    });
  }
  return rules;
}

/** Namespace, ServiceAccount, ClusterRole(+Binding) and Role(+Binding) of the fleet's agents. */
export function renderRbac(fleet: FleetModel, policies: readonly PolicyModel[]): RenderedObject[] {
  const labels = objectLabels(fleet);
  const namespace = fleet.namespace;
  const subject = { kind: 'ServiceAccount', name: names.serviceAccount, namespace };
  const ns: V1Namespace = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespace, labels: { ...labels, 'pod-security.kubernetes.io/enforce': 'privileged' } },
  };
  const sa: V1ServiceAccount = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: names.serviceAccount, namespace, labels },
  };
  const clusterRole: V1ClusterRole = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: names.clusterRole(fleet), labels },
  };
  const clusterRoleBinding: V1ClusterRoleBinding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: names.clusterRole(fleet), labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: names.clusterRole(fleet) },
    subjects: [subject],
  };
  const role: V1Role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: names.role, namespace, labels },
  };
  const roleBinding: V1RoleBinding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: names.role, namespace, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: names.role },
    subjects: [subject],
  };
  return [
    rendered(ns, [
      {
        path: ['metadata', 'labels', 'pod-security.kubernetes.io/enforce'],
        text: 'The agents run privileged with the host PID namespace (see their DaemonSets); Pod Security Admission must allow it here.',
      },
    ]),
    rendered(sa),
    withRules(clusterRole, clusterRules(policies)),
    rendered(clusterRoleBinding),
    withRules(role, namespacedRules(policies)),
    rendered(roleBinding),
  ];
}
