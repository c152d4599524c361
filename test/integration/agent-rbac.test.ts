// The agent's rendered RBAC and admission policy, bound to a real ServiceAccount, on the real API
// server: real requests with the token of an agent pod (bound to the pod, as the kubelet's projected
// token is, so it names the pod's node) show it may do its job — its own Node, pods, evictions,
// events, slot Leases, the notification Secret it names — and nothing more.
import {
  ApiException,
  BatchV1Api,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  V1MicroTime,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { names, type KubeObject } from '../../reconciler/render/objects.ts';
import { applyFleetRbac, status } from '../helpers/fleet-rbac.ts';
import { uniqueName, useCluster } from '../testenv/use-cluster.ts';
import { waitFor } from '../testenv/wait.ts';

const cluster = useCluster();
const admin = cluster.kubeConfig();
const adminCore = admin.makeApiClient(CoreV1Api);
const adminLeases = admin.makeApiClient(CoordinationV1Api);
const objects = KubernetesObjectApi.makeApiClient(admin);
const pause = { name: 'pause', image: 'registry.k8s.io/pause:3.10' };

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const cordon = (unschedulable: boolean) => ({ spec: { unschedulable } });
const meta = (field: 'labels' | 'annotations', values: Record<string, string | null>) => ({
  metadata: { [field]: values },
});

/** The message of a refused call (the admission policy's own words), or '' when it succeeded. */
async function refusal(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return '';
  } catch (err: unknown) {
    if (err instanceof ApiException) return String((JSON.parse(String(err.body)) as { message?: string }).message);
    throw err;
  }
}

