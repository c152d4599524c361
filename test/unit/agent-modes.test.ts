// The loop in its other situations: dry run, idle agents (what they cost), the supervisor's worker
// that returns once idle, windows and pauses, holds, Prometheus blockers, and notifications that fail.
import { describe, expect, it } from 'vitest';
import {
  HOLD_KEY,
  REBOOT_REQUIRED_LABEL,
  REBOOT_REQUIRED_SINCE_ANNOTATION,
  STATE_ANNOTATION,
} from '../../policy/keys.ts';
import { IDLE_SETTLE_LIMIT_MS } from '../../agent/loop.ts';
import type { WindowSpec } from '../../policy/model.ts';
import { count, DAY, HOUR, MINUTE, testConfig } from '../fakes/config.ts';
import { FakeFleet } from '../fakes/fleet.ts';
import { InvariantChecker } from '../fakes/invariants.ts';
import { allDone, run, scenario, START, tail, type Scenario } from '../fakes/scenario.ts';

/** Monday 06:00 UTC, after the night window. */
const MORNING = START + 6 * HOUR;

/** Every day 22:00 - 05:00 UTC. */
const NIGHTS: readonly WindowSpec[] = [
  {
    days: [1, 2, 3, 4, 5, 6, 7],
    start: { hour: 22, minute: 0 },
    end: { kind: 'time', time: { hour: 5, minute: 0 } },
    timeZone: 'UTC',
  },
];

function single(config = testConfig(), sentinel = true): Scenario {
  const fleet = new FakeFleet(MORNING);
  fleet.addNode('g1', config, { sentinel });
  const s = { fleet, checker: new InvariantChecker(fleet), configs: new Map([['general', config]]) };
  return s;
}

/** Port methods the agents (not the coordinator) called, as `port.method`. */
function recordCalls(s: Scenario): Set<string> {
  const called = new Set<string>();
  s.fleet.faults.plan = (c) => {
    if (c.agent !== 'coordinator') called.add(`${c.port}.${c.method}`);
    return undefined;
  };
  return called;
}

describe('dry run', () => {
  it('says what it would do once per window, and never cordons, evicts or reboots', async () => {
    const s = scenario({
      pools: [{ name: 'general', nodes: 2, budget: count(1) }],
      windows: NIGHTS,
      webPodsPerNode: 1,
      startMs: MORNING,
    });
    s.fleet.dryRun = true;
    const touched: string[] = [];
    s.fleet.cluster.onMutation((m) => {
      if (m.kind === 'pod' && m.change === 'evicted') touched.push(`evicted ${m.pod}`);
      if (
        m.kind === 'node' &&
        m.by !== 'admin' &&
        m.by !== 'kubelet' &&
        m.before?.unschedulable !== m.after?.unschedulable
      )
        touched.push(`cordon ${m.name}`);
      if (m.kind === 'node' && m.after?.annotations[STATE_ANNOTATION] !== undefined) touched.push(`state ${m.name}`);
    });
    s.fleet.startAll();
    await s.fleet.runUntil(() => false, MORNING + 2 * DAY);
    await s.fleet.stopAll();
    expect(touched).toEqual([]);
    expect(s.fleet.cluster.grants()).toEqual([]);
    expect(s.checker.violations).toEqual([]);
    for (const name of ['g1', 'g2']) {
      expect(s.fleet.machine(name).commandedAtMs).toEqual([]);
      const reports = s.fleet.cluster.eventsFor(name).filter((e) => e.reason === 'DryRun');
      // Two nights: Monday 22:00 and Tuesday 22:00.
      expect(reports).toHaveLength(2);
      expect(reports[0]!.message).toMatch(
        /^would cordon the node; would set label example\.com\/maintenance=reboot; would evict shop\/web-\d; would reboot \(command\)$/,
      );
      // Not even the reboot-required mark: a dry run writes nothing on the Node.
      expect(s.fleet.cluster.node(name)!.labels).not.toHaveProperty(REBOOT_REQUIRED_LABEL);
    }
    expect(s.fleet.notifier.sent).toEqual([]);
  });
});

