// The coordinator's cache of every Node (KubeNodes.watchAll) against the real API server: it tells
// its listeners of a change of what it keeps (labels, patchwindow's annotations, the cordon, the
// Ready condition, the boot id), and not of an update that changes only what it drops — a kubelet's
// status heartbeat, another tool's annotation. At 5,000 nodes those are nearly every update, and
// each told one is a decision over the whole fleet.
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KubeNodes } from '../../kube/nodes.ts';
import { restOf } from '../../kube/config.ts';
import type { Cache, NodeInfo } from '../../kube/ports.ts';
import { uniqueName, useCluster } from '../testenv/use-cluster.ts';

const cluster = useCluster();
const kc = cluster.kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

describe('KubeNodes.watchAll', () => {
  const name = uniqueName('cache');
  const other = `${name}-other`;
  let cache: Cache<NodeInfo>;
  let told = 0;

  beforeAll(async () => {
    await cluster.createNodes([
      { name, labels: { 'cache.patchwindow.dev/test': 'true' } },
      { name: other, labels: { 'cache.patchwindow.dev/test': 'true' } },
    ]);
    cache = await new KubeNodes(restOf(kc)).watchAll();
    cache.onChange(() => void told++);
  });

  afterAll(async () => {
    cache.stop();
    await cluster.deleteNodes([name, other]);
  });

  const patch = (body: object) => core.patchNode({ name, body }, MERGE);
  const info = () => cache.list().find((n) => n.name === name);

  it('tells a change of what it keeps, and keeps quiet about updates of only what it drops', async () => {
    const rv = async () => (await core.readNode({ name })).metadata!.resourceVersion!;
    const before = await rv();
    // Another tool's annotation, and a heartbeat of the Ready condition (status: the kubelet's own write).
    await patch({ metadata: { annotations: { 'other.example.com/seen': String(Date.now()) } } });
    const node = await core.readNode({ name });
    const conditions = (node.status?.conditions ?? []).map((c) =>
      c.type === 'Ready' ? { ...c, lastHeartbeatTime: new Date() } : c,
    );
    await core.patchNodeStatus({ name, body: { status: { conditions } } }, MERGE);
    expect(await rv()).not.toBe(before);
    // A change it keeps, after them: once the cache shows it, the two updates before it were seen too.
    await patch({ metadata: { labels: { 'cache.patchwindow.dev/step': 'one' } } });
    await vi.waitFor(() => expect(info()?.labels['cache.patchwindow.dev/step']).toBe('one'), { timeout: 10_000 });
    expect(told).toBe(1);
    expect(info()?.resourceVersion).toBe(await rv());

    await patch({ metadata: { annotations: { 'patchwindow.io/state': null, 'patchwindow.io/request': 'x' } } });
    await vi.waitFor(() => expect(info()?.annotations['patchwindow.io/request']).toBe('x'), { timeout: 10_000 });
    await patch({ spec: { unschedulable: true } });
    await vi.waitFor(() => expect(info()?.unschedulable).toBe(true), { timeout: 10_000 });
    expect(told).toBe(3);
  });

  it('lists every Node in pages, each page stripped before the next is read', async () => {
    const before = await cluster.apiserverRequestTotal({ verb: 'LIST', resource: 'nodes' });
    const paged = await new KubeNodes(restOf(kc), { listPageSize: 1 }).watchAll();
    try {
      // One request per Node (page size 1), not one for all.
      const lists = (await cluster.apiserverRequestTotal({ verb: 'LIST', resource: 'nodes' })) - before;
      const listed = paged.list().map((n) => n.name);
      expect(listed).toEqual(expect.arrayContaining([name, other]));
      expect(lists).toBeGreaterThanOrEqual(listed.length);
      // Kept as stripped: no annotation of other tools (the first test wrote one on `name`).
      expect(Object.keys(paged.list().find((n) => n.name === name)!.annotations)).not.toContain(
        'other.example.com/seen',
      );
    } finally {
      paged.stop();
    }
  });

  it('maps a Node once: the NodeInfo of an unchanged Node is the same object after another one changed', async () => {
    const unchanged = cache.list().find((n) => n.name === other);
    expect(unchanged).toBeDefined();
    await patch({ metadata: { labels: { 'cache.patchwindow.dev/step': 'two' } } });
    await vi.waitFor(() => expect(info()?.labels['cache.patchwindow.dev/step']).toBe('two'), { timeout: 10_000 });
    expect(cache.list().find((n) => n.name === other)).toBe(unchanged);
  });
});
