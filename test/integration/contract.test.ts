// The contract suites of the Kubernetes ports against the real adapters on the real control plane:
// real kwok nodes, real pods adopted by real controllers, a real PodDisruptionBudget giving real
// 429s, real Lease conflicts and real watches. The same suites pass against the in-memory fakes
// (test/contract/fakes.test.ts), so the fakes cannot drift from the API.
import {
  AppsV1Api,
  CoreV1Api,
  PatchStrategy,
  PolicyV1Api,
  setHeaderOptions,
  type V1Pod,
} from '@kubernetes/client-node';
import { vi } from 'vitest';
import { KubeEvents } from '../../kube/events.ts';
import { restOf } from '../../kube/config.ts';
import { KubeNodes } from '../../kube/nodes.ts';
import { KubePods } from '../../kube/pods.ts';
import { KubeGrants } from '../../kube/grants.ts';
import { KubeMemory } from '../../kube/memory.ts';
import { describeHaltsContract } from '../contract/halts.contract.ts';
import { KubeHalts } from '../../kube/halts.ts';
import { describeClusterContracts, type ContractEnv, type PodSetup } from '../contract/index.ts';
import { uniqueName, useCluster } from '../testenv/use-cluster.ts';

const cluster = useCluster();
const kc = cluster.kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const policy = kc.makeApiClient(PolicyV1Api);
const WAIT = { timeout: 60_000, interval: 200 };
const POD_LABEL = 'contract.patchwindow.dev/pod';
const pause = { name: 'pause', image: 'registry.k8s.io/pause:3.10' };

/** Creates the pod bound to its node; a controller of the asked kind then adopts it (as its owner). */
async function createPod(spec: PodSetup): Promise<void> {
  const key = uniqueName('p');
  const labels = { ...(spec.labels ?? {}), [POD_LABEL]: key };
  const body: V1Pod = {
    metadata: { name: spec.name, namespace: spec.namespace, labels },
    spec: {
      nodeName: spec.nodeName,
      containers: [pause],
      terminationGracePeriodSeconds: 0,
      ...(spec.emptyDir ? { volumes: [{ name: 'scratch', emptyDir: {} }] } : {}),
    },
  };
  await core.createNamespacedPod({ namespace: spec.namespace, body });
  await vi.waitFor(async () => {
    const pod = await core.readNamespacedPod({ namespace: spec.namespace, name: spec.name });
    if (pod.status?.phase !== 'Running') throw new Error(`pod ${spec.name} is ${pod.status?.phase}`);
  }, WAIT);
  if (spec.phase === 'Succeeded') {
    await core.patchNamespacedPodStatus(
      { namespace: spec.namespace, name: spec.name, body: { status: { phase: 'Succeeded' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }
  const selector = { matchLabels: { [POD_LABEL]: key } };
  const template = { metadata: { labels }, spec: { nodeName: spec.nodeName, containers: [pause] } };
  if (spec.owner === 'ReplicaSet' && spec.phase === 'Succeeded') {
    // Controllers adopt only active pods: a finished pod gets its owner reference written directly,
    // to a ReplicaSet that wants no replicas (so it neither replaces nor deletes anything).
    const rs = await apps.createNamespacedReplicaSet({
      namespace: spec.namespace,
      body: { metadata: { name: `${spec.name}-${key}`.slice(0, 63) }, spec: { replicas: 0, selector, template } },
    });
    const ownerReferences = [
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: rs.metadata!.name!,
        uid: rs.metadata!.uid!,
        controller: true,
        blockOwnerDeletion: true,
      },
    ];
    await core.patchNamespacedPod(
      { namespace: spec.namespace, name: spec.name, body: { metadata: { ownerReferences } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  } else if (spec.owner === 'ReplicaSet') {
    await apps.createNamespacedReplicaSet({
      namespace: spec.namespace,
      body: { metadata: { name: `${spec.name}-${key}`.slice(0, 63) }, spec: { replicas: 1, selector, template } },
    });
  } else if (spec.owner === 'DaemonSet') {
    const affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [spec.nodeName] }] }],
        },
      },
    };
    await apps.createNamespacedDaemonSet({
      namespace: spec.namespace,
      body: {
        metadata: { name: `${spec.name}-${key}`.slice(0, 63) },
        spec: {
          selector,
          updateStrategy: { type: 'OnDelete' },
          template: { ...template, spec: { containers: [pause], affinity } },
        },
      },
    });
  }
  if (spec.owner !== null) {
    await vi.waitFor(async () => {
      const pod = await core.readNamespacedPod({ namespace: spec.namespace, name: spec.name });
      const owner = pod.metadata?.ownerReferences?.find((o) => o.controller);
      if (owner?.kind !== spec.owner) throw new Error(`pod ${spec.name} not yet adopted by its ${spec.owner}`);
    }, WAIT);
  }
}

