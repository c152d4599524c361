// The drain over a FakeCluster on a fake clock: what is evicted, skipped or refused; back-off on
// 429; waiting for terminating pods; bounded concurrency; the timeout and its reason.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../test/fakes/clock.ts';
import { FakeCluster, type PodSpec } from '../test/fakes/cluster.ts';
import { Faults, failNth } from '../test/fakes/faults.ts';
import { clusterPorts } from '../test/fakes/session.ts';
import type { DrainSettings } from '../policy/model.ts';
import { drainNode } from './drain.ts';
import type { DrainOutcome } from './core/facts.ts';
import type { Pods } from '../kube/ports.ts';

const T = Date.parse('2026-06-01T22:00:00Z');
const SETTINGS: DrainSettings = {
  timeoutMs: 600_000,
  gracePeriodSeconds: null,
  deleteEmptyDirData: true,
  force: false,
  podSelector: null,
  onFailure: 'uncordon',
  volumeDetachTimeoutMs: null,
};

function setup(pods: Omit<PodSpec, 'nodeName'>[], faults = new Faults()) {
  const clock = new FakeClock(T);
  const cluster = new FakeCluster(clock);
  cluster.addNode({ name: 'n1', unschedulable: true });
  for (const p of pods) cluster.addPod({ ...p, nodeName: 'n1' });
  const ports = clusterPorts(cluster, { agent: 'n1', signal: new AbortController().signal, crash() {} }, faults);
  const evictions: { pod: string; atMs: number; result: string }[] = [];
  const drain = (settings: Partial<DrainSettings> = {}, pods: Pods = ports.pods): Promise<DrainOutcome> =>
    drainNode({
      pods,
      clock,
      nodeName: 'n1',
      settings: { ...SETTINGS, ...settings },
      deadlineMs: T + (settings.timeoutMs ?? SETTINGS.timeoutMs),
      onEvict: (pod, result) => evictions.push({ pod, atMs: clock.now() - T, result }),
    });
  /** Runs the drain on the fake clock to its end. */
  const run = async (
    settings: Partial<DrainSettings> = {},
    pods?: Pods,
  ): Promise<{ outcome: DrainOutcome; tookMs: number }> => {
    let outcome: DrainOutcome | undefined;
    void drain(settings, pods).then((o) => (outcome = o));
    await clock.runUntil(() => outcome !== undefined, T + 3_600_000);
    return { outcome: outcome!, tookMs: clock.now() - T };
  };
  return { clock, cluster, evictions, run, ports };
}

const web = (name: string, extra: Partial<PodSpec> = {}) => ({
  namespace: 'shop',
  name,
  labels: { app: 'web' },
  ...extra,
});

