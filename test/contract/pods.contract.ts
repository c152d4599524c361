// Contract of the Pods port: listing a node's pods with what drains and blockers need, namespace
// labels, and eviction through the eviction API (429 while a PodDisruptionBudget forbids it).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PodInfo } from '../../kube/ports.ts';
import { eventually, type ContractEnv, type MakeEnv } from './env.ts';

export function describePodsContract(name: string, makeEnv: MakeEnv): void {
  describe(`Pods contract: ${name}`, () => {
    let env: ContractEnv;
    let node: string;
    let ns: string;
    beforeEach(async () => {
      env = await makeEnv();
      node = env.unique('node');
      ns = env.unique('ns');
      await env.createNode({ name: node });
      await env.createNamespace(ns, { team: 'shop' });
    });
    afterEach(async () => {
      await env.dispose();
    });

    const find = async (podName: string): Promise<PodInfo | undefined> =>
      (await env.pods.listOnNode(node)).find((p) => p.name === podName);

    it("lists the node's pods with owner kind, emptyDir use and phase", async () => {
      const other = env.unique('node');
      await env.createNode({ name: other });
      await env.createPod({ namespace: ns, name: 'web', nodeName: node, labels: { app: 'web' }, owner: 'ReplicaSet' });
      await env.createPod({ namespace: ns, name: 'agent', nodeName: node, owner: 'DaemonSet' });
      await env.createPod({ namespace: ns, name: 'scratch', nodeName: node, owner: null, emptyDir: true });
      await env.createPod({ namespace: ns, name: 'done', nodeName: node, owner: 'ReplicaSet', phase: 'Succeeded' });
      await env.createPod({ namespace: ns, name: 'elsewhere', nodeName: other, owner: 'ReplicaSet' });
      const pods = await env.pods.listOnNode(node);
      expect(pods.map((p) => p.name).sort()).toEqual(['agent', 'done', 'scratch', 'web']);
      expect(pods.find((p) => p.name === 'web')).toMatchObject({
        namespace: ns,
        labels: { app: 'web' },
        controllerKind: 'ReplicaSet',
        usesEmptyDir: false,
        mirror: false,
        terminating: false,
        phase: 'Running',
      });
      expect(pods.find((p) => p.name === 'agent')).toMatchObject({ controllerKind: 'DaemonSet' });
      expect(pods.find((p) => p.name === 'scratch')).toMatchObject({ controllerKind: null, usesEmptyDir: true });
      expect(pods.find((p) => p.name === 'done')).toMatchObject({ phase: 'Succeeded' });
      expect(new Set(pods.map((p) => p.uid)).size).toBe(4);
    });

    it('reads namespace labels; undefined for a namespace that does not exist', async () => {
      expect(await env.pods.namespaceLabels(ns)).toMatchObject({ team: 'shop' });
      expect(await env.pods.namespaceLabels(env.unique('missing'))).toBeUndefined();
    });

    it('evicts a pod: it is terminating, then gone', async () => {
      await env.createPod({ namespace: ns, name: 'web', nodeName: node, owner: 'ReplicaSet' });
      const pod = (await find('web'))!;
      expect(await env.pods.evict(pod, 0)).toBe('evicted');
      await eventually(async () => {
        const now = await find('web');
        expect(now === undefined || now.uid !== pod.uid || now.terminating).toBe(true);
      });
    });

    it("watches the node's pods: lists them at once and tells of an eviction until the pod is gone", async () => {
      await env.createPod({ namespace: ns, name: 'web', nodeName: node, owner: 'ReplicaSet' });
      const other = env.unique('node');
      await env.createNode({ name: other });
      await env.createPod({ namespace: ns, name: 'elsewhere', nodeName: other, owner: 'ReplicaSet' });
      const cache = await env.pods.watchOnNode(node);
      try {
        expect(cache.list().map((p) => p.name)).toEqual(['web']);
        let changes = 0;
        cache.onChange(() => changes++);
        const pod = cache.list()[0]!;
        expect(await env.pods.evict(pod, 0)).toBe('evicted');
        await eventually(() => {
          expect(changes).toBeGreaterThan(0);
          const now = cache.list().find((p) => p.uid === pod.uid);
          expect(now === undefined || now.terminating).toBe(true);
        });
      } finally {
        cache.stop();
      }
    });

    it('answers blocked while a disruption budget forbids the eviction, and leaves the pod', async () => {
      await env.createPod({ namespace: ns, name: 'db', nodeName: node, labels: { app: 'db' }, owner: 'ReplicaSet' });
      await env.blockEvictionsFor({ namespace: ns, name: 'db' });
      const pod = (await find('db'))!;
      await eventually(async () => expect(await env.pods.evict(pod, null)).toBe('blocked'));
      expect(await find('db')).toMatchObject({ uid: pod.uid, terminating: false });
    });

    it('answers gone for a pod of the same name but another uid (recreated), and leaves the pod', async () => {
      await env.createPod({ namespace: ns, name: 'web', nodeName: node, owner: 'ReplicaSet' });
      const pod = (await find('web'))!;
      const earlier: PodInfo = { ...pod, uid: '00000000-0000-0000-0000-000000000001' };
      expect(await env.pods.evict(earlier, 0)).toBe('gone');
      expect(await find('web')).toMatchObject({ uid: pod.uid, terminating: false });
    });

    it('answers gone for a pod that does not exist', async () => {
      const ghost: PodInfo = {
        namespace: ns,
        name: 'ghost',
        uid: '00000000-0000-0000-0000-000000000000',
        labels: {},
        phase: 'Running',
        controllerKind: 'ReplicaSet',
        mirror: false,
        usesEmptyDir: false,
        terminating: false,
      };
      expect(await env.pods.evict(ghost, null)).toBe('gone');
    });
  });
}