async function realEnv(): Promise<ContractEnv> {
  const agentNs = await cluster.createNamespace('contract');
  const fleet = uniqueName('fleet');
  const nodes: string[] = [];
  const namespaces: string[] = [agentNs];
  return {
    nodes: new KubeNodes(restOf(kc)),
    pods: new KubePods(restOf(kc)),
    grants: new KubeGrants(restOf(kc), { namespace: agentNs, fleet }),
    events: new KubeEvents(restOf(kc)),
    memory: (name) => new KubeMemory(kc, { namespace: agentNs, fleet: name }),
    unique: (base) => uniqueName(base),
    async createNode({ name, labels, unschedulable }) {
      nodes.push(name);
      await cluster.createNodes([{ name, labels: labels ?? {} }]);
      if (unschedulable) {
        await core.patchNode(
          { name, body: { spec: { unschedulable: true } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
      }
    },
    async deleteNode(name) {
      await cluster.deleteNodes([name]);
    },
    async createNamespace(name, labels) {
      namespaces.push(name);
      await core.createNamespace({ body: { metadata: { name, labels: { ...(labels ?? {}) } } } });
    },
    createPod,
    async blockEvictionsFor({ namespace, name }) {
      const pod = await core.readNamespacedPod({ namespace, name });
      const key = pod.metadata?.labels?.[POD_LABEL];
      await policy.createNamespacedPodDisruptionBudget({
        namespace,
        body: {
          metadata: { name: `block-${name}`.slice(0, 63) },
          spec: { minAvailable: 1, selector: { matchLabels: { [POD_LABEL]: key ?? name } } },
        },
      });
    },
    async eventsOf(nodeName) {
      const list = await core.listNamespacedEvent({
        namespace: 'default',
        fieldSelector: `involvedObject.kind=Node,involvedObject.name=${nodeName}`,
      });
      return list.items.map((e) => ({
        type: e.type === 'Warning' ? 'Warning' : 'Normal',
        reason: e.reason ?? '',
        message: e.message ?? '',
      }));
    },
    nowMs: () => Date.now(),
    async dispose() {
      await Promise.all(namespaces.map((name) => core.deleteNamespace({ name }).catch(() => undefined)));
      const existing = (await core.listNode()).items.map((n) => n.metadata?.name);
      await cluster.deleteNodes(nodes.filter((n) => existing.includes(n)));
    },
  };
}

describeClusterContracts('Kubernetes adapters', realEnv);
describeHaltsContract('KubeHalts (a Lease in the Fleet namespace)', async () => {
  const ns = await cluster.createNamespace('contract');
  const fleet = uniqueName('fleet');
  return {
    one: new KubeHalts(kc, { namespace: ns, fleet }),
    two: new KubeHalts(kc, { namespace: ns, fleet }),
    dispose: async () => {
      await core.deleteNamespace({ name: ns }).catch(() => undefined);
    },
  };
});
