// The agent's rendered RBAC, bound to a real ServiceAccount, on the real API server: real requests
// with the ServiceAccount's token show it may do its job — nodes, pods, evictions, events, Leases
// in its namespace, the notification Secret it names — and nothing more.
import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  V1MicroTime,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFleet } from '../../reconciler/render/compile.ts';
import { names, type KubeObject } from '../../reconciler/render/objects.ts';
import { renderObjects } from '../../reconciler/render/render.ts';
import { validateSources } from '../../reconciler/validate/validate.ts';
import { uniqueName, useCluster } from '../testenv/use-cluster.ts';

const cluster = useCluster();
const admin = cluster.kubeConfig();
const adminCore = admin.makeApiClient(CoreV1Api);
const adminLeases = admin.makeApiClient(CoordinationV1Api);
const objects = KubernetesObjectApi.makeApiClient(admin);
const pause = { name: 'pause', image: 'registry.k8s.io/pause:3.10' };

/** The HTTP status of a call: 200 when it succeeded. */
async function status(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (err: unknown) {
    if (err instanceof ApiException) return err.code;
    throw err;
  }
}

describe("the agent's RBAC", () => {
  const fleet = uniqueName('rbac');
  const namespace = uniqueName('rbac-agents');
  const node = uniqueName('rbac-node');
  let workloads: string;
  let other: string;
  let rendered: KubeObject[];
  let core: CoreV1Api;
  let leases: CoordinationV1Api;

  beforeAll(async () => {
    const policy = `apiVersion: patchwindow.io/v1alpha1\nkind: RebootPolicy\nmetadata: { name: web }\nspec:\n  nodePools: [web]\n  windows: [{ days: [sat], start: "01:00", end: "05:00" }]\n  notifications:\n    - format: slack\n      urlFrom: { secretKeyRef: { name: hooks, key: slack } }\n`;
    const fleetYaml = `apiVersion: patchwindow.io/v1alpha1\nkind: Fleet\nmetadata: { name: ${fleet} }\nspec:\n  namespace: ${namespace}\n  poolLabel: rbac.patchwindow.dev/pool\n`;
    const set = validateSources(
      [
        { file: 'fleet.yaml', text: fleetYaml },
        { file: 'web.yaml', text: policy },
      ],
      { nowMs: Date.now() },
    ).policySet!;
    rendered = renderObjects(compileFleet(set))
      .map((r) => r.object)
      .filter((o) => o.kind !== 'DaemonSet' && o.kind !== 'Deployment');
    for (const o of rendered)
      await objects.patch(structuredClone(o), undefined, undefined, 'rbac-test', true, PatchStrategy.ServerSideApply);
    await adminCore.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'hooks' }, stringData: { slack: 'https://hooks.example.invalid/x' } },
    });
    await adminCore.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'unrelated' }, stringData: { password: 'hunter2' } },
    });
    workloads = await cluster.createNamespace('rbac-workloads');
    other = await cluster.createNamespace('rbac-other');
    await cluster.createNodes([{ name: node, labels: { 'rbac.patchwindow.dev/pool': 'web' } }]);
    await adminCore.createNamespacedPod({
      namespace: workloads,
      body: { metadata: { name: 'web' }, spec: { nodeName: node, containers: [pause] } },
    });
    await adminCore.createNamespacedPod({
      namespace: workloads,
      body: { metadata: { name: 'victim' }, spec: { nodeName: node, containers: [pause] } },
    });
    const path = await cluster.serviceAccountKubeconfig({ namespace, name: names.serviceAccount });
    const kc = new KubeConfig();
    kc.loadFromFile(path);
    core = kc.makeApiClient(CoreV1Api);
    leases = kc.makeApiClient(CoordinationV1Api);
  });

  afterAll(async () => {
    for (const name of [namespace, workloads, other]) await adminCore.deleteNamespace({ name }).catch(() => undefined);
    for (const o of rendered.filter((x) => !x.metadata.namespace && x.kind !== 'Namespace'))
      await objects.delete(o).catch(() => undefined);
    await cluster.deleteNodes([node]);
  });

  const lease = (name: string, ns: string) => ({
    metadata: { name, namespace: ns },
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
  });

  it('lets the agent read only the notification Secret its policy names', async () => {
    expect(await status(core.readNamespacedSecret({ name: 'hooks', namespace }))).toBe(200);
    expect(await status(core.readNamespacedSecret({ name: 'unrelated', namespace }))).toBe(403);
    expect(await status(core.listNamespacedSecret({ namespace }))).toBe(403);
    expect(await status(core.readNamespacedSecret({ name: 'hooks', namespace: other }))).toBe(403);
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
});