describe('an idle agent', () => {
  it('makes no API call but watching its own Node while no reboot is needed', async () => {
    const s = single(testConfig(), false);
    const called = recordCalls(s);
    s.fleet.startAll();
    await s.fleet.runUntil(() => false, MORNING + 6 * HOUR);
    await s.fleet.stopAll();
    expect([...called].sort()).toEqual(['host.bootId', 'host.rebootRequired', 'nodes.watchOne']);
  });

  it('only marks its Node (once) while it needs a reboot outside its window', async () => {
    const s = single(testConfig({ windows: NIGHTS }));
    const called = recordCalls(s);
    const patches: string[] = [];
    s.fleet.cluster.onMutation((m) => {
      if (m.kind === 'node' && m.by === 'g1') patches.push(JSON.stringify(m.after?.labels[REBOOT_REQUIRED_LABEL]));
    });
    s.fleet.startAll();
    await s.fleet.runUntil(() => false, MORNING + 15 * HOUR);
    await s.fleet.stopAll();
    expect([...called].sort()).toEqual([
      'events.record',
      'host.bootId',
      'host.rebootRequired',
      'nodes.patchMetadata',
      'nodes.watchOne',
    ]);
    expect(patches).toEqual(['"true"']);
    expect(s.fleet.cluster.node('g1')!.annotations[REBOOT_REQUIRED_SINCE_ANNOTATION]).toBe(
      new Date(MORNING).toISOString(),
    );
  });

  it('reboots when its window opens, not before', async () => {
    const s = single(testConfig({ windows: NIGHTS }));
    s.fleet.startAll();
    expect(await run(s, () => allDone(s), DAY), tail(s)).toBe(true);
    expect(s.fleet.machine('g1').commandedAtMs).toEqual([START + 22 * HOUR]);
    expect(s.fleet.cluster.eventsFor('g1').map((e) => e.reason)).toContain('WaitingForWindow');
    expect(s.checker.violations).toEqual([]);
  });

  it('does nothing while its policy is paused', async () => {
    const s = single(testConfig({ pause: { kind: 'until', epochMs: MORNING + 3 * HOUR } }));
    s.fleet.startAll();
    expect(await run(s, () => allDone(s), DAY), tail(s)).toBe(true);
    expect(s.fleet.machine('g1').commandedAtMs).toEqual([MORNING + 3 * HOUR]);
    expect(s.fleet.cluster.eventsFor('g1').map((e) => e.reason)).toContain('RebootPaused');
  });
});

