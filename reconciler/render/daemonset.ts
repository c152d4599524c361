// Per policy: the ConfigMap holding its compiled AgentConfig and the DaemonSet that runs its agents
// on exactly its nodes.
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { V1ConfigMap, V1DaemonSet, V1Toleration } from '@kubernetes/client-node';
import type { FleetModel } from '../../policy/model.ts';
import type { CompiledPolicy } from './compile.ts';
import {
  CONFIG_HASH_ANNOTATION,
  FLEET_LABEL,
  names,
  objectLabels,
  podSelectorLabels,
  type FieldComment,
  type KubeObject,
  type RenderedObject,
} from './objects.ts';
import { canonicalJson } from './serialize.ts';

/** Where the ConfigMap is mounted; the agent's `--config` reads CONFIG_PATH. */
export const CONFIG_DIR = '/etc/patchwindow';
export const CONFIG_FILE = 'config.json';
export const CONFIG_PATH = `${CONFIG_DIR}/${CONFIG_FILE}`;
/** Host paths are mounted read-only under this directory at their own path (e.g. /host/var/run). */
export const HOST_ROOT = '/host';
export const BOOT_ID_PATH = '/proc/sys/kernel/random/boot_id';

/** The ConfigMap's config.json: canonical JSON, so equal configs give equal bytes and hashes. */
export function configJson(compiled: CompiledPolicy): string {
  return canonicalJson(compiled.config);
}

function configHash(json: string): string {
  return createHash('sha256').update(json).digest('hex').slice(0, 16);
}

function tolerations(fleet: FleetModel): V1Toleration[] {
  // Default: tolerate every taint, so each node of the policy gets its agent whatever it is tainted with.
  if (fleet.agent.tolerations === null) return [{ operator: 'Exists' }];
  return fleet.agent.tolerations.map((t) => ({ ...t }));
}

function renderConfigMap(fleet: FleetModel, compiled: CompiledPolicy, json: string): RenderedObject {
  const cm: V1ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: names.policy(compiled.policy),
      namespace: fleet.namespace,
      labels: objectLabels(fleet, compiled.policy),
    },
    data: { [CONFIG_FILE]: json },
  };
  return {
    object: cm as KubeObject,
    comments: [{ path: ['data'], text: 'Compiled by patchwindow render; schema: schemas/agentconfig.schema.json.' }],
  };
}

