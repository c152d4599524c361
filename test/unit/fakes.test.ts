// The fakes themselves: the fake clock, a machine's reboot, and evictions under a disruption
// budget (the parts the contract suites cannot pin down against a real API server).
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../fakes/clock.ts';
import { FakeCluster } from '../fakes/cluster.ts';
import { testConfig } from '../fakes/config.ts';
import { FakeFleet } from '../fakes/fleet.ts';

describe('FakeClock', () => {
  it('wakes sleepers in time order when advanced, and only then', async () => {
    const clock = new FakeClock(1_000);
    const woke: string[] = [];
    void clock.sleep(300).then(() => woke.push(`b@${clock.now()}`));
    void clock.sleep(100).then(() => woke.push(`a@${clock.now()}`));
    await clock.advance(99);
    expect(woke).toEqual([]);
    await clock.advance(500);
    expect(woke).toEqual(['a@1100', 'b@1300']);
    expect(clock.now()).toBe(1_599);
  });

  it('wakes a sleeper at once when its signal aborts', async () => {
    const clock = new FakeClock(0);
    const controller = new AbortController();
    let woke = false;
    void clock.sleep(60_000, controller.signal).then(() => (woke = true));
    controller.abort();
    await clock.settle();
    expect([woke, clock.now(), clock.pending]).toEqual([true, 0, 0]);
  });

  it('runs until a condition holds, and reports a deadlock when nothing can happen', async () => {
    const clock = new FakeClock(0);
    let n = 0;
    const tick = async (): Promise<void> => {
      for (;;) {
        await clock.sleep(10);
        n++;
      }
    };
    void tick();
    expect(await clock.runUntil(() => n === 5, 1_000)).toBe(true);
    expect(clock.now()).toBe(50);
    expect(await clock.runUntil(() => n === 1_000, 100)).toBe(false);
    await expect(new FakeClock(0).runUntil(() => false, 10)).rejects.toThrow('nothing is sleeping');
  });
});

describe('FakeMachine', () => {
  it('reboots like a host: down, NotReady, back with a new boot id, sentinel gone, agent restarted', async () => {
    const fleet = new FakeFleet(0);
    const machine = fleet.addNode('n1', testConfig(), { sentinel: true, downAfterMs: 1_000, bootMs: 60_000 });
    let booted = 0;
    machine.hooks = { shutdown: () => {}, boot: () => booted++ };
    const host = machine.host({ agent: 'n1', signal: new AbortController().signal, crash() {} }, fleet.faults);
    expect([await host.bootId(), await host.rebootRequired()]).toEqual(['n1-boot-0', true]);
    await host.reboot();
    await fleet.clock.advance(1_000);
    expect([machine.down, fleet.cluster.node('n1')!.ready]).toEqual([true, false]);
    await fleet.clock.advance(60_000);
    expect([
      machine.down,
      fleet.cluster.node('n1')!.ready,
      await host.bootId(),
      await host.rebootRequired(),
      booted,
    ]).toEqual([false, true, 'n1-boot-1', false, 1]);
  });
});

describe('FakeCluster evictions under a PodDisruptionBudget', () => {
  it('refuse an eviction that would leave fewer healthy pods than minAvailable', () => {
    const cluster = new FakeCluster(new FakeClock(0));
    cluster.addNode({ name: 'n1' });
    const pods = [1, 2, 3].map((i) =>
      cluster.addPod({ namespace: 'shop', name: `web-${i}`, nodeName: 'n1', labels: { app: 'web' } }),
    );
    cluster.addPdb({ namespace: 'shop', selector: { matchLabels: { app: 'web' } }, minAvailable: 2 });
    expect(cluster.evict(pods[0]!, 0)).toBe('evicted');
    expect(cluster.evict(pods[1]!, 0)).toBe('blocked');
    expect(cluster.evict(pods[0]!, 0)).toBe('gone');
  });
});