describe("an agent that returns once idle (the supervisor's worker)", () => {
  it('returns at once when nothing is to do, having only read its sentinel and its own Node', async () => {
    const s = single(testConfig(), false);
    s.fleet.exitWhenIdle = true;
    const called = recordCalls(s);
    s.fleet.startAll();
    await s.fleet.runUntil(() => s.fleet.idleAtMs.has('g1'), MORNING + HOUR);
    expect(s.fleet.idleAtMs.get('g1')).toEqual([MORNING]);
    expect([...called].sort()).toEqual(['host.bootId', 'host.rebootRequired', 'nodes.watchOne']);
  });

  it('takes back a stale reboot-required mark on its Node before it returns', async () => {
    const s = single(testConfig(), false);
    s.fleet.exitWhenIdle = true;
    s.fleet.cluster.patchMetadata('g1', { labels: { [REBOOT_REQUIRED_LABEL]: 'true' } });
    s.fleet.startAll();
    await s.fleet.runUntil(() => s.fleet.idleAtMs.has('g1'), MORNING + HOUR);
    expect(s.fleet.cluster.node('g1')!.labels[REBOOT_REQUIRED_LABEL]).toBeUndefined();
  });

  it('keeps running while the node needs a reboot outside its window, and while a reboot is under way', async () => {
    const s = single(testConfig({ windows: NIGHTS }));
    s.fleet.exitWhenIdle = true;
    s.fleet.startAll();
    expect(await run(s, () => allDone(s), DAY), tail(s)).toBe(true);
    // The agent that ran until the reboot never returned idle; the one started after it did, once done.
    expect(s.fleet.machine('g1').commandedAtMs).toEqual([START + 22 * HOUR]);
    await s.fleet.runUntil(() => s.fleet.idleAtMs.has('g1'), START + 2 * DAY);
    const [idleMs] = s.fleet.idleAtMs.get('g1')!;
    expect(idleMs).toBeGreaterThan(START + 22 * HOUR);
    expect(s.fleet.idleAtMs.get('g1')).toHaveLength(1);
    expect(s.fleet.cluster.node('g1')!.annotations[STATE_ANNOTATION]).toBeUndefined();
    expect(s.fleet.notifier.eventsFor('g1')).toEqual(['drain', 'reboot', 'done']);
    expect(s.fleet.cluster.eventsFor('g1').map((e) => e.reason)).toContain('RebootDone');
    expect(s.checker.violations).toEqual([]);
  });

  it('waits for its last notification before it returns, at most IDLE_SETTLE_LIMIT_MS for one that never returns', async () => {
    const idleAfterReboot = async (mode: 'ok' | 'hang'): Promise<number> => {
      const s = single();
      s.fleet.exitWhenIdle = true;
      s.fleet.notifier.mode = mode;
      s.fleet.startAll();
      await s.fleet.runUntil(() => s.fleet.idleAtMs.has('g1'), MORNING + DAY);
      expect(s.fleet.machine('g1').boots).toBe(1);
      return s.fleet.idleAtMs.get('g1')![0]!;
    };
    // A notification that never returns also holds the reboot command, up to reboot.notifyTimeout.
    const notifyTimeoutMs = testConfig().policy.reboot.notifyTimeoutMs;
    expect((await idleAfterReboot('hang')) - (await idleAfterReboot('ok'))).toBe(
      notifyTimeoutMs + IDLE_SETTLE_LIMIT_MS,
    );
  });

  it('in dry run, keeps running while it would reboot (its report lives in its memory)', async () => {
    const s = single(testConfig({ windows: NIGHTS }));
    s.fleet.exitWhenIdle = true;
    s.fleet.dryRun = true;
    s.fleet.startAll();
    await s.fleet.runUntil(() => false, MORNING + DAY);
    expect(s.fleet.isRunning('g1')).toBe(true);
    expect(s.fleet.idleAtMs.has('g1')).toBe(false);
    expect(s.fleet.cluster.eventsFor('g1').filter((e) => e.reason === 'DryRun')).toHaveLength(1);
    s.fleet.machine('g1').sentinel = false;
    await s.fleet.runUntil(() => s.fleet.idleAtMs.has('g1'), MORNING + 2 * DAY);
    expect(s.fleet.idleAtMs.get('g1')).toHaveLength(1);
  });
});

describe('holds and blockers in the loop', () => {
  it('waits while an admin holds the node, and goes when the hold is lifted', async () => {
    const s = single();
    s.fleet.cluster.patchMetadata('g1', { labels: { [HOLD_KEY]: 'investigating' } });
    s.fleet.startAll();
    await s.fleet.clock.advance(HOUR);
    expect(s.fleet.machine('g1').commandedAtMs).toEqual([]);
    expect(s.fleet.cluster.eventsFor('g1')).toContainEqual(
      expect.objectContaining({ reason: 'RebootHeld', message: expect.stringContaining('investigating') as unknown }),
    );
    expect(s.fleet.observed('g1', 'blocked').at(-1)).toEqual([
      [{ kind: 'hold', source: 'label', value: 'investigating' }],
    ]);
    s.fleet.cluster.patchMetadata('g1', { labels: { [HOLD_KEY]: null } });
    expect(await run(s, () => allDone(s), HOUR), tail(s)).toBe(true);
    // Lifting the hold is a change of the watched Node: the agent goes at once, not at its next poll
    // (the coordinator decides on the agent's request within its shortest gap between decisions).
    const [at] = s.fleet.machine('g1').commandedAtMs;
    expect(at! - (MORNING + HOUR)).toBeLessThanOrEqual(100);
  });

  it('blocks while Prometheus cannot be asked, and while a matching alert fires', async () => {
    const alerts = {
      prometheusUrl: 'http://prometheus:9090',
      filter: '^Watchdog$',
      filterMatchOnly: false,
      firingOnly: true,
      timeoutMs: 5_000,
    };
    const s = single(testConfig({ alerts }));
    s.fleet.alerts.down = true;
    s.fleet.startAll();
    await s.fleet.clock.advance(30 * MINUTE);
    expect(s.fleet.cluster.eventsFor('g1')).toContainEqual(
      expect.objectContaining({
        reason: 'RebootBlocked',
        message: expect.stringContaining('cannot be evaluated') as unknown,
      }),
    );
    s.fleet.alerts.down = false;
    s.fleet.alerts.alerts = [
      { name: 'Watchdog', state: 'firing' },
      { name: 'DiskFull', state: 'firing' },
    ];
    await s.fleet.clock.advance(30 * MINUTE);
    expect(s.fleet.cluster.eventsFor('g1')).toContainEqual(
      expect.objectContaining({ reason: 'RebootBlocked', message: 'alert DiskFull is firing' }),
    );
    s.fleet.alerts.alerts = [
      { name: 'Watchdog', state: 'firing' },
      { name: 'DiskFull', state: 'pending' },
    ];
    expect(await run(s, () => allDone(s), HOUR), tail(s)).toBe(true);
    expect(s.fleet.machine('g1').commandedAtMs[0]).toBeLessThanOrEqual(MORNING + HOUR + MINUTE);
    expect(s.checker.violations).toEqual([]);
  });
});

