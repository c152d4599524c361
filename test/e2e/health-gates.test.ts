// End to end, health gates: the coordinator (a real process with the rendered RBAC and its own
// ServiceAccount token) reads a Deployment before each grant and holds the next node while the
// Deployment is unavailable. "Unavailable" is made the real, deterministic way on kwok: the
// Deployment is scaled to a replica its pod can never satisfy (a nodeSelector no node has), so
// `status.availableReplicas` stays below `spec.replicas` until it is scaled back. The same cluster
// then proves the rendered ClusterRole lets the coordinator's token read that Deployment and
// nothing more.
import { ApiException, AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { KubeObjects, type ObjectQuery } from '../../kube/objects.ts';
import { readStatusInput } from '../../reconciler/status/status-read.ts';
import { names } from '../../reconciler/render/objects.ts';
import { E2eFleet } from '../helpers/e2e-fleet.ts';
import { createDeployment } from '../helpers/workloads.ts';
import { uniqueName, useCluster } from '../testenv/use-cluster.ts';
import { loadKubeConfig } from '../../kube/config.ts';
import { waitFor } from '../testenv/wait.ts';

const cluster = useCluster();
const kc = cluster.kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const CHECK = 'api available';

describe('health gates on a real control plane', () => {
  const workloads = uniqueName('payments');
  let fleet: E2eFleet | undefined;
  let unhealthy = false;

  afterAll(async () => {
    await fleet?.close();
    await core.deleteNamespace({ name: workloads }).catch(() => undefined);
  });

  /** Scales the gated Deployment: 0 is healthy, 1 can never become available. */
  const scale = (replicas: number) =>
    apps.patchNamespacedDeployment({ namespace: workloads, name: 'api', body: { spec: { replicas } } }, MERGE);

  it('holds the next grant while a Deployment is unavailable between two nodes, and grants it once it recovers', async () => {
    await core.createNamespace({ body: { metadata: { name: workloads } } });
    await createDeployment(kc, workloads, 'api', {
      replicas: 0,
      nodeSelector: { 'health-gates.patchwindow.dev/never': 'true' },
    });
    fleet = await E2eFleet.create(cluster, {
      policies: [
        {
          name: 'pay',
          pools: ['p'],
          maxUnavailable: 1,
          spec: {
            // Each node holds its grant at least 5 s: time to make the Deployment unavailable meanwhile.
            reboot: { expectedDuration: '30s', delay: '5s' },
            healthChecks: [
              {
                apiVersion: 'apps/v1',
                kind: 'Deployment',
                namespace: workloads,
                name: 'api',
                expression: 'object.?status.availableReplicas.orValue(0) >= object.spec.replicas',
                reason: CHECK,
              },
            ],
          },
        },
      ],
      nodes: { p1: { pool: 'p' }, p2: { pool: 'p' } },
      // The watcher fails the test if a node starts (cordons) while this says the cluster is unhealthy.
      blocked: () => (unhealthy ? 'the gated Deployment is unavailable' : undefined),
    });
    const f = fleet;
    f.startCoordinator(['--gate-recheck', '1s']);
    f.startAgents();

    await f.until('a first node cordoned', () => f.nodes.some((n) => f.watcher.node(f.node(n))?.unschedulable));
    const first = f.nodes.find((n) => f.watcher.node(f.node(n))?.unschedulable)!;
    const second = f.nodes.find((n) => n !== first)!;
    unhealthy = true;
    await scale(1);

    await f.until('the first node rebooted and done', () => f.rebootedAndDone(first), 120_000);
    const held = await waitFor(
      'a PoolHeldByHealthGate Event on the waiting node',
      async () => (await f.events(second)).find((e) => e.reason === 'PoolHeldByHealthGate' && e.type === 'Warning'),
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(held.message).toMatch(
      new RegExp(`^policy pay: health check "${CHECK}" holds: Deployment ${workloads}/api: the expression is false`),
    );
    // Several re-reads (every second) later the second node still has no grant and has not started.
    const port = f.coordinators[0]!.logs().find((l) => typeof l.port === 'number')?.port as number;
    const metrics = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const gauge = (v: number) => `patchwindow_health_gate_passing{policy="pay",check="${CHECK}"} ${v}`;
    const reads = () => f.coordinators[0]!.logs().filter((l) => l.msg === 'health gate holds').length;
    await f.until('three reads of the held gate', () => reads() >= 3);
    expect(f.watcher.grants().some((g) => g.node === f.node(second))).toBe(false);
    expect(f.watcher.reboots(f.node(second))).toEqual([]);
    expect(await metrics()).toContain(gauge(0));
    // `patchwindow status` reads the coordinator's Event as the waiting node's reason.
    const status = await readStatusInput(kc, { namespace: f.id, nowMs: Date.now() });
    expect(status.waits.get(f.node(second))?.reason).toBe('PoolHeldByHealthGate');

    await scale(0);
    unhealthy = false;
    await f.until('the second node rebooted and done', () => f.rebootedAndDone(second), 120_000);
    expect(await metrics()).toContain(gauge(1));
    expect(await f.watcher.settledViolations(), f.report()).toEqual([]);
    expect(await f.watcher.endStateProblems(), f.report()).toEqual([]);
    expect(f.problems).toEqual([]);
  }, 300_000);

  it("lets the coordinator's token read the gated Deployment and nothing more", async () => {
    const f = fleet!;
    const path = await cluster.serviceAccountKubeconfig({ namespace: f.id, name: names.coordinator });
    const reader = new KubeObjects(loadKubeConfig({ KUBECONFIG: path }));
    const query: ObjectQuery = {
      apiVersion: 'apps/v1',
      resource: 'deployments',
      namespace: workloads,
      name: 'api',
      labelSelector: '',
      timeoutMs: 10_000,
    };
    expect(((await reader.read(query))[0] as { metadata: { name: string } }).metadata.name).toBe('api');
    const refused = async (q: ObjectQuery) =>
      reader.read(q).then(
        () => 'read',
        (err: unknown) => String(err),
      );
    await apps.createNamespacedDeployment({
      namespace: workloads,
      body: {
        metadata: { name: 'other' },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'other' } },
          template: { metadata: { labels: { app: 'other' } }, spec: { containers: [{ name: 'o', image: 'x' }] } },
        },
      },
    });
    expect(await refused({ ...query, name: 'other' })).toMatch(/forbidden/);
    expect(await refused({ ...query, name: null })).toMatch(/forbidden/);
    expect(await refused({ ...query, resource: 'statefulsets' })).toMatch(/forbidden/);
    expect(await refused({ ...query, apiVersion: 'v1', resource: 'secrets', name: 'any' })).toMatch(/forbidden/);
    expect(await refused({ ...query, apiVersion: 'v1', resource: 'pods', name: null })).toMatch(/forbidden/);
    // The API server says so too: no write on what it may read.
    const coordinator = loadKubeConfig({ KUBECONFIG: path }).makeApiClient(AppsV1Api);
    const write = await coordinator
      .patchNamespacedDeployment({ namespace: workloads, name: 'api', body: { spec: { replicas: 2 } } }, MERGE)
      .then(
        () => 200,
        (err: unknown) => (err instanceof ApiException ? err.code : -1),
      );
    expect(write).toBe(403);
  });
});