function renderDaemonSet(fleet: FleetModel, compiled: CompiledPolicy, json: string): RenderedObject {
  const { policy } = compiled;
  const agent = fleet.agent;
  // No sentinel file (a sentinel command alone decides): nothing of the host's /var/run is mounted.
  const sentinelDir = policy.reboot.sentinelFile === null ? null : posix.dirname(policy.reboot.sentinelFile);
  // Liveness asks /healthz (the loop's progress); readiness is the port served at all (bound once a
  // worker checked the config), a TCP connect: the cheapest answer for an agent that idles for weeks.
  const healthz = { httpGet: { path: '/healthz', port: 'metrics' } };
  const pod = ['spec', 'template', 'spec'];
  const volumes = [
    { name: 'config', configMap: { name: names.policy(policy) } },
    ...(sentinelDir === null ? [] : [{ name: 'sentinel', hostPath: { path: sentinelDir, type: 'Directory' } }]),
    { name: 'boot-id', hostPath: { path: BOOT_ID_PATH, type: 'File' } },
    { name: 'tmp', emptyDir: {} },
  ];
  const volume = (name: string) => [...pod, 'volumes', volumes.findIndex((v) => v.name === name)];
  const ds: V1DaemonSet = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: names.policy(policy), namespace: fleet.namespace, labels: objectLabels(fleet, policy) },
    spec: {
      selector: { matchLabels: podSelectorLabels(policy) },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%', maxSurge: 0 } },
      template: {
        metadata: {
          labels: {
            ...podSelectorLabels(policy),
            'app.kubernetes.io/part-of': 'patchwindow',
            [FLEET_LABEL]: fleet.name,
          },
          annotations: { [CONFIG_HASH_ANNOTATION]: configHash(json) },
        },
        spec: {
          serviceAccountName: names.serviceAccount,
          hostPID: true,
          ...(agent.priorityClassName !== '' ? { priorityClassName: agent.priorityClassName } : {}),
          ...(agent.imagePullSecrets.length > 0
            ? { imagePullSecrets: agent.imagePullSecrets.map((name) => ({ name })) }
            : {}),
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: compiled.terms.map((t) => ({
                  matchExpressions: t.matchExpressions.map((r) =>
                    r.values ? { ...r, values: [...r.values] } : { key: r.key, operator: r.operator },
                  ),
                })),
              },
            },
          },
          tolerations: tolerations(fleet),
          containers: [
            {
              name: 'agent',
              image: agent.image,
              imagePullPolicy: agent.imagePullPolicy,
              command: ['patchwindow', 'agent', '--config', CONFIG_PATH],
              env: [
                { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                { name: 'PATCHWINDOW_HOST_ROOT', value: HOST_ROOT },
                // A 1 MiB young generation: the agent allocates little, and this keeps ~15 MiB off its RSS.
                { name: 'NODE_OPTIONS', value: '--max-semi-space-size=1' },
              ],
              ports: [{ name: 'metrics', containerPort: agent.metricsPort, protocol: 'TCP' }],
              livenessProbe: { ...healthz, initialDelaySeconds: 10, periodSeconds: 20, failureThreshold: 3 },
              readinessProbe: { tcpSocket: { port: 'metrics' }, periodSeconds: 10 },
              resources: {
                ...stringMap('requests', agent.resources.requests),
                ...stringMap('limits', agent.resources.limits),
              },
              securityContext: { privileged: true, runAsUser: 0, readOnlyRootFilesystem: true },
              volumeMounts: [
                { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
                ...(sentinelDir === null
                  ? []
                  : [{ name: 'sentinel', mountPath: posix.join(HOST_ROOT, sentinelDir), readOnly: true }]),
                { name: 'boot-id', mountPath: posix.join(HOST_ROOT, BOOT_ID_PATH), readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes,
        },
      },
    },
  };
  const container = [...pod, 'containers', 0];
  const comments: FieldComment[] = [
    {
      path: ['spec', 'updateStrategy'],
      text: 'Agents hold no workload and keep node state on the Node, so restarting a tenth of them at once is safe; never two on one node (maxSurge 0): they would both act under the one grant of the node.',
    },
    {
      path: [...pod, 'hostPID'],
      text: 'hostPID and privileged only because the reboot needs nsenter into the host (PID 1) to run the allow-listed reboot and sentinel commands.',
    },
    {
      path: [...pod, 'affinity'],
      text: `Exactly the nodes of policy ${policy.name}: disjoint from every other policy's DaemonSet (check with patchwindow coverage).`,
    },
    {
      path: [...pod, 'tolerations'],
      text:
        fleet.agent.tolerations === null
          ? 'Tolerates every taint: each node of the policy gets its agent (Fleet spec.agent.tolerations overrides).'
          : 'From the Fleet spec.agent.tolerations: nodes with other taints get no agent.',
    },
    { path: [...container, 'ports'], text: 'Serves /metrics and /healthz (Fleet spec.agent.metricsPort).' },
    {
      path: [...container, 'securityContext'],
      text: 'Root and privileged for nsenter into PID 1 (see hostPID); the root filesystem stays read-only.',
    },
    ...(sentinelDir === null
      ? []
      : [
          {
            path: volume('sentinel'),
            text: `Read-only: the directory of the sentinel ${policy.reboot.sentinelFile}, under ${HOST_ROOT}.`,
          },
        ]),
    { path: volume('boot-id'), text: 'Read-only: the boot id tells the agent that its reboot happened.' },
  ];
  return { object: ds as KubeObject, comments };
}

/** `{ [field]: quantities as strings }`, or nothing when there are none. */
function stringMap(
  field: 'requests' | 'limits',
  values: Readonly<Record<string, string | number>>,
): Record<string, Record<string, string>> {
  const entries = Object.entries(values);
  return entries.length === 0 ? {} : { [field]: Object.fromEntries(entries.map(([k, v]) => [k, String(v)])) };
}

/** The ConfigMap and DaemonSet of one compiled policy. */
export function renderPolicy(fleet: FleetModel, compiled: CompiledPolicy): RenderedObject[] {
  const json = configJson(compiled);
  return [renderConfigMap(fleet, compiled, json), renderDaemonSet(fleet, compiled, json)];
}
