// The in-cluster reconciler (reconciler/gitops/controller.ts) against the real control plane and a real
// git repository served over file://: each commit pushed to the branch is applied on the next
// cycle (triggered through POST /sync), removed policies are pruned, objects it does not manage are
// never touched, an invalid commit changes nothing and says where it is wrong, force-pushes are followed.
import {
  AppsV1Api,
  CoreV1Api,
  RbacAuthorizationV1Api,
  type KubernetesObject,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../io/clock.ts';
import { startController, type Controller } from '../../reconciler/gitops/controller.ts';
import { GitSource } from '../../reconciler/gitops/gitsource.ts';
import { createReconcilerLog } from '../../reconciler/gitops/log.ts';
import { uniqueName, useCluster } from '../testenv/use-cluster.ts';
import { createPolicyRepo, fleetYaml, policyYaml, type PolicyRepo } from './reconcile-fixtures.ts';

const cluster = useCluster();
const kc = cluster.kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
const WAIT = { timeout: 60_000, interval: 200 };
const STATUS = 'patchwindow-reconciler-status';

describe('patchwindow reconcile (in process)', () => {
  let root: string;
  let ns: string;
  let repo: PolicyRepo;
  let controller: Controller;
  let base: string;
  const fleet = uniqueName('fleet');
  const logs: Record<string, unknown>[] = [];
  const commits: string[] = [];
  const nodeNames = [uniqueName('reconcile-alpha'), uniqueName('reconcile-beta')];

  const status = async () => (await core.readNamespacedConfigMap({ namespace: ns, name: STATUS })).data ?? {};
  /** The hour its first window opens, from the AgentConfig in the policy's ConfigMap. */
  const startHour = async (policy: string): Promise<unknown> => {
    const json =
      (await core.readNamespacedConfigMap({ namespace: ns, name: `patchwindow-agent-${policy}` })).data?.[
        'config.json'
      ] ?? '{}';
    return (JSON.parse(json) as { policy?: { schedule?: { windows?: { start?: { hour?: number } }[] } } }).policy
      ?.schedule?.windows?.[0]?.start?.hour;
  };
  const exists = (p: Promise<unknown>) =>
    p.then(
      () => true,
      (err: unknown) => ((err as { code?: number }).code === 404 ? false : Promise.reject(err as Error)),
    );
  /** Asks for a cycle and waits until the status shows `commit` as the last attempted one. */
  async function syncTo(commit: string): Promise<Record<string, string>> {
    const res = await fetch(`${base}/sync`, { method: 'POST', body: '{"ref":"refs/heads/main"}' });
    expect(res.status).toBe(202);
    return vi.waitFor(async () => {
      const data = await status();
      expect(data.lastAttemptedCommit).toBe(commit);
      return data;
    }, WAIT);
  }
  /** resourceVersion of every object in the namespace the reconciler may touch, the status ConfigMap aside. */
  async function versions(): Promise<Record<string, string>> {
    const lists: { kind: string; items: KubernetesObject[] }[] = [
      { kind: 'DaemonSet', items: (await apps.listNamespacedDaemonSet({ namespace: ns })).items },
      {
        kind: 'ConfigMap',
        items: (await core.listNamespacedConfigMap({ namespace: ns })).items.filter((c) => c.metadata?.name !== STATUS),
      },
      { kind: 'ServiceAccount', items: (await core.listNamespacedServiceAccount({ namespace: ns })).items },
      { kind: 'Role', items: (await rbac.listNamespacedRole({ namespace: ns })).items },
      { kind: 'RoleBinding', items: (await rbac.listNamespacedRoleBinding({ namespace: ns })).items },
    ];
    return Object.fromEntries(
      lists.flatMap((l) =>
        l.items.map((o) => [`${l.kind}/${o.metadata?.name ?? ''}`, o.metadata?.resourceVersion ?? '']),
      ),
    );
  }

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'patchwindow-reconcile-'));
    ns = await cluster.createNamespace('reconcile');
    await cluster.createNodes(
      nodeNames.map((name, i) => ({ name, labels: { 'reconcile.patchwindow.dev/pool': ['alpha', 'beta'][i]! } })),
    );
    repo = await createPolicyRepo(root);
    const spec = { name: fleet, namespace: ns, poolLabel: 'reconcile.patchwindow.dev/pool' };
    commits.push(
      await repo.commit(
        {
          'README.md': 'policies live in policies/\n',
          'policies/fleet.yaml': fleetYaml(spec),
          'policies/alpha.yaml': policyYaml('alpha', ['alpha']),
          'policies/beta.yaml': policyYaml('beta', ['beta'], { maxUnavailable: 2 }),
        },
        'two policies',
      ),
    );
    const source = new GitSource({ url: repo.url, ref: 'main', cacheDir: join(root, 'cache') });
    controller = await startController({
      kc,
      source,
      policyPath: 'policies',
      // Never fires during the test: cycles run on election and on POST /sync only.
      schedule: '0 0 1 1 *',
      // A loopback test: POST /sync without a secret, as --webhook-unauthenticated chooses.
      webhook: { kind: 'open' },
      namespace: ns,
      agentNamespace: ns,
      identity: 'reconcile-test',
      leaseName: 'patchwindow-reconciler',
      statusName: STATUS,
      leaseMs: 15_000,
      renewMs: 2_000,
      port: 0,
      host: '127.0.0.1',
      shutdownGraceMs: 10_000,
      maxCycleMs: 120_000,
      log: createReconcilerLog({
        level: 'debug',
        secrets: () => [],
        destination: { write: (l: string) => void logs.push(JSON.parse(l) as Record<string, unknown>) },
      }),
      clock: systemClock,
    });
    base = `http://127.0.0.1:${controller.port}`;
  });

  afterAll(async () => {
    await controller?.stop();
    await cluster.deleteNodes(nodeNames).catch(() => undefined);
    await core.deleteNamespace({ name: ns });
    await rbac.deleteClusterRole({ name: `patchwindow-agent-${fleet}` }).catch(() => undefined);
    await rbac.deleteClusterRoleBinding({ name: `patchwindow-agent-${fleet}` }).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  });

  it('applies the branch as soon as it leads, and shows it in status, Events, metrics and probes', async () => {
    const data = await vi.waitFor(async () => {
      const d = await status();
      expect(d.lastResult).toBe('applied');
      return d;
    }, WAIT);
    expect(data).toMatchObject({
      lastAppliedCommit: commits[0],
      lastAttemptedCommit: commits[0],
      policies: '2',
      pools: '2',
      errors: '',
      source: `${repo.url}@main`,
      reconciler: 'reconcile-test',
    });
    const ds = await apps.readNamespacedDaemonSet({ namespace: ns, name: 'patchwindow-agent-alpha' });
    expect(ds.metadata?.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'patchwindow',
      'patchwindow.io/fleet': fleet,
    });
    expect(ds.metadata?.managedFields?.map((f) => f.manager)).toContain('patchwindow');
    expect(await exists(apps.readNamespacedDaemonSet({ namespace: ns, name: 'patchwindow-agent-beta' }))).toBe(true);
    const events = (await core.listNamespacedEvent({ namespace: ns })).items;
    expect(events.find((e) => e.reason === 'Applied')?.message).toContain(`applied ${commits[0]!.slice(0, 12)}`);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('patchwindow_policies 2\n');
    expect(metrics).toContain('patchwindow_policy_nodes{policy="alpha"} 1\n');
    expect(metrics).toContain('patchwindow_reconciler_leader 1\n');
    expect(metrics).toMatch(/^patchwindow_reconcile_total\{outcome="applied"\} [1-9]/m);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('updates the DaemonSet and ConfigMap of a changed policy on the next cycle', async () => {
    const before = await apps.readNamespacedDaemonSet({ namespace: ns, name: 'patchwindow-agent-alpha' });
    commits.push(
      await repo.commit(
        { 'policies/alpha.yaml': policyYaml('alpha', ['alpha'], { start: '02:00' }) },
        'alpha starts later',
      ),
    );
    expect(await syncTo(commits[1]!)).toMatchObject({ lastResult: 'applied', lastAppliedCommit: commits[1] });
    expect(await startHour('alpha')).toBe(2);
    const after = await apps.readNamespacedDaemonSet({ namespace: ns, name: 'patchwindow-agent-alpha' });
    const hash = (d: typeof after) => d.spec?.template.metadata?.annotations?.['patchwindow.io/config-hash'];
    expect(hash(after)).not.toBe(hash(before));
  });

  it("prunes a removed policy's DaemonSet and ConfigMap and never touches objects it does not manage", async () => {
    const foreign: V1ConfigMap[] = [
      { metadata: { name: 'unlabelled' }, data: { a: '1' } },
      {
        metadata: {
          name: 'patchwindow-agent-other-fleet',
          labels: { 'app.kubernetes.io/managed-by': 'patchwindow', 'patchwindow.io/fleet': 'some-other-fleet' },
        },
        data: { a: '1' },
      },
      { metadata: { name: 'same-fleet-not-ours', labels: { 'patchwindow.io/fleet': fleet } }, data: { a: '1' } },
    ];
    const created = await Promise.all(foreign.map((body) => core.createNamespacedConfigMap({ namespace: ns, body })));
    const pause = { name: 'pause', image: 'registry.k8s.io/pause:3.10' };
    const unmanagedDs = await apps.createNamespacedDaemonSet({
      namespace: ns,
      body: {
        metadata: { name: 'unmanaged' },
        spec: {
          selector: { matchLabels: { app: 'unmanaged' } },
          template: {
            metadata: { labels: { app: 'unmanaged' } },
            spec: { nodeSelector: { none: 'none' }, containers: [pause] },
          },
        },
      },
    });

    commits.push(await repo.commit({ 'policies/beta.yaml': null }, 'retire beta'));
    const data = await syncTo(commits[2]!);
    expect(data).toMatchObject({ lastResult: 'applied', policies: '1' });
    expect(data.message).toMatch(/2 pruned$/);
    expect(await exists(apps.readNamespacedDaemonSet({ namespace: ns, name: 'patchwindow-agent-beta' }))).toBe(false);
    expect(await exists(core.readNamespacedConfigMap({ namespace: ns, name: 'patchwindow-agent-beta' }))).toBe(false);
    expect(await exists(apps.readNamespacedDaemonSet({ namespace: ns, name: 'patchwindow-agent-alpha' }))).toBe(true);
    for (const cm of created) {
      const now = await core.readNamespacedConfigMap({ namespace: ns, name: cm.metadata!.name! });
      expect(now.metadata?.resourceVersion).toBe(cm.metadata?.resourceVersion);
    }
    const ds = await apps.readNamespacedDaemonSet({ namespace: ns, name: 'unmanaged' });
    expect(ds.metadata?.generation).toBe(unmanagedDs.metadata?.generation);
    expect(ds.metadata?.managedFields?.map((f) => f.manager)).not.toContain('patchwindow');
  });

  it('refuses an invalid commit: nothing changes, status names commit, file and line; the next valid commit applies', async () => {
    const before = await versions();
    const good = commits.at(-1)!;
    const bad = await repo.commit(
      { 'policies/alpha.yaml': policyYaml('alpha', ['alpha'], { start: '25:00' }) },
      'typo',
    );
    const data = await syncTo(bad);
    expect(data).toMatchObject({ lastResult: 'invalid', lastAppliedCommit: good, lastRefusedCommit: bad });
    expect(data.lastRefusedReason).toMatch(/^policies\/alpha\.yaml:12:\d+: error: spec\.windows\[0\]\.start: "25:00"/);
    expect(data.errors).toMatch(/^policies\/alpha\.yaml:12:\d+: error: spec\.windows\[0\]\.start: "25:00"/);
    expect(data.message).toContain(`refused ${bad.slice(0, 12)}: invalid policies, nothing applied or deleted`);
    expect(await versions()).toEqual(before);
    const events = (await core.listNamespacedEvent({ namespace: ns })).items.filter(
      (e) => e.reason === 'InvalidPolicies',
    );
    expect(events.map((e) => e.message).join('\n')).toContain('policies/alpha.yaml:12:');
    expect(logs.some((l) => l.outcome === 'invalid' && String(l.msg).includes(bad.slice(0, 12)))).toBe(true);

    const fixed = await repo.commit(
      { 'policies/alpha.yaml': policyYaml('alpha', ['alpha'], { start: '03:00' }) },
      'fix',
    );
    expect(await syncTo(fixed)).toMatchObject({ lastResult: 'applied', lastAppliedCommit: fixed, errors: '' });
    expect(await startHour('alpha')).toBe(3);
    commits.push(fixed);
  });

  it('follows a force-push that rewrites the history of the branch', async () => {
    await repo.rewind(1);
    const rewritten = await repo.commit(
      { 'policies/alpha.yaml': policyYaml('alpha', ['alpha'], { start: '04:00' }) },
      'rewritten',
    );
    expect(await syncTo(rewritten)).toMatchObject({ lastResult: 'applied', lastAppliedCommit: rewritten });
    expect(await startHour('alpha')).toBe(4);
  });

  it('refuses a Fleet that moves to a namespace outside its reach, keeping what runs', async () => {
    const before = await versions();
    const moved = await repo.commit(
      {
        'policies/fleet.yaml': fleetYaml({
          name: fleet,
          namespace: 'elsewhere',
          poolLabel: 'reconcile.patchwindow.dev/pool',
        }),
      },
      'move',
    );
    const data = await syncTo(moved);
    expect(data.lastResult).toBe('invalid');
    expect(data.errors).toMatch(
      new RegExp(
        `policies/fleet\\.yaml:\\d+:\\d+: error: spec\\.namespace: is elsewhere, but this reconciler manages namespace ${ns} \\(its RBAC covers that one only\\)`,
      ),
    );
    expect(await versions()).toEqual(before);
    expect(await exists(core.readNamespace({ name: 'elsewhere' }))).toBe(false);
  });

  it('applies a poolLabel typo, but says at once that its policies match no node: Event, status and metric', async () => {
    const typo = await repo.commit(
      {
        'policies/fleet.yaml': fleetYaml({ name: fleet, namespace: ns, poolLabel: 'reconcile.patchwindow.dev/poool' }),
      },
      'typo in poolLabel',
    );
    const data = await syncTo(typo);
    expect(data.lastResult).toBe('applied');
    expect(data.coverage).toContain('did you mean "reconcile.patchwindow.dev/pool"');
    // The Event follows the status ConfigMap's write.
    await vi.waitFor(async () => {
      const events = (await core.listNamespacedEvent({ namespace: ns })).items.filter(
        (e) => e.reason === 'PolicyCoverage',
      );
      expect(events.map((e) => [e.type, e.message])).toEqual([
        ['Warning', expect.stringContaining('policy "alpha" takes none of the')],
      ]);
    }, WAIT);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('patchwindow_policy_nodes{policy="alpha"} 0\n');
    expect(metrics).toContain('patchwindow_coverage_problems{kind="no-pool-label"} 1\n');
  });
});