describe("the agent's RBAC", () => {
  const fleet = uniqueName('rbac');
  const namespace = uniqueName('rbac-agents');
  const node = uniqueName('rbac-node');
  const otherNode = uniqueName('rbac-other-node');
  let workloads: string;
  let other: string;
  let rendered: KubeObject[];
  let core: CoreV1Api;
  let leases: CoordinationV1Api;
  /** The same ServiceAccount with a token bound to no pod: it names no node. */
  let unboundCore: CoreV1Api;

  beforeAll(async () => {
    const policy = `apiVersion: patchwindow.io/v1alpha1\nkind: RebootPolicy\nmetadata: { name: web }\nspec:\n  nodePools: [web]\n  windows: [{ days: [sat], start: "01:00", end: "05:00" }]\n  notifications:\n    - format: slack\n      urlFrom: { secretKeyRef: { name: patchwindow-notify-hooks, key: slack } }\n`;
    rendered = await applyFleetRbac({
      objects,
      fleet,
      namespace,
      poolLabel: 'rbac.patchwindow.dev/pool',
      policy: { file: 'web.yaml', text: policy },
      manager: 'rbac-test',
    });
    await adminCore.createNamespacedSecret({
      namespace,
      body: {
        metadata: { name: 'patchwindow-notify-hooks' },
        stringData: { slack: 'https://hooks.example.invalid/x' },
      },
    });
    await adminCore.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'unrelated' }, stringData: { password: 'hunter2' } },
    });
    workloads = await cluster.createNamespace('rbac-workloads');
    other = await cluster.createNamespace('rbac-other');
    await cluster.createNodes([
      { name: node, labels: { 'rbac.patchwindow.dev/pool': 'web' } },
      { name: otherNode, labels: { 'rbac.patchwindow.dev/pool': 'web' } },
    ]);
    await adminCore.createNamespacedPod({
      namespace: workloads,
      body: { metadata: { name: 'web' }, spec: { nodeName: node, containers: [pause] } },
    });
    await adminCore.createNamespacedPod({
      namespace: workloads,
      body: { metadata: { name: 'victim' }, spec: { nodeName: node, containers: [pause] } },
    });
    // The agent pod on `node`, and its token as the kubelet would mount it: bound to the pod.
    const agentPod = await adminCore.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'agent' },
        spec: { nodeName: node, serviceAccountName: names.serviceAccount, containers: [pause] },
      },
    });
    const path = await cluster.serviceAccountKubeconfig({
      namespace,
      name: names.serviceAccount,
      boundObject: { kind: 'Pod', name: 'agent', uid: agentPod.metadata!.uid! },
    });
    const kc = new KubeConfig();
    kc.loadFromFile(path);
    core = kc.makeApiClient(CoreV1Api);
    leases = kc.makeApiClient(CoordinationV1Api);
    const unbound = new KubeConfig();
    unbound.loadFromFile(await cluster.serviceAccountKubeconfig({ namespace, name: names.serviceAccount }));
    unboundCore = unbound.makeApiClient(CoreV1Api);
    // The API server loads admission policies asynchronously: wait until this one refuses.
    await waitFor(
      'the admission policy to be in force',
      async () =>
        (await status(unboundCore.patchNode({ name: node, body: cordon(false) }, MERGE))) === 403 ? true : undefined,
      { timeoutMs: 30_000, intervalMs: 200 },
    );
  });

  afterAll(async () => {
    for (const name of [namespace, workloads, other]) await adminCore.deleteNamespace({ name }).catch(() => undefined);
    for (const o of rendered.filter((x) => !x.metadata.namespace && x.kind !== 'Namespace'))
      await objects.delete(o).catch(() => undefined);
    await cluster.deleteNodes([node, otherNode]);
  });

  const lease = (name: string, ns: string, labels: Record<string, string> = { 'patchwindow.io/grant': 'true' }) => ({
    metadata: { name, namespace: ns, labels },
    spec: {
      holderIdentity: node,
      leaseDurationSeconds: 60,
      acquireTime: new V1MicroTime(),
      renewTime: new V1MicroTime(),
    },
  });

  it('lets the agent read and patch nodes, list pods, evict, record events', async () => {
    expect(await status(core.readNode({ name: node }))).toBe(200);
    expect(await status(core.listNode())).toBe(200);
    expect(
      await status(
        core.patchNode(
          { name: node, body: { spec: { unschedulable: true } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        ),
      ),
    ).toBe(200);
    expect(
      await status(
        core.patchNode(
          { name: node, body: { metadata: { annotations: { 'patchwindow.io/state': '{}' } } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        ),
      ),
    ).toBe(200);
    expect(await status(core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` }))).toBe(200);
    // Namespaces are readable only when a pod blocker has a namespaceSelector; this policy has none.
    expect(await status(core.readNamespace({ name: workloads }))).toBe(403);
    const eviction = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'web', namespace: workloads } };
    expect(await status(core.createNamespacedPodEviction({ name: 'web', namespace: workloads, body: eviction }))).toBe(
      200,
    );
    const event = {
      metadata: { name: `${node}.rbac`, namespace: 'default' },
      involvedObject: { kind: 'Node', name: node, uid: node },
      reason: 'Test',
      message: 'rbac',
      type: 'Normal',
    };
    expect(await status(core.createNamespacedEvent({ namespace: 'default', body: event }))).toBe(200);
  });

  it('lets the agent read, renew and give back its grant in its own namespace, but not give itself one', async () => {
    expect(await status(leases.createNamespacedLease({ namespace, body: lease('grant', namespace) }))).toBe(403);
    await adminLeases.createNamespacedLease({ namespace, body: lease('grant', namespace) });
    const current = await leases.readNamespacedLease({ name: 'grant', namespace });
    expect(await status(leases.replaceNamespacedLease({ name: 'grant', namespace, body: current }))).toBe(200);
    expect(await status(leases.listNamespacedLease({ namespace }))).toBe(200);
    expect(await status(leases.deleteNamespacedLease({ name: 'grant', namespace }))).toBe(200);
  });

  it('lets the coordinator read Nodes, record Events and give grants in its namespace, and nothing more', async () => {
    const path = await cluster.serviceAccountKubeconfig({ namespace, name: names.coordinator });
    const kc = new KubeConfig();
    kc.loadFromFile(path);
    const coordCore = kc.makeApiClient(CoreV1Api);
    const coordLeases = kc.makeApiClient(CoordinationV1Api);
    expect(await status(coordCore.listNode())).toBe(200);
    expect(await status(coordCore.readNode({ name: node }))).toBe(200);
    const cordon = { name: node, body: { spec: { unschedulable: true } } };
    expect(await status(coordCore.patchNode(cordon, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)))).toBe(
      403,
    );
    expect(await status(coordLeases.createNamespacedLease({ namespace, body: lease('given', namespace) }))).toBe(200);
    expect(await status(coordLeases.deleteNamespacedLease({ name: 'given', namespace }))).toBe(200);
    expect(await status(coordLeases.createNamespacedLease({ namespace: other, body: lease('given', other) }))).toBe(
      403,
    );
    const eviction = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'victim', namespace: workloads } };
    expect(
      await status(coordCore.createNamespacedPodEviction({ name: 'victim', namespace: workloads, body: eviction })),
    ).toBe(403);
    expect(await status(coordCore.readNamespacedSecret({ name: 'hooks', namespace }))).toBe(403);
    // No policy of this fleet has hooks: no Job rights (spec.hooks adds them, test/integration/hooks-rbac.test.ts).
    const job = {
      metadata: { name: 'hook' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [pause] } } },
    };
    expect(await status(kc.makeApiClient(BatchV1Api).createNamespacedJob({ namespace, body: job }))).toBe(403);
  });

  it('lets the agent read only the notification Secret its policy names', async () => {
    expect(await status(core.readNamespacedSecret({ name: 'patchwindow-notify-hooks', namespace }))).toBe(200);
    expect(await status(core.readNamespacedSecret({ name: 'unrelated', namespace }))).toBe(403);
    expect(await status(core.listNamespacedSecret({ namespace }))).toBe(403);
    expect(await status(core.readNamespacedSecret({ name: 'patchwindow-notify-hooks', namespace: other }))).toBe(403);
  });

  it('forbids deleting pods directly, touching Leases elsewhere, and changing other things', async () => {
    expect(await status(core.deleteNamespacedPod({ name: 'victim', namespace: workloads }))).toBe(403);
    expect(await status(leases.createNamespacedLease({ namespace: other, body: lease('grant', other) }))).toBe(403);
    expect(await status(leases.listNamespacedLease({ namespace: other }))).toBe(403);
    expect(await status(core.deleteNode({ name: node }))).toBe(403);
    expect(
      await status(
        core.createNamespacedPod({
          namespace: workloads,
          body: { metadata: { name: 'intruder' }, spec: { containers: [pause] } },
        }),
      ),
    ).toBe(403);
    expect(await status(core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'x' } } }))).toBe(403);
    expect(
      await status(
        core.patchNamespace(
          { name: workloads, body: { metadata: { labels: { x: 'y' } } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        ),
      ),
    ).toBe(403);
    // The pod it may not delete is still there.
    expect(await status(adminCore.readNamespacedPod({ name: 'victim', namespace: workloads }))).toBe(200);
  });

  describe('the admission policy', () => {
    it('lets the agent change only its own Node', async () => {
      expect(await status(core.patchNode({ name: otherNode, body: cordon(true) }, MERGE))).toBe(403);
      expect(
        await status(core.patchNode({ name: otherNode, body: meta('labels', { 'patchwindow.io/x': 'y' }) }, MERGE)),
      ).toBe(403);
      // A token bound to no pod names no node, so it may change none.
      expect(await status(unboundCore.patchNode({ name: node, body: cordon(true) }, MERGE))).toBe(403);
      expect((await adminCore.readNode({ name: otherNode })).spec?.unschedulable).toBeFalsy();
      expect(await refusal(core.patchNode({ name: otherNode, body: cordon(true) }, MERGE))).toContain(
        'may change only the Node its pod runs on',
      );
    });

    it('lets the agent change only the fields and keys it owns on its own Node', async () => {
      await adminCore.patchNode(
        { name: node, body: meta('labels', { 'team.example.com/owner': 'web', 'patchwindow.io/hold': 'true' }) },
        MERGE,
      );
      expect(
        await status(
          core.patchNode({ name: node, body: meta('labels', { 'patchwindow.io/reboot-required': 'true' }) }, MERGE),
        ),
      ).toBe(200);
      expect(
        await status(
          core.patchNode({ name: node, body: meta('annotations', { 'patchwindow.io/state': '{}' }) }, MERGE),
        ),
      ).toBe(200);
      expect(
        await status(
          core.patchNode({ name: node, body: meta('labels', { 'team.example.com/owner': 'intruder' }) }, MERGE),
        ),
      ).toBe(403);
      expect(
        await status(core.patchNode({ name: node, body: meta('labels', { 'team.example.com/owner': null }) }, MERGE)),
      ).toBe(403);
      expect(
        await status(
          core.patchNode({ name: node, body: meta('labels', { 'node-role.kubernetes.io/control-plane': '' }) }, MERGE),
        ),
      ).toBe(403);
      // The hold is the admin's: the agent may neither lift nor set it.
      expect(
        await status(core.patchNode({ name: node, body: meta('labels', { 'patchwindow.io/hold': null }) }, MERGE)),
      ).toBe(403);
      expect(
        await status(core.patchNode({ name: node, body: meta('annotations', { 'patchwindow.io/hold': 'x' }) }, MERGE)),
      ).toBe(403);
      expect(
        await status(
          core.patchNode(
            {
              name: node,
              body: meta('annotations', { 'cluster-autoscaler.kubernetes.io/scale-down-disabled': 'true' }),
            },
            MERGE,
          ),
        ),
      ).toBe(403);
      const taint = { spec: { taints: [{ key: 'example.com/evil', effect: 'NoExecute' }] } };
      expect(await status(core.patchNode({ name: node, body: taint }, MERGE))).toBe(403);
      const after = await adminCore.readNode({ name: node });
      expect(after.metadata?.labels).toMatchObject({
        'team.example.com/owner': 'web',
        'patchwindow.io/hold': 'true',
        'patchwindow.io/reboot-required': 'true',
      });
      expect(after.spec?.taints?.some((t) => t.key === 'example.com/evil')).toBeFalsy();
      expect(await refusal(core.patchNode({ name: node, body: taint }, MERGE))).toContain('only spec.unschedulable');
      expect(
        await refusal(core.patchNode({ name: node, body: meta('labels', { 'patchwindow.io/hold': null }) }, MERGE)),
      ).toContain('only the labels it owns');
    });

    it('keeps the agent off every Lease that is not a grant', async () => {
      const coordinator = lease('patchwindow-coordinator', namespace, {});
      await admin.makeApiClient(CoordinationV1Api).createNamespacedLease({ namespace, body: coordinator });
      const current = await leases.readNamespacedLease({ name: 'patchwindow-coordinator', namespace });
      expect(
        await status(
          leases.replaceNamespacedLease({
            name: 'patchwindow-coordinator',
            namespace,
            body: { ...current, spec: { ...current.spec, holderIdentity: node } },
          }),
        ),
      ).toBe(403);
      expect(await status(leases.deleteNamespacedLease({ name: 'patchwindow-coordinator', namespace }))).toBe(403);
      expect(await refusal(leases.deleteNamespacedLease({ name: 'patchwindow-coordinator', namespace }))).toContain(
        'only the grant Leases',
      );
      // No Lease of its own making, grant or not: grants are the coordinator's to give.
      expect(await status(leases.createNamespacedLease({ namespace, body: lease('not-a-grant', namespace, {}) }))).toBe(
        403,
      );
      expect(await status(leases.createNamespacedLease({ namespace, body: lease('self-grant', namespace) }))).toBe(403);
      // Nor may it turn its grant into something else.
      await admin
        .makeApiClient(CoordinationV1Api)
        .createNamespacedLease({ namespace, body: lease('grant-2', namespace) });
      const grant = await leases.readNamespacedLease({ name: 'grant-2', namespace });
      expect(
        await status(
          leases.replaceNamespacedLease({
            name: 'grant-2',
            namespace,
            body: { ...grant, metadata: { ...grant.metadata, labels: {} } },
          }),
        ),
      ).toBe(403);
    });

    it("lets the agent ask for its post-reboot hook on its grant, never write a hook's result", async () => {
      const pending = { 'patchwindow.io/pre-hook': 'pending' };
      await adminLeases.createNamespacedLease({
        namespace,
        body: {
          ...lease('grant-3', namespace),
          metadata: { ...lease('grant-3', namespace).metadata, annotations: pending },
        },
      });
      const write = async (annotations: Record<string, string>) => {
        const current = await leases.readNamespacedLease({ name: 'grant-3', namespace });
        const body = {
          ...current,
          metadata: { ...current.metadata, annotations: { ...current.metadata?.annotations, ...annotations } },
        };
        return refusal(leases.replaceNamespacedLease({ name: 'grant-3', namespace, body }));
      };
      const forbidden = "may not write the hooks' results on its grant";
      expect(await write({ 'patchwindow.io/pre-hook': 'succeeded' })).toContain(forbidden);
      expect(await write({ 'patchwindow.io/post-hook': 'succeeded' })).toContain(forbidden);
      expect(await write({ 'patchwindow.io/post-hook': 'pending' })).toBe('');
      // Renewing keeps both as they are.
      expect(await write({})).toBe('');
      expect(await write({ 'patchwindow.io/post-hook': 'failed: no' })).toContain(forbidden);
      const after = await adminLeases.readNamespacedLease({ name: 'grant-3', namespace });
      expect(after.metadata?.annotations).toMatchObject({
        'patchwindow.io/pre-hook': 'pending',
        'patchwindow.io/post-hook': 'pending',
      });
      // The coordinator writes the results (it is not bound by the agents' admission policy).
      const admin3 = {
        ...after,
        metadata: {
          ...after.metadata,
          annotations: { ...after.metadata?.annotations, 'patchwindow.io/post-hook': 'succeeded' },
        },
      };
      expect(await status(adminLeases.replaceNamespacedLease({ name: 'grant-3', namespace, body: admin3 }))).toBe(200);
      expect(await write({})).toBe('');
    });
  });
});
