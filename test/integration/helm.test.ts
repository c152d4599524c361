// The Helm chart deploy/helm/patchwindow with helm v4 (built from Go modules into the test cache, as
// the control plane is): lint, `helm template` of fixture values against snapshots, bad values
// refused with the field named, long Fleet names shortened exactly as `patchwindow render` does, and
// install, upgrade and uninstall on the real control plane: into a namespace of the reconciler's own
// under Pod Security restricted (refused without the label; its pod admitted there), the agents in
// fleet.namespace. The installed reconciler runs as a real process with the chart's own arguments and
// the chart's ServiceAccount token (no kubelet runs pods here) and applies a loopback git repository;
// that token reads no Secret in either namespace.
import { AppsV1Api, CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
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
const CHART = resolve('deploy/helm/patchwindow');
const VALUES = resolve('test/install/helm/values');
const WAIT = { timeout: 60_000, interval: 250 };

describe('helm chart deploy/helm/patchwindow', () => {
  let helmBin: string;
  let root: string;
  let repo: PolicyRepo;
  let reconciler: CliProcess | undefined;
  const ns = uniqueName('pw-helm');
  /** The release's namespace: the reconciler's own. */
  const sys = `${ns}-sys`;
  const fleet = uniqueName('fleet');
  const release = 'pw';
  const helm = (...args: string[]) =>
    run(helmBin, [...args, '--kubeconfig', cluster.info.kubeconfigPath], {
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, HELM_CACHE_HOME: join(root, 'helm-cache'), HELM_CONFIG_HOME: join(root, 'helm-config') },
    }).then(
      (r) => ({ code: 0, ...r }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
  /** `helm template` of the chart as released into patchwindow-system. */
  const template = (...args: string[]) => helm('template', release, CHART, '-n', 'patchwindow-system', ...args);
  const ofRelease = `app.kubernetes.io/instance=${release}`;
  const kubectl = (...args: string[]) => run('kubectl', ['--kubeconfig', cluster.info.kubeconfigPath, ...args]);

  beforeAll(async () => {
    const built = await run('bash', [resolve('test/testenv/build-tools.sh')], { maxBuffer: 64 * 1024 * 1024 });
    helmBin = join(built.stdout.trim().split('\n').at(-1)!, 'helm');
    root = await mkdtemp(join(tmpdir(), 'patchwindow-helm-'));
    repo = await createPolicyRepo(root);
  }, 1_800_000);

  afterAll(async () => {
    if (reconciler && reconciler.child.exitCode === null) reconciler.child.kill('SIGKILL');
    await core.deleteNamespace({ name: ns }).catch(() => undefined);
    await core.deleteNamespace({ name: sys }).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  });

  it('passes helm lint, and refuses bad values naming the field', async () => {
    const lint = await helm('lint', CHART, '-f', join(VALUES, 'gitops-minimal.yaml'));
    expect(lint.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    const noFleet = await helm('template', release, CHART, '--set', 'reconciler.repository.url=file:///x');
    expect(noFleet.code).toBe(1);
    expect(noFleet.stderr).toContain('fleet.name is required in gitops mode');
    const badName = await helm('template', release, CHART, '--set', 'fleet.name=Prod_West');
    expect(badName.stderr).toContain("at '/fleet/name': 'Prod_West' does not match pattern");
    const typo = await helm('template', release, CHART, '--set', 'reconciler.repo=x');
    expect(typo.stderr).toMatch(/additional properties 'repo' not allowed/);
    const noToken = await helm(
      'template',
      release,
      CHART,
      '-f',
      join(VALUES, 'gitops-minimal.yaml'),
      '--set',
      'reconciler.haltToGit.mode=pull-request',
    );
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toContain('reconciler.haltToGit.tokenSecret: pull-request mode needs an existing Secret');
    const badMode = await helm('template', release, CHART, '--set', 'reconciler.haltToGit.mode=pr');
    expect(badMode.stderr).toMatch(/at '\/reconciler\/haltToGit\/mode'/);
    const rendered = await helm('template', release, CHART, '--set', 'mode=rendered');
    expect(rendered.stderr).toContain('--set-file rendered.manifests=rendered.yaml');
    const shared = await helm(
      'template',
      release,
      CHART,
      '-n',
      'patchwindow',
      '-f',
      join(VALUES, 'gitops-minimal.yaml'),
    );
    expect(shared.code).toBe(1);
    expect(shared.stderr).toContain('fleet.namespace (patchwindow) is the release namespace');
  });

  it('shortens long Fleet names with a hash exactly as `patchwindow render` does', async () => {
    const long = 'a-very-long-fleet-name-for-the-west-europe-production-clusters'; // 62 characters
    const dir = join(root, 'long-fleet');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'fleet.yaml'), fleetYaml({ name: long, namespace: 'patchwindow', poolLabel: 'pool' }));
    await writeFile(join(dir, 'alpha.yaml'), policyYaml('alpha', ['alpha']));
    const cli = await run(process.execPath, [resolve('bin/patchwindow.js'), 'render', dir, '--stdout']);
    const renderedNames = parseAllDocuments(cli.stdout)
      .map((d) => d.toJS() as { kind: string; metadata: { name: string } })
      .filter((o) => o.kind === 'ClusterRole')
      .map((o) => o.metadata.name)
      .sort();
    expect(renderedNames).toHaveLength(2);
    const chart = await template('--set', `fleet.name=${long}`, '--set', 'reconciler.repository.url=file:///x');
    expect(chart.stderr).toBe('');
    const fleetRole = parseAllDocuments(chart.stdout)
      .map((d) => d.toJS() as { kind: string; metadata: { name: string }; rules?: { resourceNames?: string[] }[] })
      .find((o) => o.kind === 'ClusterRole' && o.metadata.name.endsWith('-fleet'))!;
    const named = [...fleetRole.rules![1]!.resourceNames!].sort();
    expect(named).toEqual(renderedNames);
    expect(named.every((n) => n.length <= 63 && /-[0-9a-f]{8}$/.test(n))).toBe(true);
    expect(fleetRole.rules![2]!.resourceNames).toEqual([renderedNames.find((n) => n.startsWith('patchwindow-agent-'))]);
  });

  it('renders the fixture values as in the snapshots', async () => {
    for (const file of (await readdir(VALUES)).sort()) {
      const extra =
        file === 'rendered.yaml'
          ? ['--set-file', `rendered.manifests=${resolve('test/install/helm/rendered-input.yaml')}`]
          : [];
      const out = await template('-f', join(VALUES, file), ...extra);
      expect(out.stderr).toBe('');
      await expect(out.stdout).toMatchFileSnapshot(resolve('test/snapshots/helm', file));
    }
  });

  it('grants exactly the rules of the kustomize kit (deploy/reconciler/rbac.yaml), so the two cannot drift', async () => {
    const out = await template('-f', join(VALUES, 'gitops-minimal.yaml'));
    const rulesOf = (docs: Record<string, unknown>[], kind: string, suffix: string) =>
      docs.find((d) => d.kind === kind && String((d.metadata as { name: string }).name).endsWith(suffix))?.rules;
    const chart = parseAllDocuments(out.stdout).map((d) => d.toJS() as Record<string, unknown>);
    const kit = parseAllDocuments(await readFile(resolve('deploy/reconciler/rbac.yaml'), 'utf8')).map(
      (d) => d.toJS() as Record<string, unknown>,
    );
    for (const [kind, suffix] of [
      ['ClusterRole', '-agent-rights'],
      ['ClusterRole', '-fleet'],
      ['Role', '-reconciler'],
      ['Role', '-reconciler-self'],
    ] as const) {
      // The chart's own Lease and status ConfigMap carry the release in their names.
      const rules = JSON.parse(
        JSON.stringify(rulesOf(chart, kind, suffix) ?? null).replaceAll(
          `${release}-patchwindow-reconciler`,
          'patchwindow-reconciler',
        ),
      ) as unknown;
      expect(rules, `${kind} *${suffix}`).not.toBeNull();
      expect(rules, `${kind} *${suffix}`).toEqual(rulesOf(kit, kind, suffix));
    }
  });

  it('installs, reconciles a loopback git repository, upgrades and uninstalls', async () => {
    const first = await repo.commit(
      {
        'policies/fleet.yaml': fleetYaml({ name: fleet, namespace: ns, poolLabel: 'helm.patchwindow.dev/pool' }),
        'policies/alpha.yaml': policyYaml('alpha', ['alpha']),
      },
      'one',
    );
    const installArgs = [
      '--set',
      `fleet.name=${fleet}`,
      '--set',
      `fleet.namespace=${ns}`,
      '--set',
      `reconciler.repository.url=${repo.url}`,
      '--set',
      'reconciler.repository.path=policies',
      // The reconciler below listens on loopback only: an unauthenticated /sync, chosen explicitly.
      '--set',
      'reconciler.webhook.unauthenticated=true',
    ];
    // The reconciler's namespace must enforce Pod Security restricted: refused until it does.
    await kubectl('create', 'namespace', sys);
    const unlabelled = await helm('install', release, CHART, '-n', sys, ...installArgs);
    expect(unlabelled.code).toBe(1);
    expect(unlabelled.stderr).toContain(
      `namespace ${sys} must enforce Pod Security restricted (the reconciler holds rights over privileged DaemonSets; nothing else may run beside it): kubectl label namespace ${sys} pod-security.kubernetes.io/enforce=restricted`,
    );
    await kubectl('label', 'namespace', sys, 'pod-security.kubernetes.io/enforce=restricted');
    const install = await helm('install', release, CHART, '-n', sys, ...installArgs);
    expect(install.stderr).toBe('');
    expect(install.stdout).toContain(`STATUS: deployed`);
    expect(install.stdout).toContain(`status -n ${ns}`);
    const name = `${release}-patchwindow-reconciler`;
    const deployment = await apps.readNamespacedDeployment({ namespace: sys, name });
    const container = deployment.spec!.template.spec!.containers[0]!;
    expect(container.args).toContain(`--repo=${repo.url}`);
    expect(container.args).toContain(`--agent-namespace=${ns}`);
    // Its pod passes Pod Security restricted in its namespace (enforced at admission).
    const pod = await core.createNamespacedPod({
      namespace: sys,
      body: { metadata: { name: 'helm-reconciler-pod' }, spec: deployment.spec!.template.spec! },
    });
    expect(pod.metadata?.name).toBe('helm-reconciler-pod');
    await core.deleteNamespacedPod({ namespace: sys, name: 'helm-reconciler-pod', gracePeriodSeconds: 0 });
    expect(container.args).toContain('--webhook-unauthenticated');
    expect(container.args!.some((a) => a.startsWith('--webhook-secret-file'))).toBe(false);

    // The pod's process, as the kubelet would start it: the chart's arguments, its ServiceAccount.
    const saKubeconfig = await cluster.serviceAccountKubeconfig({ namespace: sys, name });
    const local = ['--cache-dir', join(root, 'cache'), '--listen', '127.0.0.1:0'];
    reconciler = spawnCli([...container.args!, ...local], {
      KUBECONFIG: saKubeconfig,
      POD_NAMESPACE: sys,
      POD_NAME: 'helm-test-0',
    });
    const status = () =>
      core.readNamespacedConfigMap({ namespace: sys, name: `${name}-status` }).then(
        (cm) => cm.data ?? {},
        () => ({}),
      );
    await vi.waitFor(
      async () =>
        expect(await status(), reconciler!.output()).toMatchObject({ lastResult: 'applied', lastAppliedCommit: first }),
      WAIT,
    );
    expect(
      (await apps.readNamespacedDaemonSet({ namespace: ns, name: 'patchwindow-agent-alpha' })).metadata?.name,
    ).toBe('patchwindow-agent-alpha');
    expect(reconciler.output()).not.toContain('forbidden');
    for (const namespace of [ns, sys]) {
      const secrets = await run('kubectl', ['--kubeconfig', saKubeconfig, '-n', namespace, 'get', 'secrets']).then(
        () => 'listed',
        (err: { stderr: string }) => err.stderr,
      );
      expect(secrets).toContain(`secrets is forbidden: User "system:serviceaccount:${sys}:${name}"`);
    }
    reconciler.child.kill('SIGTERM');
    expect(await reconciler.exited).toBe(0);

    const upgrade = await helm(
      'upgrade',
      release,
      CHART,
      '-n',
      sys,
      '--reuse-values',
      '--set',
      'reconciler.schedule=*/7 * * * *',
    );
    expect(upgrade.stdout, upgrade.stderr).toContain('STATUS: deployed');
    const upgraded = await apps.readNamespacedDeployment({ namespace: sys, name });
    expect(upgraded.spec!.template.spec!.containers[0]!.args).toContain('--schedule=*/7 * * * *');
    expect(upgraded.metadata?.labels?.['app.kubernetes.io/instance']).toBe(release);

    // An agent's marks on a Node, as they stay after a reboot (no agent pod runs here).
    const node = uniqueName('helm-node');
    await cluster.createNodes([
      {
        name: node,
        labels: { 'patchwindow.io/reboot-required': 'true' },
        annotations: { 'patchwindow.io/state': '{"version":1}', 'patchwindow.io/last-reboot': '2026-11-24T02:00:00Z' },
      },
    ]);

    const uninstall = await helm('uninstall', release, '-n', sys);
    expect(uninstall.stdout).toContain(`release "${release}" uninstalled`);
    expect((await apps.listNamespacedDeployment({ namespace: sys, labelSelector: ofRelease })).items).toEqual([]);
    const clusterRoles = (await rbac.listClusterRole({ labelSelector: ofRelease })).items.map((r) => r.metadata!.name);
    expect(clusterRoles.filter((n) => n!.startsWith(`${sys}-`))).toEqual([]);
    const bindings = (await rbac.listClusterRoleBinding({ labelSelector: ofRelease })).items.map(
      (r) => r.metadata!.name,
    );
    expect(bindings.filter((n) => n!.startsWith(`${sys}-`))).toEqual([]);

    // The cleanup NOTES.txt prints, run as printed: nothing of patchwindow is left.
    const cleanup = install.stdout
      .slice(install.stdout.indexOf('Uninstall:'))
      .split('\n')
      .filter((l) => l.startsWith('  kubectl '));
    expect(cleanup).toHaveLength(4);
    for (const line of cleanup) await kubectl(...line.trim().split(' ').slice(1));
    const fleetObjects = `patchwindow.io/fleet=${fleet}`;
    expect((await rbac.listClusterRole({ labelSelector: fleetObjects })).items).toEqual([]);
    expect((await rbac.listClusterRoleBinding({ labelSelector: fleetObjects })).items).toEqual([]);
    for (const namespace of [ns, sys]) {
      const gone = await core.readNamespace({ name: namespace }).then(
        (n) => n.metadata?.deletionTimestamp !== undefined,
        () => true,
      );
      expect(gone, namespace).toBe(true);
    }
    const { metadata } = await core.readNode({ name: node });
    const marks = Object.keys({ ...metadata?.labels, ...metadata?.annotations });
    expect(marks.filter((k) => k.startsWith('patchwindow.io/'))).toEqual([]);
  });
});
