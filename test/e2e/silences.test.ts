// End to end, the Alertmanager silence held as a lease while a node reboots (spec.silences): real
// agent processes on kwok nodes, the coordinator, and a real HTTP server on loopback speaking
// Alertmanager's v2 silences API. The server sees each node's silence created before its cordon,
// extended while it works (also by the agent restarted after the reboot, which finds the id in the
// Node's record), and ended shortly after its uncordon; a reboot that takes longer than maxDuration
// is not covered any more (it pages again).
import { afterEach, describe, expect, it } from 'vitest';
import { startAlertmanager, type FakeAlertmanager } from '../helpers/alertmanager.ts';
import { E2eFleet } from '../helpers/e2e-fleet.ts';
import { useCluster } from '../testenv/use-cluster.ts';

const cluster = useCluster();

describe('Alertmanager silences on a real control plane', () => {
  let fleet: E2eFleet | undefined;
  let am: FakeAlertmanager | undefined;
  afterEach(async () => {
    await fleet?.close();
    await am?.close();
    fleet = undefined;
    am = undefined;
  });

  it('creates each node’s silence before its cordon, extends it while it works, ends it after its uncordon; a stuck one lapses at maxDuration', async () => {
    am = await startAlertmanager();
    const silences = (extra: Record<string, unknown>) => ({
      alertmanagerUrl: am!.url,
      matchers: [
        { name: 'instance', value: '{node}' },
        { name: 'reboot_policy', value: '{policy}' },
      ],
      ...extra,
    });
    fleet = await E2eFleet.create(cluster, {
      policies: [
        {
          name: 'db',
          pools: ['d'],
          maxUnavailable: 1,
          // reboot.delay keeps each node working (granted, drained) for a while before its reboot.
          spec: {
            // Long enough to outlast the agent's restart after the reboot on a busy machine.
            silences: silences({ duration: '30s', maxDuration: '1h', grace: '2s' }),
            reboot: { delay: '11s', expectedDuration: '20s' },
          },
        },
        {
          name: 'slow',
          pools: ['s'],
          maxUnavailable: 1,
          spec: {
            silences: silences({ duration: '3s', maxDuration: '4s', grace: '2s' }),
            reboot: { delay: '8s', expectedDuration: '3s' },
          },
        },
      ],
      nodes: { d1: { pool: 'd' }, d2: { pool: 'd' }, s1: { pool: 's' } },
      bootMs: 1_500,
    });
    const f = fleet;
    const a = am;
    // Alertmanager refuses the first two writes: the first node waits for its silence, uncordoned.
    a.store.failNext(2);
    f.startAgents();
    await f.until('every node rebooted and done', () => f.nodes.every((n) => f.rebootedAndDone(n)), 120_000);

    const byNode = (short: string) => {
      const name = f.node(short);
      const mine = [...a.store.silences.values()].filter((s) => s.matchers.some((m) => m.value === name));
      expect(mine, `${short}: one silence`).toHaveLength(1);
      const s = mine[0]!;
      return { name, s, writes: a.store.writes.filter((w) => w.id === s.id) };
    };
    const noteAt = (name: string, text: string) =>
      f.watcher.timeline.find((e) => e.node === name && e.text === text)?.atMs;

    for (const short of ['d1', 'd2']) {
      const { name, s, writes } = byNode(short);
      expect(s.matchers).toEqual([
        { name: 'instance', value: name, isRegex: false, isEqual: true },
        { name: 'reboot_policy', value: 'db', isRegex: false, isEqual: true },
      ]);
      expect(s.createdBy).toBe(`patchwindow agent on ${name}`);
      const cordonedMs = noteAt(name, 'cordoned')!;
      const downMs = noteAt(name, 'NotReady')!;
      const uncordonedMs = noteAt(name, 'uncordoned')!;
      expect(writes[0]!.kind, f.report()).toBe('created');
      expect(writes[0]!.atMs).toBeLessThan(cordonedMs);
      // Extended under the same id while it works, and again by the agent restarted after the reboot.
      expect(writes.filter((w) => w.kind === 'updated' && w.atMs < downMs).length).toBeGreaterThanOrEqual(2);
      expect(writes.some((w) => w.kind === 'updated' && w.atMs > downMs && w.atMs < uncordonedMs)).toBe(true);
      // Ended after the uncordon: the last write moves its end to the grace.
      const last = writes.at(-1)!;
      expect(last.atMs).toBeGreaterThanOrEqual(uncordonedMs);
      expect(last.endsAtMs - last.atMs).toBeLessThanOrEqual(2_000);
      expect(writes.every((w) => w.kind !== 'replaced')).toBe(true);
    }
    // Alertmanager refused the first writes: the nodes asking then said so and waited, uncordoned.
    const told = (short: string, reason: string) => f.logs(short).some((l) => l.event === reason);
    expect(f.nodes.some((n) => told(n, 'SilenceFailed'))).toBe(true);

    // The stuck one: never extended past 4s after its creation; told so.
    const slow = byNode('s1');
    expect(slow.writes[0]!.kind).toBe('created');
    expect(slow.writes[0]!.atMs).toBeLessThan(noteAt(slow.name, 'cordoned')!);
    for (const w of slow.writes) expect(w.endsAtMs).toBeLessThanOrEqual(slow.s.startsAtMs + 4_000);
    expect(slow.s.endsAtMs).toBe(slow.s.startsAtMs + 4_000);
    expect(told('s1', 'SilenceMaxDurationReached')).toBe(true);

    // Every silence is over once the grace has passed.
    await f.until(
      'every silence expired',
      () => [...a.store.silences.values()].every((s) => s.endsAtMs <= Date.now()),
      10_000,
    );
    expect(await f.watcher.settledViolations(), f.report()).toEqual([]);
    expect(await f.watcher.endStateProblems(), f.report()).toEqual([]);
    for (const n of f.nodes) expect(f.host(n).boots, n).toBe(1);
  });
});
