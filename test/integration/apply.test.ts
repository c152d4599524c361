// `patchwindow apply` against the real control plane: created, then unchanged, then configured;
// --dry-run=server reports without changing anything; --prune deletes what is no longer rendered
// (and only then); invalid policies exit 1 before any request; an unreachable cluster, refused
// credentials or missing RBAC exit 2 with a message that says which, never a stack trace.
import { AppsV1Api, CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { uniqueName, useCluster } from '../testenv/use-cluster.ts';
import { fleetYaml, policyYaml, unreachableKubeconfig } from './reconcile-fixtures.ts';

const cluster = useCluster();
const kc = cluster.kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const rbac = kc.makeApiClient(RbacAuthorizationV1Api);

describe('patchwindow apply', () => {
  let dir: string;
  const ns = uniqueName('apply');
  const fleet = uniqueName('fleet');
  const nodeNames = [uniqueName('apply-alpha'), uniqueName('apply-beta')];
  const admin = () => ({ KUBECONFIG: cluster.info.kubeconfigPath });
  const apply = (...args: string[]) => runCli(['apply', dir, ...args], { env: admin() });
  const exists = (p: Promise<unknown>) =>
    p.then(
      () => true,
      (err: unknown) => ((err as { code?: number }).code === 404 ? false : Promise.reject(err as Error)),
    );
  const dsVersion = async (policy: string) =>
    (await apps.readNamespacedDaemonSet({ namespace: ns, name: `patchwindow-agent-${policy}` })).metadata
      ?.resourceVersion;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'patchwindow-apply-'));
    await writeFile(
      join(dir, 'fleet.yaml'),
      fleetYaml({ name: fleet, namespace: ns, poolLabel: 'apply.patchwindow.dev/pool' }),
    );
    await writeFile(join(dir, 'alpha.yaml'), policyYaml('alpha', ['alpha']));
    await writeFile(join(dir, 'beta.yaml'), policyYaml('beta', ['beta']));
    // One node per pool, so the coverage check after each apply finds nothing to warn about.
    await cluster.createNodes(
      nodeNames.map((name, i) => ({ name, labels: { 'apply.patchwindow.dev/pool': ['alpha', 'beta'][i]! } })),
    );
  });

  afterAll(async () => {
    await cluster.deleteNodes(nodeNames).catch(() => undefined);
    await core.deleteNamespace({ name: ns }).catch(() => undefined);
    await rbac.deleteClusterRole({ name: `patchwindow-agent-${fleet}` }).catch(() => undefined);
    await rbac.deleteClusterRoleBinding({ name: `patchwindow-agent-${fleet}` }).catch(() => undefined);
    await rbac.deleteClusterRole({ name: `patchwindow-coordinator-${fleet}` }).catch(() => undefined);
    await rbac.deleteClusterRoleBinding({ name: `patchwindow-coordinator-${fleet}` }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('--dry-run=server on an empty cluster reports what it would create and creates nothing', async () => {
    const run = await apply('--dry-run=server');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Namespace ${ns} created (server dry run)\n`);
    expect(run.stdout).toContain(`DaemonSet ${ns}/patchwindow-agent-alpha created (server dry run)\n`);
    // 18: the agents' 10 objects, the coordinator's 6 (ServiceAccount, Role, RoleBinding, ClusterRole,
    // ClusterRoleBinding, Deployment) and the ValidatingAdmissionPolicy with its binding.
    expect(run.stderr).toBe('18 created, 0 changed, 0 unchanged, 0 pruned (server dry run)\n');
    expect(await exists(core.readNamespace({ name: ns }))).toBe(false);
    expect(await exists(rbac.readClusterRole({ name: `patchwindow-agent-${fleet}` }))).toBe(false);
  });

  it('creates every object, then finds them unchanged', async () => {
    const first = await apply();
    expect(first.code).toBe(0);
    // The merged design renders the agents' admission policy and the coordinator beside the agents.
    expect(first.stdout.split('\n').filter(Boolean)).toEqual([
      `Namespace ${ns} created`,
      `ValidatingAdmissionPolicy patchwindow-agent-${fleet} created`,
      `ValidatingAdmissionPolicyBinding patchwindow-agent-${fleet} created`,
      `ClusterRole patchwindow-agent-${fleet} created`,
      `ClusterRole patchwindow-coordinator-${fleet} created`,
      `ClusterRoleBinding patchwindow-agent-${fleet} created`,
      `ClusterRoleBinding patchwindow-coordinator-${fleet} created`,
      `ServiceAccount ${ns}/patchwindow-agent created`,
      `ServiceAccount ${ns}/patchwindow-coordinator created`,
      `Role ${ns}/patchwindow-agent created`,
      `Role ${ns}/patchwindow-coordinator created`,
      `RoleBinding ${ns}/patchwindow-agent created`,
      `RoleBinding ${ns}/patchwindow-coordinator created`,
      `ConfigMap ${ns}/patchwindow-agent-alpha created`,
      `ConfigMap ${ns}/patchwindow-agent-beta created`,
      `DaemonSet ${ns}/patchwindow-agent-alpha created`,
      `DaemonSet ${ns}/patchwindow-agent-beta created`,
      `Deployment ${ns}/patchwindow-coordinator created`,
    ]);
    const second = await apply();
    expect(second.stderr).toBe('0 created, 0 changed, 18 unchanged, 0 pruned\n');
  });

  it('reports a changed policy as configured; a server dry run of it changes nothing', async () => {
    await writeFile(join(dir, 'alpha.yaml'), policyYaml('alpha', ['alpha'], { start: '02:00' }));
    const before = await dsVersion('alpha');
    const dry = await apply('--dry-run=server');
    expect(dry.stdout).toContain(`DaemonSet ${ns}/patchwindow-agent-alpha configured (server dry run)\n`);
    expect(dry.stdout).toContain(`ConfigMap ${ns}/patchwindow-agent-alpha configured (server dry run)\n`);
    expect(dry.stdout).toContain(`DaemonSet ${ns}/patchwindow-agent-beta unchanged (server dry run)\n`);
    // The coordinator's Deployment carries a hash of every policy's config, so it changes too.
    expect(dry.stdout).toContain(`Deployment ${ns}/patchwindow-coordinator configured (server dry run)\n`);
    expect(await dsVersion('alpha')).toBe(before);
    const real = await apply();
    expect(real.stderr).toBe('0 created, 3 changed, 15 unchanged, 0 pruned\n');
    expect(await dsVersion('alpha')).not.toBe(before);
  });

  it('prunes a removed policy only with --prune, and a dry run of the prune deletes nothing', async () => {
    await rm(join(dir, 'beta.yaml'));
    const withoutPrune = await apply();
    expect(withoutPrune.stderr).toMatch(/^0 created, \d+ changed, \d+ unchanged, 0 pruned\n$/);
    expect(await exists(apps.readNamespacedDaemonSet({ namespace: ns, name: 'patchwindow-agent-beta' }))).toBe(true);
    const dry = await apply('--prune', '--dry-run=server');
    expect(dry.stdout).toContain(`DaemonSet ${ns}/patchwindow-agent-beta pruned (server dry run)\n`);
    expect(await exists(apps.readNamespacedDaemonSet({ namespace: ns, name: 'patchwindow-agent-beta' }))).toBe(true);
    const pruned = await apply('--prune');
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toContain(`DaemonSet ${ns}/patchwindow-agent-beta pruned\n`);
    expect(pruned.stdout).toContain(`ConfigMap ${ns}/patchwindow-agent-beta pruned\n`);
    // 16: the 18 objects less beta's ConfigMap and DaemonSet.
    expect(pruned.stderr).toBe('0 created, 0 changed, 16 unchanged, 2 pruned\n');
    expect(await exists(apps.readNamespacedDaemonSet({ namespace: ns, name: 'patchwindow-agent-beta' }))).toBe(false);
    expect(await exists(core.readNamespacedConfigMap({ namespace: ns, name: 'patchwindow-agent-beta' }))).toBe(false);
  });

  it('warns after applying when a typo in poolLabel leaves every policy without nodes', async () => {
    const typo = await mkdtemp(join(tmpdir(), 'patchwindow-apply-typo-'));
    try {
      await writeFile(
        join(typo, 'fleet.yaml'),
        fleetYaml({ name: fleet, namespace: ns, poolLabel: 'apply.patchwindow.dev/poool' }),
      );
      await writeFile(join(typo, 'alpha.yaml'), policyYaml('alpha', ['alpha']));
      const run = await runCli(['apply', typo, '--dry-run=server'], { env: admin() });
      expect(run.code).toBe(0);
      expect(run.stderr).toContain(
        'patchwindow: warning: no node has the label "apply.patchwindow.dev/poool" (the Fleet\'s poolLabel), so only selector policies can take a node; did you mean "apply.patchwindow.dev/pool" (the nodes\' pools are there)?\n',
      );
      expect(run.stderr).toContain('patchwindow: warning: policy "alpha" takes none of the');
    } finally {
      await rm(typo, { recursive: true, force: true });
    }
  });

  it('exits 1 on invalid policies without contacting the cluster', async () => {
    const bad = await mkdtemp(join(tmpdir(), 'patchwindow-apply-bad-'));
    try {
      await writeFile(
        join(bad, 'fleet.yaml'),
        fleetYaml({ name: fleet, namespace: ns, poolLabel: 'apply.patchwindow.dev/pool' }),
      );
      await writeFile(join(bad, 'alpha.yaml'), policyYaml('alpha', ['alpha'], { start: '25:00' }));
      const run = await runCli(['apply', bad, '--kubeconfig', join(bad, 'no-such-kubeconfig')]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`${join(bad, 'alpha.yaml')}:12:`);
      expect(run.stderr).toContain('patchwindow: invalid policies: 1 error');
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  });

  it('exits 2 when a policy path cannot be read', async () => {
    const missing = await runCli(['apply', join(dir, 'nope')], { env: admin() });
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toBe(`patchwindow: ${join(dir, 'nope')}: no such file or directory\n`);
  });

  it('exits 2 and says the cluster cannot be reached, with no stack trace', async () => {
    const { path: kubeconfig, port } = await unreachableKubeconfig(dir);
    const run = await runCli(['apply', dir, '--kubeconfig', kubeconfig]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `patchwindow: cannot reach the Kubernetes API server https://127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port}); check that the cluster is up and that KUBECONFIG or --kubeconfig points at it\n`,
    );
    const missing = await runCli(['apply', dir, '--kubeconfig', join(dir, 'missing.kubeconfig')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /^patchwindow: cannot load Kubernetes credentials \(.*missing\.kubeconfig.*\); set KUBECONFIG/,
    );
  });

  it('exits 2 and names the missing permission for a user without RBAC', async () => {
    const { kubeconfigPath } = await cluster.createUser({ user: uniqueName('ci-bot') });
    const run = await runCli(['apply', dir, '--kubeconfig', kubeconfigPath]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^patchwindow: read Namespace .*: namespaces ".*" is forbidden: User "ci-bot-.*" cannot get resource "namespaces".*; the kubeconfig's user lacks the RBAC permission for this \(cluster https:\/\/127\.0\.0\.1:\d+\)\n$/,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
