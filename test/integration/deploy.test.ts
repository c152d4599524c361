// The deploy kit itself on the real control plane: `kubectl kustomize` of an overlay (the git-token
// component), its two namespaces and the Fleet's names renamed to this test's unique ones, is
// server-side applied and accepted; `kubectl auth can-i` with the kit's real ServiceAccount token
// shows what it may and may not do (no Secret in either namespace); the reconciler's namespace
// enforces Pod Security restricted, admitting the kit's pod and refusing a privileged one; and
// `patchwindow reconcile` run with that token completes a full cycle (create, update, prune), so the
// kit's RBAC suffices and nothing more is granted.
import { AppsV1Api, CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { uniqueName, useCluster } from '../testenv/use-cluster.ts';
import {
  createPolicyRepo,
  fleetYaml,
  policyYaml,
  spawnCli,
  type CliProcess,
  type PolicyRepo,
} from './reconcile-fixtures.ts';

const run = promisify(execFile);
const cluster = useCluster();
const kc = cluster.kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
const WAIT = { timeout: 30_000, interval: 250 };
const KIT = resolve('deploy/reconciler');
const KIT_CLUSTER_OBJECTS = ['patchwindow-reconciler-agent-rights', 'patchwindow-reconciler-fleet'];

/** The built kit with its namespaces (patchwindow-system, patchwindow) and Fleet renamed. */
function renameKit(built: string, to: { system: string; agents: string; fleet: string }): string {
  return built
    .replace(/^(\s+(?:name|namespace): )patchwindow-system$/gm, `$1${to.system}`)
    .replace(/^(\s+(?:name|namespace): )patchwindow$/gm, `$1${to.agents}`)
    .replace(/^(\s+resourceNames:\n\s+- )patchwindow$/gm, `$1${to.agents}`)
    .replace(/PATCHWINDOW_AGENT_NAMESPACE: patchwindow$/m, `PATCHWINDOW_AGENT_NAMESPACE: ${to.agents}`)
    .replace(/-prod-westeurope\b/g, `-${to.fleet}`);
}

describe('deploy/reconciler', () => {
  let root: string;
  let repo: PolicyRepo;
  let saKubeconfig: string;
  /** What `kubectl apply --server-side` of the overlay printed (done once, for every test below). */
  let applied: string;
  let reconciler: CliProcess | undefined;
  const ns = uniqueName('pw-kit');
  const sys = `${ns}-sys`;
  const fleet = uniqueName('fleet');

  const kubectl = (...args: string[]) =>
    run('kubectl', ['--kubeconfig', cluster.info.kubeconfigPath, ...args], { maxBuffer: 10 * 1024 * 1024 });
  /** `kubectl auth can-i` as the kit's ServiceAccount: true for "yes". */
  const canI = async (...args: string[]): Promise<boolean> => {
    const answer = await run('kubectl', ['--kubeconfig', saKubeconfig, 'auth', 'can-i', ...args]).then(
      (r) => r.stdout,
      (err: { stdout?: string }) => err.stdout ?? '',
    );
    return answer.trim() === 'yes';
  };
  const status = (): Promise<Record<string, string>> =>
    core.readNamespacedConfigMap({ namespace: sys, name: 'patchwindow-reconciler-status' }).then(
      (cm) => cm.data ?? {},
      () => ({}),
    );
  const exists = (p: Promise<unknown>) =>
    p.then(
      () => true,
      (err: unknown) => ((err as { code?: number }).code === 404 ? false : Promise.reject(err as Error)),
    );

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'patchwindow-deploy-'));
    const overlay = join(root, 'overlay');
    await run('mkdir', ['-p', overlay]);
    const kit = relative(overlay, KIT);
    await writeFile(
      join(overlay, 'kustomization.yaml'),
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        `resources: [${kit}]`,
        `components: [${kit}/components/git-token, ${kit}/components/halt-pull-request]`,
        'configMapGenerator:',
        '  - name: patchwindow-reconciler-settings',
        '    namespace: patchwindow-system',
        '    behavior: merge',
        '    literals: [PATCHWINDOW_REPO=https://git.example/fleet.git, PATCHWINDOW_PATH=clusters/test/policies]',
        '',
      ].join('\n'),
    );
    const built = renameKit((await run('kubectl', ['kustomize', overlay])).stdout, { system: sys, agents: ns, fleet });
    await writeFile(join(root, 'kit.yaml'), built);
    repo = await createPolicyRepo(root);
    applied = (await kubectl('apply', '--server-side', '--field-manager=kit-test', '-f', join(root, 'kit.yaml')))
      .stdout;
    saKubeconfig = await cluster.serviceAccountKubeconfig({ namespace: sys, name: 'patchwindow-reconciler' });
  });

  afterAll(async () => {
    if (reconciler && reconciler.child.exitCode === null) reconciler.child.kill('SIGKILL');
    await core.deleteNamespace({ name: ns }).catch(() => undefined);
    await core.deleteNamespace({ name: sys }).catch(() => undefined);
    for (const name of [...KIT_CLUSTER_OBJECTS, `patchwindow-agent-${fleet}`]) {
      await rbac.deleteClusterRole({ name }).catch(() => undefined);
      await rbac.deleteClusterRoleBinding({ name }).catch(() => undefined);
    }
    await rm(root, { recursive: true, force: true });
  });

  it('builds as a base on its own: the reconciler in patchwindow-system, names fitting policies-example', async () => {
    const built = (await run('kubectl', ['kustomize', KIT])).stdout;
    const kinds = [...built.matchAll(/^kind: (\w+)$/gm)].map((m) => m[1]).sort();
    expect(kinds).toEqual([
      'ClusterRole',
      'ClusterRole',
      'ClusterRoleBinding',
      'ClusterRoleBinding',
      'ConfigMap',
      'Deployment',
      'Namespace',
      'Namespace',
      'Role',
      'Role',
      'RoleBinding',
      'RoleBinding',
      'Service',
      'ServiceAccount',
    ]);
    // Only the reconciler's Role and RoleBinding in the agents' namespace; everything else in its own.
    const placed = [
      ...built.matchAll(/^kind: (\w+)\nmetadata:\n(?: {2}.*\n)*? {2}name: (\S+)\n {2}namespace: (\S+)$/gm),
    ];
    expect(placed.filter((m) => m[3] === 'patchwindow').map((m) => m[1])).toEqual(['Role', 'RoleBinding']);
    expect(placed.filter((m) => m[3] !== 'patchwindow').every((m) => m[3] === 'patchwindow-system')).toBe(true);
    expect(built).toContain('- patchwindow-agent-prod-westeurope\n');
    expect(built).toContain('image: ghcr.io/patchwindow/patchwindow:0.1.0\n');
  });

  it('is accepted by the API server with server-side apply, hardened as documented', async () => {
    expect(applied).toContain(`namespace/${ns} serverside-applied`);
    expect(applied).toContain(`namespace/${sys} serverside-applied`);
    expect(applied).toContain('deployment.apps/patchwindow-reconciler serverside-applied');
    const deployment = await apps.readNamespacedDeployment({ namespace: sys, name: 'patchwindow-reconciler' });
    const pod = deployment.spec!.template.spec!;
    const container = pod.containers[0]!;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532 });
    expect(container.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(container.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(container.resources?.requests).toMatchObject({ cpu: '20m', memory: '128Mi' });
    expect(container.args).toContain('--git-token-file=/etc/patchwindow/git/token');
    expect(container.args).toEqual(
      expect.arrayContaining(['--halt-to-git=pull-request', '--forge-token-file=/etc/patchwindow/forge/token']),
    );
    expect(container.volumeMounts).toContainEqual({
      name: 'forge-token',
      mountPath: '/etc/patchwindow/forge',
      readOnly: true,
    });
    expect(container.envFrom?.[0]?.configMapRef?.name).toMatch(/^patchwindow-reconciler-settings-/);
    const binding = await rbac.readClusterRoleBinding({ name: 'patchwindow-reconciler-fleet' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'patchwindow-reconciler', namespace: sys }]);
    expect(container.args).toContain('--agent-namespace=$(PATCHWINDOW_AGENT_NAMESPACE)');
  });

  it("runs the reconciler under Pod Security restricted: the kit's pod is admitted, a privileged one refused", async () => {
    const labels = (await core.readNamespace({ name: sys })).metadata?.labels;
    expect(labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const deployment = await apps.readNamespacedDeployment({ namespace: sys, name: 'patchwindow-reconciler' });
    const spec = deployment.spec!.template.spec!;
    const admitted = await core.createNamespacedPod({
      namespace: sys,
      body: { metadata: { name: 'kit-reconciler-pod' }, spec },
    });
    expect(admitted.metadata?.name).toBe('kit-reconciler-pod');
    const privileged = {
      metadata: { name: 'kit-privileged-pod' },
      spec: {
        hostPID: true,
        containers: [{ name: 'c', image: spec.containers[0]!.image!, securityContext: { privileged: true } }],
      },
    };
    const refused = await core.createNamespacedPod({ namespace: sys, body: privileged }).then(
      () => 'admitted',
      (err: { code?: number; body?: unknown }) =>
        `${err.code} ${(JSON.parse(String(err.body)) as { message?: string }).message}`,
    );
    expect(refused).toMatch(
      /^403 pods "kit-privileged-pod" is forbidden: violates PodSecurity "restricted:latest": .*host namespaces \(hostPID=true\)/,
    );
    // The agents' namespace stays privileged for the agents (the same pod is admitted there).
    await vi.waitFor(() => core.readNamespacedServiceAccount({ namespace: ns, name: 'default' }), WAIT);
    await core.createNamespacedPod({ namespace: ns, body: privileged });
    await core.deleteNamespacedPod({ namespace: sys, name: 'kit-reconciler-pod', gracePeriodSeconds: 0 });
    await core.deleteNamespacedPod({ namespace: ns, name: 'kit-privileged-pod', gracePeriodSeconds: 0 });
  });

  it('grants the ServiceAccount what reconciling needs and no more (kubectl auth can-i with its token)', async () => {
    const allowed: string[][] = [
      ['patch', 'daemonsets', '-n', ns],
      // The coordinator's Deployment, rendered beside the agents.
      ['create', 'deployments', '-n', ns],
      ['patch', `clusterroles/patchwindow-coordinator-${fleet}`],
      ['delete', 'configmaps', '-n', ns],
      ['list', 'roles', '-n', ns],
      ['patch', 'roles/patchwindow-agent', '-n', ns],
      ['create', 'leases', '-n', ns],
      // Its own leader Lease and status ConfigMap, in its own namespace, by name.
      ['update', 'leases/patchwindow-reconciler', '-n', sys],
      ['patch', 'configmaps/patchwindow-reconciler-status', '-n', sys],
      ['create', 'events', '-n', sys],
      ['patch', `namespaces/${ns}`],
      ['patch', `clusterroles/patchwindow-agent-${fleet}`],
      ['delete', `clusterrolebindings/patchwindow-agent-${fleet}`],
      ['list', 'clusterroles'],
      // Creating cannot be restricted by name; what a created role may hold is (see rbac.yaml).
      ['create', 'clusterroles'],
      // Held only to grant them to the agents (see rbac.yaml): the price of not using escalate/bind.
      ['patch', 'nodes'],
      ['create', 'pods', '--subresource=eviction'],
    ];
    const denied: string[][] = [
      ['patch', 'daemonsets', '-n', 'kube-system'],
      ['get', 'secrets', '-n', 'kube-system'],
      // No Secret in the agents' namespace (none is listed for notifications) nor in its own: its git
      // and webhook Secrets are mounted by the kubelet, never read through the API.
      ['get', 'secrets', '-n', ns],
      ['list', 'secrets', '-n', ns],
      ['get', 'secrets/patchwindow-git', '-n', sys],
      ['list', 'secrets', '-n', sys],
      ['create', 'pods', '-n', sys],
      ['update', 'leases/some-other-lease', '-n', sys],
      ['patch', 'configmaps/other', '-n', sys],
      ['patch', 'daemonsets', '-n', sys],
      ['delete', 'pods', '-n', ns],
      ['patch', 'roles/some-other-role', '-n', ns],
      ['patch', 'serviceaccounts/default', '-n', ns],
      ['patch', 'clusterroles/cluster-admin'],
      ['delete', 'clusterroles/cluster-admin'],
      ['delete', 'clusterrolebindings/cluster-admin'],
      ['escalate', `clusterroles/patchwindow-agent-${fleet}`],
      ['bind', `clusterroles/patchwindow-agent-${fleet}`],
      ['patch', 'namespaces/kube-system'],
      ['delete', `namespaces/${ns}`],
      ['patch', `namespaces/${sys}`],
      ['create', 'deployments', '-n', 'kube-system'],
    ];
    // And a real read with its token: refused in both namespaces.
    await kubectl('-n', ns, 'create', 'secret', 'generic', 'patchwindow-notify-x', '--from-literal=url=x');
    await kubectl('-n', sys, 'create', 'secret', 'generic', 'patchwindow-git', '--from-literal=token=x');
    for (const [namespace, name] of [
      [ns, 'patchwindow-notify-x'],
      [sys, 'patchwindow-git'],
    ]) {
      const read = await run('kubectl', ['--kubeconfig', saKubeconfig, '-n', namespace!, 'get', 'secret', name!]).then(
        () => 'read',
        (err: { stderr: string }) => err.stderr,
      );
      expect(read).toContain(
        `secrets "${name}" is forbidden: User "system:serviceaccount:${sys}:patchwindow-reconciler"`,
      );
    }
    for (const args of allowed) expect([args.join(' '), await canI(...args)]).toEqual([args.join(' '), true]);
    for (const args of denied) expect([args.join(' '), await canI(...args)]).toEqual([args.join(' '), false]);
  });

  it('lets `patchwindow reconcile` with that token create, update and prune the agents', async () => {
    const spec = { name: fleet, namespace: ns, poolLabel: 'kit.patchwindow.dev/pool' };
    const first = await repo.commit(
      {
        'policies/fleet.yaml': fleetYaml(spec),
        'policies/alpha.yaml': policyYaml('alpha', ['alpha']),
        'policies/beta.yaml': policyYaml('beta', ['beta']),
      },
      'two',
    );
    reconciler = spawnCli(
      [
        'reconcile',
        '--webhook-unauthenticated',
        '--repo',
        repo.url,
        '--path',
        'policies',
        '--schedule',
        '0 0 1 1 *',
        '--listen',
        '127.0.0.1:0',
        '--cache-dir',
        join(root, 'cache'),
        '--identity',
        'kit-sa',
        '--agent-namespace',
        ns,
      ],
      { KUBECONFIG: saKubeconfig, POD_NAMESPACE: sys },
    );
    await vi.waitFor(
      async () =>
        expect(await status(), reconciler!.output()).toMatchObject({ lastResult: 'applied', lastAppliedCommit: first }),
      WAIT,
    );
    const ds = await apps.readNamespacedDaemonSet({ namespace: ns, name: 'patchwindow-agent-beta' });
    expect(ds.metadata?.managedFields?.map((f) => f.manager)).toContain('patchwindow');
    expect(await exists(rbac.readClusterRole({ name: `patchwindow-agent-${fleet}` }))).toBe(true);
    expect((await core.readNamespace({ name: ns })).metadata?.labels?.['pod-security.kubernetes.io/enforce']).toBe(
      'privileged',
    );

    const second = await repo.commit(
      { 'policies/beta.yaml': null, 'policies/alpha.yaml': policyYaml('alpha', ['alpha'], { start: '02:00' }) },
      'retire beta',
    );
    const port = reconciler.logs().find((l) => l.msg === 'reconciler started')?.port as number;
    expect((await fetch(`http://127.0.0.1:${port}/sync`, { method: 'POST' })).status).toBe(202);
    await vi.waitFor(
      async () =>
        expect(await status(), reconciler!.output()).toMatchObject({
          lastResult: 'applied',
          lastAppliedCommit: second,
        }),
      WAIT,
    );
    // The changed policy's ConfigMap and DaemonSet, and the coordinator (it knows every policy).
    expect((await status()).message).toMatch(/ 3 changed, \d+ unchanged, 2 pruned$/);
    expect(await exists(apps.readNamespacedDaemonSet({ namespace: ns, name: 'patchwindow-agent-beta' }))).toBe(false);
    expect((await core.listNamespacedEvent({ namespace: sys })).items.some((e) => e.reason === 'Applied')).toBe(true);

    reconciler.child.kill('SIGTERM');
    expect(await reconciler.exited).toBe(0);
    expect(reconciler.output()).not.toContain('forbidden');
  });
});
