// Proves the test control plane behaves like a real cluster: real controllers, scheduler,
// admission, API errors. Runs in the `cluster` project against the cluster from global-setup.ts.
import {
  ApiException,
  AppsV1Api,
  AuthenticationV1Api,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  PolicyV1Api,
  RbacAuthorizationV1Api,
  V1MicroTime,
  VersionApi,
  setHeaderOptions,
  type V1Pod,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { pinnedVersions } from '../testenv/binaries.ts';
import { uniqueName, useCluster } from '../testenv/use-cluster.ts';

const cluster = useCluster();
const kc = cluster.kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const policy = kc.makeApiClient(PolicyV1Api);
const POOL = 'testenv.patchwindow.dev/pool';
const WAIT = { timeout: 60_000, interval: 250 };

/** The HTTP status of a rejected API call (ApiException.body is the raw JSON string). */
async function statusOf(call: Promise<unknown>): Promise<{ code: number; reason?: string; message?: string }> {
  try {
    await call;
    return { code: 200 };
  } catch (err: unknown) {
    if (!(err instanceof ApiException)) throw err;
    const body = JSON.parse(String(err.body)) as { reason?: string; message?: string };
    return { code: err.code, reason: body.reason, message: body.message };
  }
}

const isReady = (p: V1Pod): boolean =>
  p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

const pause = { name: 'pause', image: 'registry.k8s.io/pause:3.10' };

describe('the test control plane', () => {
  let ns: string;
  const poolA = uniqueName('pool-a');
  const poolB = uniqueName('pool-b');
  const a1 = `${poolA}-1`;
  const a2 = `${poolA}-2`;
  const b1 = `${poolB}-1`;

  beforeAll(async () => {
    ns = await cluster.createNamespace('testenv');
    await cluster.createNodes([
      { name: a1, labels: { [POOL]: poolA } },
      { name: a2, labels: { [POOL]: poolA } },
      { name: b1, labels: { [POOL]: poolB } },
    ]);
  });

  afterAll(async () => {
    await core.deleteNamespace({ name: ns });
    await cluster.deleteNodes([a1, a2, b1]);
  });

  it('runs the Kubernetes version pinned in versions.env', async () => {
    const version = await kc.makeApiClient(VersionApi).getCode();
    expect(version.gitVersion).toBe(pinnedVersions().K8S_VERSION);
    expect(cluster.info.version).toBe(version.gitVersion);
  });

  it('creates kwok nodes that are Ready and labelled like kubelet nodes', async () => {
    const node = await core.readNode({ name: a1 });
    expect(node.metadata?.labels).toMatchObject({
      'kubernetes.io/hostname': a1,
      'kubernetes.io/os': 'linux',
      [POOL]: poolA,
    });
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(node.spec?.taints ?? []).toEqual([]);
  });

  it('runs a pool-pinned DaemonSet pod on each node of that pool and nowhere else', async () => {
    await apps.createNamespacedDaemonSet({
      namespace: ns,
      body: {
        metadata: { name: 'agent' },
        spec: {
          selector: { matchLabels: { app: 'agent' } },
          template: {
            metadata: { labels: { app: 'agent' } },
            spec: {
              affinity: {
                nodeAffinity: {
                  requiredDuringSchedulingIgnoredDuringExecution: {
                    nodeSelectorTerms: [{ matchExpressions: [{ key: POOL, operator: 'In', values: [poolA] }] }],
                  },
                },
              },
              containers: [pause],
            },
          },
        },
      },
    });
    const pods = await vi.waitFor(async () => {
      const list = (await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=agent' })).items;
      expect(list.map((p) => p.spec?.nodeName).sort()).toEqual([a1, a2].sort());
      expect(list.every((p) => p.status?.phase === 'Running' && isReady(p))).toBe(true);
      return list;
    }, WAIT);
    expect(pods.some((p) => p.spec?.nodeName === b1)).toBe(false);
    await vi.waitFor(async () => {
      const ds = await apps.readNamespacedDaemonSet({ namespace: ns, name: 'agent' });
      expect(ds.status).toMatchObject({ desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 2 });
    }, WAIT);
  });

  it('rejects an eviction the PodDisruptionBudget forbids with 429, and allows it once the budget does', async () => {
    const labels = { app: 'web' };
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { nodeSelector: { [POOL]: poolA }, containers: [pause] } },
        },
      },
    });
    await policy.createNamespacedPodDisruptionBudget({
      namespace: ns,
      body: { metadata: { name: 'web' }, spec: { minAvailable: 2, selector: { matchLabels: labels } } },
    });
    await vi.waitFor(async () => {
      const pdb = await policy.readNamespacedPodDisruptionBudget({ namespace: ns, name: 'web' });
      expect(pdb.status).toMatchObject({
        currentHealthy: 2,
        desiredHealthy: 2,
        expectedPods: 2,
        disruptionsAllowed: 0,
      });
    }, WAIT);
    const [victim] = (await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' })).items;
    const name = victim?.metadata?.name ?? '';
    const evict = () =>
      core.createNamespacedPodEviction({ namespace: ns, name, body: { metadata: { name, namespace: ns } } });

    const refused = await statusOf(evict());
    expect(refused).toMatchObject({ code: 429, reason: 'TooManyRequests' });
    expect(refused.message).toContain('disruption budget');

    await policy.patchNamespacedPodDisruptionBudget(
      { namespace: ns, name: 'web', body: { spec: { minAvailable: 1 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await vi.waitFor(async () => {
      expect(
        (await policy.readNamespacedPodDisruptionBudget({ namespace: ns, name: 'web' })).status?.disruptionsAllowed,
      ).toBe(1);
    }, WAIT);
    expect(await statusOf(evict())).toEqual({ code: 200 });
    // kwok finishes the graceful deletion like a kubelet; the ReplicaSet replaces the pod.
    await vi.waitFor(async () => {
      const pods = (await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' })).items;
      expect(pods.map((p) => p.metadata?.name)).not.toContain(name);
      expect(pods.filter(isReady)).toHaveLength(2);
    }, WAIT);
  });

  it('simulates a node going NotReady and recovering, as during a reboot', async () => {
    const notReady = await cluster.setNodeReady(a1, false);
    expect(notReady.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'KubeletNotReady',
    });
    expect(notReady.spec?.taints?.map((t) => t.key)).toContain('node.kubernetes.io/not-ready');
    // kwok must not "repair" the node behind the test's back (its lease keeps being renewed).
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect((await core.readNode({ name: a1 })).status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe(
      'False',
    );

    const ready = await cluster.setNodeReady(a1, true);
    expect(ready.spec?.taints ?? []).toEqual([]);
  });

  it('answers a conflicting Lease create with 409', async () => {
    const leases = kc.makeApiClient(CoordinationV1Api);
    const now = new V1MicroTime();
    const body = {
      metadata: { name: 'slot' },
      spec: { holderIdentity: 'a', leaseDurationSeconds: 30, acquireTime: now, renewTime: now },
    };
    await leases.createNamespacedLease({ namespace: ns, body });
    expect(
      await statusOf(
        leases.createNamespacedLease({ namespace: ns, body: { ...body, spec: { ...body.spec, holderIdentity: 'b' } } }),
      ),
    ).toMatchObject({
      code: 409,
      reason: 'AlreadyExists',
    });
  });

  it('forbids a client-certificate user without RBAC (403) and allows it once bound', async () => {
    const user = uniqueName('restricted');
    const { kubeConfig } = await cluster.createUser({ user, groups: ['testenv:restricted'] });
    const whoami = await kubeConfig.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
    expect(whoami.status?.userInfo).toMatchObject({
      username: user,
      groups: expect.arrayContaining(['testenv:restricted', 'system:authenticated']) as unknown,
    });
    const asUser = kubeConfig.makeApiClient(CoreV1Api);
    expect(await statusOf(asUser.listNamespacedPod({ namespace: ns }))).toMatchObject({
      code: 403,
      reason: 'Forbidden',
    });

    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace: ns,
      body: { metadata: { name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }] },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: {
        metadata: { name: 'pod-reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
      },
    });
    await vi.waitFor(
      async () => expect((await statusOf(asUser.listNamespacedPod({ namespace: ns }))).code).toBe(200),
      WAIT,
    );
  });

  it('issues kubeconfigs with real ServiceAccount tokens', async () => {
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'agent' } } });
    const kubeconfigPath = await cluster.serviceAccountKubeconfig({ namespace: ns, name: 'agent' });
    const asAgent = new KubeConfig();
    asAgent.loadFromFile(kubeconfigPath);
    const whoami = await asAgent.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
    expect(whoami.status?.userInfo?.username).toBe(`system:serviceaccount:${ns}:agent`);
    expect(await statusOf(asAgent.makeApiClient(CoreV1Api).listNode())).toMatchObject({ code: 403 });
  });

  it('exposes apiserver_request_total for benchmarks', async () => {
    const before = await cluster.apiserverRequestTotal({ resource: 'nodes', verb: 'GET' });
    await core.readNode({ name: a1 });
    expect(await cluster.apiserverRequestTotal({ resource: 'nodes', verb: 'GET' })).toBeGreaterThan(before);
  });
});
