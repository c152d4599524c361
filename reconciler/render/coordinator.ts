// The Fleet's coordinator: its identity, least-privilege RBAC and a Deployment of two replicas
// (leader election: one grants, the other stands by). It reads every policy's compiled config from
// the policies' ConfigMaps, mounted into one directory (docs/decisions/0007).
import { createHash } from 'node:crypto';
import type {
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1Deployment,
  V1PolicyRule,
  V1Role,
  V1RoleBinding,
  V1ServiceAccount,
} from '@kubernetes/client-node';
import type { FleetModel } from '../../policy/model.ts';
import type { CompiledPolicy } from './compile.ts';
import { configJson } from './daemonset.ts';
import { healthCheckRules } from './health-rbac.ts';
import {
  CONFIG_HASH_ANNOTATION,
  FLEET_LABEL,
  names,
  objectLabels,
  type FieldComment,
  type KubeObject,
  type RenderedObject,
} from './objects.ts';

/** Where the policies' configs are mounted, one `<policy>.json` each (`patchwindow coordinator --config-dir`). */
export const COORDINATOR_CONFIG_DIR = '/etc/patchwindow/policies';
/** Port of /metrics, /healthz and /readyz. */
export const COORDINATOR_PORT = 9090;

/** Labels of the coordinator's pods. */
export function coordinatorPodLabels(fleet: FleetModel): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'patchwindow',
    'app.kubernetes.io/component': 'coordinator',
    [FLEET_LABEL]: fleet.name,
  };
}

interface Rule {
  readonly rule: V1PolicyRule;
  readonly why: string;
}

function withRules(object: V1ClusterRole | V1Role, rules: readonly Rule[]): RenderedObject {
  return {
    object: { ...object, rules: rules.map((r) => r.rule) } as KubeObject,
    comments: rules.map((r, i) => ({ path: ['rules', i], text: r.why })),
  };
}

const CLUSTER_RULES: readonly Rule[] = [
  {
    rule: { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
    why: "Nodes: one cache of every Node (Ready, cordon, labels, the agents' requests); read only.",
  },
  {
    rule: { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create'] },
    why: 'Events on Nodes: grants, pools held, stalled holders.',
  },
];

const NAMESPACED_RULES: readonly Rule[] = [
  {
    rule: {
      apiGroups: ['coordination.k8s.io'],
      resources: ['leases'],
      verbs: ['get', 'list', 'watch', 'create', 'update', 'delete'],
    },
    why: 'Leases in this namespace only: the grants (one per granted node) and the leader election.',
  },
];

/** Jobs in this namespace, only when some policy has hooks (spec.hooks); rendered with who needs them. */
function hookRules(policies: readonly CompiledPolicy[]): Rule[] {
  const users = policies.filter((p) => p.policy.hooks !== undefined).map((p) => p.policy.name);
  if (users.length === 0) return [];
  return [
    {
      rule: { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'get', 'list', 'watch', 'delete'] },
      why: `Jobs in this namespace only: the hook Jobs of ${users.join(', ')} (spec.hooks; their template comes from the install settings, never from git), each owned by its grant.`,
    },
  ];
}

/** ServiceAccount, RBAC and Deployment of the fleet's coordinator. */
export function renderCoordinator(fleet: FleetModel, policies: readonly CompiledPolicy[]): RenderedObject[] {
  const labels = { ...objectLabels(fleet), 'app.kubernetes.io/component': 'coordinator' };
  const namespace = fleet.namespace;
  const name = names.coordinator;
  const subject = { kind: 'ServiceAccount', name, namespace };
  const sa: V1ServiceAccount = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace, labels } };
  const clusterRole: V1ClusterRole = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: names.coordinatorClusterRole(fleet), labels },
  };
  const clusterRoleBinding: V1ClusterRoleBinding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: names.coordinatorClusterRole(fleet), labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: names.coordinatorClusterRole(fleet) },
    subjects: [subject],
  };
  const role: V1Role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name, namespace, labels },
  };
  const roleBinding: V1RoleBinding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name, namespace, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [subject],
  };
  return [
    { object: sa as KubeObject, comments: [] },
    withRules(clusterRole, [...CLUSTER_RULES, ...healthCheckRules(policies.map((p) => p.policy))]),
    { object: clusterRoleBinding as unknown as KubeObject, comments: [] },
    withRules(role, [...NAMESPACED_RULES, ...hookRules(policies)]),
    { object: roleBinding as unknown as KubeObject, comments: [] },
    renderDeployment(fleet, policies),
  ];
}

function renderDeployment(fleet: FleetModel, policies: readonly CompiledPolicy[]): RenderedObject {
  const agent = fleet.agent;
  const hash = createHash('sha256');
  for (const p of policies) hash.update(configJson(p));
  const probe = (path: string) => ({ httpGet: { path, port: 'http' } });
  const pod = ['spec', 'template', 'spec'];
  const deployment: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: names.coordinator,
      namespace: fleet.namespace,
      labels: { ...objectLabels(fleet), 'app.kubernetes.io/component': 'coordinator' },
    },
    spec: {
      replicas: 2,
      selector: { matchLabels: coordinatorPodLabels(fleet) },
      template: {
        metadata: {
          labels: { ...coordinatorPodLabels(fleet), 'app.kubernetes.io/part-of': 'patchwindow' },
          annotations: { [CONFIG_HASH_ANNOTATION]: hash.digest('hex').slice(0, 16) },
        },
        spec: {
          serviceAccountName: names.coordinator,
          ...(agent.priorityClassName !== '' ? { priorityClassName: agent.priorityClassName } : {}),
          ...(agent.imagePullSecrets.length > 0
            ? { imagePullSecrets: agent.imagePullSecrets.map((n) => ({ name: n })) }
            : {}),
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 100,
                  podAffinityTerm: {
                    topologyKey: 'kubernetes.io/hostname',
                    labelSelector: { matchLabels: coordinatorPodLabels(fleet) },
                  },
                },
              ],
            },
          },
          securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'coordinator',
              image: agent.image,
              imagePullPolicy: agent.imagePullPolicy,
              command: [
                'patchwindow',
                'coordinator',
                '--config-dir',
                COORDINATOR_CONFIG_DIR,
                '--listen',
                `:${COORDINATOR_PORT}`,
              ],
              env: [
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
              ],
              ports: [{ name: 'http', containerPort: COORDINATOR_PORT, protocol: 'TCP' }],
              livenessProbe: { ...probe('/healthz'), initialDelaySeconds: 10, periodSeconds: 20, failureThreshold: 3 },
              readinessProbe: { ...probe('/readyz'), periodSeconds: 10 },
              resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '384Mi' } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [{ name: 'policies', mountPath: COORDINATOR_CONFIG_DIR, readOnly: true }],
            },
          ],
          volumes: [
            {
              name: 'policies',
              projected: {
                sources: policies.map((p) => ({
                  configMap: {
                    name: names.policy(p.policy),
                    items: [{ key: 'config.json', path: `${p.policy.name}.json` }],
                  },
                })),
              },
            },
          ],
        },
      },
    },
  };
  const comments: FieldComment[] = [
    {
      path: ['spec', 'replicas'],
      text: 'Two replicas with leader election: one grants reboots, the other takes over within seconds; grants already given stay valid meanwhile.',
    },
    {
      path: [...pod, 'volumes', 0],
      text: "Every policy's compiled config (its agents' ConfigMap), one file per policy.",
    },
  ];
  return { object: deployment as KubeObject, comments };
}
