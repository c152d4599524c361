import { describe, expect, it } from 'vitest';
import { testConfig, MINUTE } from '../test/fakes/config.ts';
import { FakeFleet } from '../test/fakes/fleet.ts';
import { clusterPorts, type Session } from '../test/fakes/session.ts';
import { START } from '../test/fakes/scenario.ts';
import { createAgentMetrics } from './adapters/metrics.ts';
import { runAgent } from './loop.ts';
import { NO_OBSERVER } from './observer.ts';
import type { Host } from './ports.ts';
import { LIVENESS_GRACE_MS, loopLiveness, processObserver } from './telemetry.ts';

/** One agent on a fake fleet with its coordinator, its liveness fed by the loop's progress reports. */
function agentWithLiveness(host?: (real: Host) => Host) {
  const fleet = new FakeFleet(START);
  const config = testConfig({ drain: { timeoutMs: 10 * MINUTE } });
  const machine = fleet.addNode('g1', config, { sentinel: true, rebootWorks: false });
  // The coordinator grants its reboot.
  fleet.startCoordinator();
  const controller = new AbortController();
  const session: Session = { agent: 'g1', signal: controller.signal, crash: () => controller.abort() };
  const realHost = machine.host(session, fleet.faults);
  const liveness = loopLiveness(() => fleet.clock.now());
  const done = runAgent({
    config,
    nodeName: 'g1',
    ports: {
      ...clusterPorts(fleet.cluster, session, fleet.faults),
      host: host ? host(realHost) : realHost,
      alerts: null,
      notifier: fleet.notifier.for('g1'),
    },
    clock: fleet.clock,
    observer: { ...NO_OBSERVER, progress: (nextByMs) => liveness.progressed(nextByMs) },
    signal: controller.signal,
  });
  /** Stops the agent; `wait`: until runAgent returned (a loop stuck in a hung call never does). */
  const stop = async (wait = true) => {
    controller.abort();
    await fleet.stopCoordinator();
    await fleet.clock.settle();
    if (wait) await done;
  };
  return { fleet, liveness, stop };
}

describe('liveness of the decision loop', () => {
  it('is healthy until the grace period after the decision the loop announced', () => {
    let nowMs = 0;
    const liveness = loopLiveness(() => nowMs, 1_000);
    nowMs = 1_000;
    expect(liveness.healthy()).toBe(true);
    nowMs = 1_001;
    expect(liveness.healthy()).toBe(false);
    liveness.progressed(60_000);
    nowMs = 61_000;
    expect(liveness.healthy()).toBe(true);
    nowMs = 61_001;
    expect(liveness.healthy()).toBe(false);
  });

  it('stays healthy through waits, a drain, and a reboot that never comes back', async () => {
    const { fleet, liveness, stop } = agentWithLiveness();
    const unhealthyAt: number[] = [];
    // The reboot does nothing (rebootWorks: false): the agent waits 2 x expectedDuration, fails the attempt, then waits.
    for (let t = START; t <= START + 2 * 3_600_000; t += 5_000) {
      await fleet.clock.advanceTo(t);
      if (!liveness.healthy()) unhealthyAt.push(t);
    }
    expect(fleet.machine('g1').commandedAtMs.length).toBeGreaterThan(0);
    expect(fleet.cluster.eventsFor('g1').map((e) => e.reason)).toContain('RebootFailed');
    expect(unhealthyAt).toEqual([]);
    await stop();
  });

  it('fails once a port call hangs for longer than the grace period', async () => {
    let hang = false;
    const { fleet, liveness, stop } = agentWithLiveness((real) => ({
      ...real,
      rebootRequired: () => (hang ? new Promise<boolean>(() => undefined) : real.rebootRequired()),
    }));
    await fleet.clock.advanceTo(START + 10 * MINUTE);
    expect(liveness.healthy()).toBe(true);
    hang = true;
    const hungAt = START + 10 * MINUTE + testConfig().agent.checkIntervalMs;
    await fleet.clock.advanceTo(hungAt + LIVENESS_GRACE_MS - 1_000);
    expect(liveness.healthy()).toBe(true);
    await fleet.clock.advanceTo(hungAt + LIVENESS_GRACE_MS + 1_000);
    expect(liveness.healthy()).toBe(false);
    await stop(false);
  });
});

describe('the observer of an agent process', () => {
  it('puts what the loop reports on the metrics', () => {
    const metrics = createAgentMetrics({ node: 'g1', policy: 'general', processMetrics: false });
    const observer = processObserver(
      metrics,
      loopLiveness(() => 0),
    );
    observer.rebootRequired(true);
    observer.phase('draining');
    observer.blocked([{ kind: 'alert', alert: 'Watchdog', state: 'firing' }]);
    observer.rebooted(1_000);
    observer.failed('drain');
    observer.drained(false, 30_000);
    const text = metrics.exposition();
    expect(text).toContain('patchwindow_reboot_required{node="g1",policy="general"} 1');
    expect(text).toContain('patchwindow_phase{node="g1",policy="general",phase="draining"} 1');
    expect(text).toContain('patchwindow_blocked{node="g1",policy="general",reason="alert"} 1');
    // Reboots, failures and drains are counted by the coordinator, not by a process that restarts with its node.
    expect(text).not.toMatch(/patchwindow_(reboots_total|failures_total|drain_duration_seconds)/);
  });
});