describe('drain', () => {
  it('evicts every pod but DaemonSet and mirror pods, and waits until the terminating ones are gone', async () => {
    const d = setup([
      web('a', { graceSeconds: 30 }),
      web('b'),
      { namespace: 'kube-system', name: 'proxy', controllerKind: 'DaemonSet' },
      { namespace: 'kube-system', name: 'etcd', controllerKind: null, mirror: true },
    ]);
    const { outcome, tookMs } = await d.run();
    expect(outcome).toEqual({ ok: true });
    expect(tookMs).toBe(30_000);
    expect(d.evictions.map((e) => e.pod).sort()).toEqual(['shop/a', 'shop/b']);
    expect(
      d.cluster
        .podsOn('n1')
        .map((p) => p.name)
        .sort(),
    ).toEqual(['etcd', 'proxy']);
  });

  it('passes the grace period of the policy to the eviction', async () => {
    const d = setup([web('a', { graceSeconds: 300 })]);
    // Gone after 5 s, and the watch of the node's pods says so at once.
    expect(await d.run({ gracePeriodSeconds: 5 })).toEqual({ outcome: { ok: true }, tookMs: 5_000 });
  });

  it('ends the moment the last pod is gone, not at the next round of a poll', async () => {
    const d = setup([web('a', { graceSeconds: 1 }), web('b', { graceSeconds: 3 }), web('c')]);
    expect(await d.run()).toEqual({ outcome: { ok: true }, tookMs: 3_000 });
    expect(d.evictions.map((e) => [e.pod, e.atMs])).toEqual([
      ['shop/a', 0],
      ['shop/b', 0],
      ['shop/c', 0],
    ]);
  });

  it('looks again every pollMs when the watch of the pods cannot start', async () => {
    const d = setup([web('a', { graceSeconds: 5 })], new Faults(failNth('pods', 'watchOnNode', 1)));
    expect(await d.run()).toEqual({ outcome: { ok: true }, tookMs: 6_000 });
  });

  it('fails at once, evicting nothing, for a pod with emptyDir unless deleteEmptyDirData', async () => {
    const d = setup([web('a'), web('cache', { usesEmptyDir: true })]);
    const { outcome, tookMs } = await d.run({ deleteEmptyDirData: false });
    expect(outcome).toEqual({
      ok: false,
      reason:
        'pod shop/cache uses emptyDir, whose data eviction deletes; set drain.deleteEmptyDirData: true to allow that',
    });
    expect([tookMs, d.evictions]).toEqual([0, []]);
  });

  it('fails at once for a pod without a controller unless force, which evicts it (still by eviction)', async () => {
    const d = setup([web('a'), web('debug', { controllerKind: null })]);
    expect((await d.run()).outcome).toEqual({
      ok: false,
      reason:
        'pod shop/debug has no controller, so evicting it deletes it for good; set drain.force: true to allow that',
    });
    expect((await d.run({ force: true })).outcome).toEqual({ ok: true });
    expect(d.evictions.map((e) => e.pod).sort()).toEqual(['shop/a', 'shop/debug']);
  });

  it('evicts finished pods even without a controller or with emptyDir', async () => {
    const d = setup([web('job-1', { controllerKind: null, usesEmptyDir: true, phase: 'Succeeded' })]);
    expect((await d.run({ deleteEmptyDirData: false })).outcome).toEqual({ ok: true });
  });

  it('evicts only pods matching drain.podSelector', async () => {
    const d = setup([web('a'), { namespace: 'ml', name: 'train', labels: { app: 'training' }, controllerKind: null }]);
    expect((await d.run({ podSelector: { matchLabels: { app: 'web' } } })).outcome).toEqual({ ok: true });
    expect(d.cluster.podsOn('n1').map((p) => p.name)).toEqual(['train']);
  });

  it('backs off on 429 for that pod only, doubling, until the disruption budget allows it', async () => {
    const d = setup([web('db'), web('a')]);
    d.cluster.blockEvictions({ namespace: 'shop', name: 'db' }, T + 10_000);
    const { outcome } = await d.run();
    expect(outcome).toEqual({ ok: true });
    expect(d.evictions.filter((e) => e.pod === 'shop/db').map((e) => [e.atMs, e.result])).toEqual([
      [0, 'blocked'],
      [1_000, 'blocked'],
      [3_000, 'blocked'],
      [7_000, 'blocked'],
      [15_000, 'evicted'],
    ]);
    expect(d.evictions.filter((e) => e.pod === 'shop/a').map((e) => e.atMs)).toEqual([0]);
  });

  it('times out naming the pods left and why', async () => {
    const d = setup([web('db'), web('slow', { graceSeconds: 3_600 })]);
    d.cluster.blockEvictions({ namespace: 'shop', name: 'db' });
    const { outcome, tookMs } = await d.run({ timeoutMs: 120_000 });
    expect(tookMs).toBe(120_000);
    expect(outcome).toEqual({
      ok: false,
      reason:
        'timed out after 2m; still on the node: shop/db (eviction refused by a PodDisruptionBudget), shop/slow (terminating)',
    });
  });

  it('re-lists, evicting pods that appear during the drain', async () => {
    const d = setup([web('a', { graceSeconds: 10 })]);
    void d.clock.sleep(5_000).then(() => d.cluster.addPod({ ...web('late'), nodeName: 'n1' }));
    expect((await d.run()).outcome).toEqual({ ok: true });
    expect(d.evictions.map((e) => e.pod)).toEqual(['shop/a', 'shop/late']);
  });

  it('keeps going while listing or evicting fails for a while', async () => {
    const faults = new Faults((c) => failNth('pods', 'listOnNode', 1)(c) ?? failNth('pods', 'evict', 1)(c));
    const d = setup([web('a')], faults);
    expect((await d.run()).outcome).toEqual({ ok: true });
    expect(d.evictions.map((e) => e.result)).toEqual(['error', 'evicted']);
  });

  it('keeps at most `concurrency` evictions in flight', async () => {
    const d = setup(Array.from({ length: 12 }, (_, i) => web(`p${i}`)));
    let inFlight = 0;
    let most = 0;
    const slow: Pods = {
      ...d.ports.pods,
      evict: async (pod, grace) => {
        most = Math.max(most, ++inFlight);
        await d.clock.sleep(1_000);
        inFlight--;
        return d.ports.pods.evict(pod, grace);
      },
    };
    let outcome: DrainOutcome | undefined;
    void drainNode({
      pods: slow,
      clock: d.clock,
      nodeName: 'n1',
      settings: SETTINGS,
      deadlineMs: T + 600_000,
      concurrency: 3,
    }).then((o) => (outcome = o));
    await d.clock.runUntil(() => outcome !== undefined, T + 600_000);
    expect(outcome).toEqual({ ok: true });
    expect(most).toBe(3);
    // Four batches of three evictions (1 s each); the next round, at once, finds the node empty.
    expect(d.clock.now() - T).toBe(4 * 1_000);
  });

  it('stops at once when its signal aborts', async () => {
    const d = setup([web('db')]);
    d.cluster.blockEvictions({ namespace: 'shop', name: 'db' });
    const controller = new AbortController();
    const done = drainNode({
      pods: d.ports.pods,
      clock: d.clock,
      nodeName: 'n1',
      settings: SETTINGS,
      deadlineMs: T + 600_000,
      signal: controller.signal,
    });
    await d.clock.advance(5_000);
    controller.abort();
    await expect(done).rejects.toThrow('drain stopped');
  });
});
