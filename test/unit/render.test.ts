// render: the example's output is committed (test/snapshots/policies-example/) and byte-stable; the
// objects carry what the agent needs and no more privilege than it uses.
import type { V1ClusterRole, V1DaemonSet, V1Deployment, V1PodSpec, V1Role } from '@kubernetes/client-node';
import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileFleet } from '../../reconciler/render/compile.ts';
import { CONFIG_HASH_ANNOTATION } from '../../reconciler/render/objects.ts';
import { GENERATED_HEADER, renderFiles, renderObjects, renderStream } from '../../reconciler/render/render.ts';
import { schemaProblems } from '../../policy/schema.ts';
import type { PolicySet } from '../../policy/model.ts';
import { examplePolicySet, fleetOf } from './render-fixtures.ts';

const SNAPSHOT_DIR = new URL('../snapshots/policies-example/', import.meta.url);

function objectsOf(set: PolicySet) {
  return renderObjects(compileFleet(set)).map((r) => r.object);
}

function find<T>(set: PolicySet, kind: string, name?: string): T {
  const o = objectsOf(set).find((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
  if (!o) throw new Error(`no ${kind} ${name ?? ''}`);
  return o as T;
}
const daemonSet = (set: PolicySet, name?: string) => find<V1DaemonSet>(set, 'DaemonSet', name);
const podSpec = (set: PolicySet, name?: string): V1PodSpec => daemonSet(set, name).spec!.template.spec!;
const rulesOf = (role: V1ClusterRole | V1Role) => role.rules ?? [];

describe('the example', () => {
  it('renders the committed snapshot, file by file', async () => {
    const files = renderFiles(renderObjects(compileFleet(await examplePolicySet())));
    for (const f of files) await expect(f.content).toMatchFileSnapshot(new URL(f.name, SNAPSHOT_DIR).pathname);
    // No stale file of an object render no longer makes (missing files fail the snapshots above).
    const committed = existsSync(SNAPSHOT_DIR) ? readdirSync(SNAPSHOT_DIR) : [];
    expect(committed.filter((name) => !files.some((f) => f.name === name))).toEqual([]);
  });

  it('renders the same bytes twice, from separately loaded policies', async () => {
    const first = renderObjects(compileFleet(await examplePolicySet()));
    const second = renderObjects(compileFleet(await examplePolicySet()));
    expect(renderStream(second)).toBe(renderStream(first));
    expect(renderFiles(second)).toEqual(renderFiles(first));
  });

  it('lists Namespace, ServiceAccount, RBAC, the admission policy, then a ConfigMap and DaemonSet per policy, then the coordinator', async () => {
    const titles = objectsOf(await examplePolicySet()).map((o) => `${o.kind}/${o.metadata.name}`);
    expect(titles).toEqual([
      'Namespace/patchwindow',
      'ServiceAccount/patchwindow-agent',
      'ClusterRole/patchwindow-agent-prod-westeurope',
      'ClusterRoleBinding/patchwindow-agent-prod-westeurope',
      'Role/patchwindow-agent',
      'RoleBinding/patchwindow-agent',
      'ValidatingAdmissionPolicy/patchwindow-agent-prod-westeurope',
      'ValidatingAdmissionPolicyBinding/patchwindow-agent-prod-westeurope',
      'ConfigMap/patchwindow-agent-general',
      'DaemonSet/patchwindow-agent-general',
      'ConfigMap/patchwindow-agent-gpu',
      'DaemonSet/patchwindow-agent-gpu',
      'ConfigMap/patchwindow-agent-system',
      'DaemonSet/patchwindow-agent-system',
      'ServiceAccount/patchwindow-coordinator',
      'ClusterRole/patchwindow-coordinator-prod-westeurope',
      'ClusterRoleBinding/patchwindow-coordinator-prod-westeurope',
      'Role/patchwindow-coordinator',
      'RoleBinding/patchwindow-coordinator',
      'Deployment/patchwindow-coordinator',
    ]);
  });

  it('starts every file with the generated header and lists every object file in kustomization.yaml', async () => {
    const files = renderFiles(renderObjects(compileFleet(await examplePolicySet())));
    for (const f of files) expect(f.content.startsWith(`${GENERATED_HEADER}\n`)).toBe(true);
    const kustomization = files.find((f) => f.name === 'kustomization.yaml')!;
    for (const f of files.filter((x) => x.name !== 'kustomization.yaml'))
      expect(kustomization.content).toContain(`  - ${f.name}\n`);
  });

  it('writes ConfigMaps whose config.json satisfies the AgentConfig schema', async () => {
    const set = await examplePolicySet();
    for (const cm of objectsOf(set).filter((o) => o.kind === 'ConfigMap')) {
      const json = JSON.parse((cm.data as Record<string, string>)['config.json']!) as unknown;
      expect(schemaProblems('AgentConfig', json)).toEqual([]);
    }
  });
});

describe('RBAC', () => {
  it('grants the agent exactly what it uses, cluster-wide', async () => {
    expect(rulesOf(find<V1ClusterRole>(await examplePolicySet(), 'ClusterRole'))).toEqual([
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch', 'patch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
      { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create'] },
      // gpu has a pod blocker with a namespaceSelector.
      { apiGroups: [''], resources: ['namespaces'], verbs: ['get'] },
    ]);
  });

  it('lets the agent renew and give back its grant (never create one) and read the named Secrets, only in its namespace', async () => {
    const role = find<V1Role>(await examplePolicySet(), 'Role');
    expect(role.metadata?.namespace).toBe('patchwindow');
    expect(rulesOf(role)).toEqual([
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        verbs: ['get', 'list', 'watch', 'update', 'delete'],
      },
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['patchwindow-notify-hooks'], verbs: ['get'] },
    ]);
  });

  it('leaves out namespaces and secrets when no policy needs them', () => {
    const set = fleetOf([
      { name: 'p', spec: ['nodePools: [a]', 'blockers: { pods: [{ selector: { matchLabels: { app: x } } }] }'] },
    ]);
    expect(rulesOf(find<V1ClusterRole>(set, 'ClusterRole')).map((r) => r.resources?.[0])).toEqual([
      'nodes',
      'pods',
      'pods/eviction',
      'events',
    ]);
    expect(rulesOf(find<V1Role>(set, 'Role')).map((r) => r.resources?.[0])).toEqual(['leases']);
  });
});

describe('the coordinator', () => {
  it('reads Nodes and records Events cluster-wide, and manages Leases only in the fleet namespace', async () => {
    const set = await examplePolicySet();
    expect(rulesOf(find<V1ClusterRole>(set, 'ClusterRole', 'patchwindow-coordinator-prod-westeurope'))).toEqual([
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create'] },
    ]);
    const role = find<V1Role>(set, 'Role', 'patchwindow-coordinator');
    expect(role.metadata?.namespace).toBe('patchwindow');
    expect(rulesOf(role)).toEqual([
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        verbs: ['get', 'list', 'watch', 'create', 'update', 'delete'],
      },
    ]);
  });

  it('runs two replicas of `patchwindow coordinator` on every policy config, unprivileged, with probes', async () => {
    const deployment = find<V1Deployment>(await examplePolicySet(), 'Deployment');
    expect(deployment.spec?.replicas).toBe(2);
    const pod = deployment.spec!.template.spec!;
    const container = pod.containers[0]!;
    expect(container.command).toEqual([
      'patchwindow',
      'coordinator',
      '--config-dir',
      '/etc/patchwindow/policies',
      '--listen',
      ':9090',
    ]);
    expect(pod.serviceAccountName).toBe('patchwindow-coordinator');
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    expect(container.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(pod.volumes?.[0]?.projected?.sources?.map((s) => s.configMap?.items?.[0]?.path)).toEqual([
      'general.json',
      'gpu.json',
      'system.json',
    ]);
  });
});

describe('DaemonSet', () => {
  it('runs privileged in the host PID namespace with read-only host mounts and the node name', async () => {
    const set = await examplePolicySet();
    const pod = podSpec(set, 'patchwindow-agent-gpu');
    const container = pod.containers[0]!;
    expect(pod.hostPID).toBe(true);
    expect(container.securityContext).toEqual({ privileged: true, runAsUser: 0, readOnlyRootFilesystem: true });
    expect(container.command).toEqual(['patchwindow', 'agent', '--config', '/etc/patchwindow/config.json']);
    expect(container.env?.[0]).toEqual({ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } });
    expect(pod.volumes?.filter((v) => v.hostPath)).toEqual([
      { name: 'sentinel', hostPath: { path: '/var/run', type: 'Directory' } },
      { name: 'boot-id', hostPath: { path: '/proc/sys/kernel/random/boot_id', type: 'File' } },
    ]);
    for (const name of ['config', 'sentinel', 'boot-id']) {
      expect(container.volumeMounts?.find((m) => m.name === name)?.readOnly).toBe(true);
    }
    expect(container.ports).toEqual([{ name: 'metrics', containerPort: 9464, protocol: 'TCP' }]);
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    // Readiness is the port being served (the supervisor binds it once a worker checked the config):
    // a TCP connect, the cheapest probe an idle agent can answer (issue 19); liveness judges progress.
    expect(container.readinessProbe).toEqual({ tcpSocket: { port: 'metrics' }, periodSeconds: 10 });
    expect(daemonSet(set, 'patchwindow-agent-gpu').spec?.updateStrategy?.type).toBe('RollingUpdate');
    expect(pod.tolerations).toEqual([{ operator: 'Exists' }]);
  });

  it('labels objects for pruning and selects pods by policy', async () => {
    const ds = daemonSet(await examplePolicySet(), 'patchwindow-agent-gpu');
    expect(ds.metadata?.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'patchwindow',
      'patchwindow.io/fleet': 'prod-westeurope',
      'patchwindow.io/policy': 'gpu',
    });
    expect(ds.spec?.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'patchwindow',
      'app.kubernetes.io/component': 'agent',
      'patchwindow.io/policy': 'gpu',
    });
    for (const o of objectsOf(await examplePolicySet()))
      expect(o.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('patchwindow');
  });

  it('changes the config hash on the pod template when, and only when, the policy config changes', () => {
    const hash = (set: PolicySet, name: string) =>
      daemonSet(set, name).spec?.template.metadata?.annotations?.[CONFIG_HASH_ANNOTATION];
    const before = fleetOf([
      { name: 'a', spec: ['nodePools: [a]'] },
      { name: 'b', spec: ['nodePools: [b]'] },
    ]);
    const budget = fleetOf([
      { name: 'a', spec: ['nodePools: [a]', 'maxUnavailable: 2'] },
      { name: 'b', spec: ['nodePools: [b]'] },
    ]);
    expect(hash(budget, 'patchwindow-agent-a')).not.toBe(hash(before, 'patchwindow-agent-a'));
    expect(hash(budget, 'patchwindow-agent-b')).toBe(hash(before, 'patchwindow-agent-b'));
  });

  it('uses the Fleet tolerations when given, and the sentinel directory of the policy', () => {
    const set = fleetOf([{ name: 'p', spec: ['nodePools: [a]', 'reboot: { sentinelFile: /var/lib/update/needed }'] }], {
      extra: ['agent: { tolerations: [{ key: dedicated, operator: Equal, value: gpu, effect: NoSchedule }] }'],
    });
    const pod = podSpec(set);
    expect(pod.tolerations).toEqual([{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }]);
    expect(pod.volumes?.find((v) => v.name === 'sentinel')?.hostPath?.path).toBe('/var/lib/update');
    expect(pod.containers[0]?.volumeMounts?.find((m) => m.name === 'sentinel')?.mountPath).toBe('/host/var/lib/update');
  });

  it('truncates names longer than 63 characters with a hash', () => {
    const long = 'p'.repeat(60);
    const set = fleetOf([{ name: long, spec: ['nodePools: [a]'] }]);
    const name = daemonSet(set).metadata?.name ?? '';
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^patchwindow-agent-p+-[0-9a-f]{8}$/);
    expect(find<V1DaemonSet>(set, 'ConfigMap').metadata?.name).toBe(name);
  });
});