describe('notifications', () => {
  for (const mode of ['reject', 'hang'] as const) {
    it(`that ${mode === 'reject' ? 'fail' : 'never return'} do not hold up or break a reboot`, async () => {
      const s = scenario({ pools: [{ name: 'general', nodes: 2, budget: count(1) }], webPodsPerNode: 1 });
      s.fleet.notifier.mode = mode;
      s.fleet.startAll();
      expect(await run(s, () => allDone(s), HOUR), tail(s)).toBe(true);
      expect(s.fleet.notifier.eventsFor('g1')).toEqual(['drain', 'reboot', 'done']);
    });
  }
});

describe('robustness', () => {
  it('reports a corrupt record, discards it, and leaves the cordon it cannot vouch for', async () => {
    const s = single();
    s.fleet.cluster.setUnschedulable('g1', true);
    s.fleet.cluster.patchMetadata('g1', { annotations: { [STATE_ANNOTATION]: '{"version":1,"phase":"draining"' } });
    s.fleet.startAll();
    expect(await run(s, () => allDone(s), HOUR), tail(s)).toBe(true);
    expect(s.fleet.cluster.eventsFor('g1')).toContainEqual(
      expect.objectContaining({
        type: 'Warning',
        reason: 'StateDiscarded',
        message: expect.stringContaining('is not JSON') as unknown,
      }),
    );
    // It rebooted (the node still needed it), and the cordon it did not set stays.
    expect(s.fleet.machine('g1').boots).toBe(1);
    expect(s.fleet.cluster.node('g1')).toMatchObject({ unschedulable: true });
    expect(s.checker.violations).toEqual([]);
  });

  it('stops cleanly, leaving its record; the next agent continues from it', async () => {
    const s = single(testConfig({ drain: { timeoutMs: HOUR } }));
    const db = s.fleet.cluster.addPod({ namespace: 'db', name: 'primary-0', nodeName: 'g1' });
    s.fleet.cluster.blockEvictions(db, MORNING + 10 * MINUTE);
    s.fleet.startAll();
    await s.fleet.clock.advance(MINUTE);
    await s.fleet.stopAll();
    expect(s.fleet.isRunning('g1')).toBe(false);
    expect(s.fleet.cluster.node('g1')).toMatchObject({ unschedulable: true });
    expect(s.fleet.cluster.node('g1')!.annotations[STATE_ANNOTATION]).toContain('"phase":"draining"');
    await s.fleet.clock.advance(5 * MINUTE);
    s.fleet.start('g1');
    expect(await run(s, () => allDone(s), HOUR), tail(s)).toBe(true);
    expect(s.fleet.notifier.eventsFor('g1')).toEqual(['drain', 'reboot', 'done']);
    expect(s.checker.violations).toEqual([]);
  });

  it('is not stopped by an observer that throws', async () => {
    const s = single();
    s.fleet.observerThrows = true;
    s.fleet.startAll();
    expect(await run(s, () => allDone(s), HOUR), tail(s)).toBe(true);
    expect(s.fleet.observed('g1', 'rebootCommanded')).toHaveLength(1);
  });
});
