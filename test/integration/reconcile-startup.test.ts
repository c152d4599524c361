// `patchwindow reconcile` started out of cluster against a cluster that lacks its namespace: it
// creates the namespace when allowed, or exits 2 with one line saying what is missing; /readyz
// answers 200 only once it leads and its first cycle finished (or it follows a live leader).
import { CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { uniqueName, useCluster } from '../testenv/use-cluster.ts';
import {
  createPolicyRepo,
  fleetYaml,
  policyYaml,
  spawnCli,
  startGitHttp,
  type CliProcess,
  type GitHttpServer,
} from './reconcile-fixtures.ts';

const cluster = useCluster();
const kc = cluster.kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
const WAIT = { timeout: 60_000, interval: 200 };
const PASSWORD = 'startup-secret';

describe('reconcile start-up out of cluster', () => {
  let root: string;
  let git: GitHttpServer;
  let url: string;
  const ns = uniqueName('pw-startup');
  const fleet = uniqueName('fleet');
  const limited = uniqueName('limited');
  const running: CliProcess[] = [];

  const reconcile = (identity: string, env: Record<string, string>): CliProcess => {
    const p = spawnCli(
      ['reconcile', '--repo', url, '--path', 'policies', '--schedule', '0 0 1 1 *', '--namespace', ns].concat([
        '--identity',
        identity,
        '--listen',
        '127.0.0.1:0',
        '--cache-dir',
        join(root, `cache-${identity}`),
      ]),
      env,
    );
    running.push(p);
    return p;
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'patchwindow-reconcile-startup-'));
    const repo = await createPolicyRepo(root);
    await repo.commit(
      {
        'policies/fleet.yaml': fleetYaml({ name: fleet, namespace: ns, poolLabel: 'startup.patchwindow.dev/pool' }),
        'policies/alpha.yaml': policyYaml('alpha', ['alpha']),
      },
      'one policy',
    );
    git = await startGitHttp(root, [{ user: 'git', password: PASSWORD }]);
    url = git.url('policies.git').replace('http://', `http://git:${PASSWORD}@`);
  });

  afterAll(async () => {
    for (const p of running) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await git?.close();
    for (const name of [ns, limited]) await core.deleteNamespace({ name }).catch(() => undefined);
    await rbac.deleteClusterRole({ name: `patchwindow-agent-${fleet}` }).catch(() => undefined);
    await rbac.deleteClusterRoleBinding({ name: `patchwindow-agent-${fleet}` }).catch(() => undefined);
    await rbac.deleteClusterRole({ name: limited }).catch(() => undefined);
    await rbac.deleteClusterRoleBinding({ name: limited }).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  });

  it('without the right to create its missing namespace: exit 2 and one line saying what to do', async () => {
    // May read namespaces, not create them (as a namespaced admin typically can).
    await core.createNamespace({ body: { metadata: { name: limited } } });
    await core.createNamespacedServiceAccount({ namespace: limited, body: { metadata: { name: 'r' } } });
    await rbac.createClusterRole({
      body: { metadata: { name: limited }, rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get'] }] },
    });
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name: limited },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: limited },
        subjects: [{ kind: 'ServiceAccount', name: 'r', namespace: limited }],
      },
    });
    const kubeconfig = await cluster.serviceAccountKubeconfig({ namespace: limited, name: 'r' });
    const p = reconcile('limited', { KUBECONFIG: kubeconfig });
    expect(await p.exited).toBe(2);
    expect(p.output()).toBe(
      `patchwindow: namespace "${ns}" does not exist and this identity may not create it: create it (kubectl create namespace ${ns}) or pass --namespace with an existing one\n`,
    );
  });

  it('creates its missing namespace, and is ready only once its first cycle finished', async () => {
    const gate = git.hold();
    const p = reconcile('first', { KUBECONFIG: cluster.info.kubeconfigPath });
    await vi.waitFor(
      () =>
        expect(
          p.logs().some((l) => l.msg === `created namespace ${ns} for the leader Lease and status (it did not exist)`),
          p.output(),
        ).toBe(true),
      WAIT,
    );
    await vi.waitFor(() => expect(p.logs().some((l) => l.msg === 'became the leader; reconciling')).toBe(true), WAIT);
    const port = await vi.waitFor(() => p.logs().find((l) => l.msg === 'reconciler started')!.port as number, WAIT);
    await vi.waitFor(() => expect(git.requests()).toBeGreaterThan(0), WAIT);
    const busy = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect([busy.status, await busy.text()]).toEqual([
      503,
      expect.stringContaining('leading; the first cycle has not finished yet'),
    ]);
    gate.release();
    await vi.waitFor(
      () =>
        expect(
          p.logs().some((l) => l.outcome === 'applied'),
          p.output(),
        ).toBe(true),
      WAIT,
    );
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);

    // A second replica follows the live leader: ready without a cycle of its own.
    const follower = reconcile('second', { KUBECONFIG: cluster.info.kubeconfigPath });
    const followerPort = await vi.waitFor(
      () => follower.logs().find((l) => l.msg === 'reconciler started')!.port as number,
      WAIT,
    );
    await vi.waitFor(
      async () => expect((await fetch(`http://127.0.0.1:${followerPort}/readyz`)).status).toBe(200),
      WAIT,
    );
    for (const r of [p, follower]) r.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });
});
