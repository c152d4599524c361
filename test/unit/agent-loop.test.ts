// Several agents on one FakeCluster with a fake clock: the whole loop, end to end, with the
// invariants checked after every mutation (test/fakes/invariants.ts).
import { describe, expect, it } from 'vitest';
import { CORDONED_BY_ANNOTATION, REBOOT_REQUIRED_LABEL, STATE_ANNOTATION } from '../../policy/keys.ts';
import { decodeState } from '../../policy/state.ts';
import { count, HOUR, MINUTE, testConfig } from '../fakes/config.ts';
import { FakeFleet } from '../fakes/fleet.ts';
import { InvariantChecker } from '../fakes/invariants.ts';
import { allDone, POST, run, scenario, START, tail } from '../fakes/scenario.ts';

describe('a fleet of two pools (budgets 1 and 2), every node needing a reboot', () => {
  it('reboots each node exactly once, never over budget, and leaves every node uncordoned with no grant held', async () => {
    const s = scenario({ fleetBudget: count(3) });
    s.fleet.startAll();
    const ok = await run(s, () => allDone(s), 6 * HOUR);
    expect(s.checker.violations, tail(s)).toEqual([]);
    expect(ok, tail(s)).toBe(true);
    for (const m of s.fleet.machines.values()) expect(m.commandedAtMs, m.name).toHaveLength(1);
    // The budgets were used, not just respected: one general node and two batch nodes at a time.
    expect(s.checker.peak.get('general')).toBe(1);
    expect(s.checker.peak.get('batch')).toBe(2);
    expect(s.checker.peak.get('fleet')).toBeLessThanOrEqual(3);
    for (const node of s.fleet.cluster.nodes()) {
      expect(node.labels).toMatchObject(POST);
      expect(node.labels).not.toHaveProperty('example.com/maintenance');
      expect(node.labels).not.toHaveProperty(REBOOT_REQUIRED_LABEL);
      expect(s.fleet.notifier.eventsFor(node.name)).toEqual(['drain', 'reboot', 'done']);
      // What the metrics adapter hears: one good drain, one reboot, back after the boot.
      expect(s.fleet.observed(node.name, 'drained')).toEqual([[true, expect.any(Number)]]);
      expect(s.fleet.observed(node.name, 'rebootCommanded')).toHaveLength(1);
      expect(s.fleet.observed(node.name, 'rebooted')).toEqual([[185_000]]);
      expect(s.fleet.observed(node.name, 'phase').at(-1)).toEqual([null]);
    }
    // No pod was lost: the web pods were evicted and came back elsewhere.
    expect(s.fleet.cluster.pods().filter((p) => p.labels.app === 'web')).toHaveLength(18);
  });

  it('hands a freed grant to a waiting node within seconds (watch, not polling)', async () => {
    const s = scenario({ pools: [{ name: 'general', nodes: 3, budget: count(1) }], webPodsPerNode: 0 });
    const handoffs: number[] = [];
    let releasedAt: number | undefined;
    s.fleet.cluster.onMutation((m) => {
      if (m.kind !== 'grant') return;
      if (m.after === undefined) releasedAt = s.fleet.clock.now();
      else if (m.before === undefined && releasedAt !== undefined) handoffs.push(s.fleet.clock.now() - releasedAt);
    });
    s.fleet.startAll();
    expect(await run(s, () => allDone(s), 2 * HOUR), tail(s)).toBe(true);
    expect(handoffs).toHaveLength(2);
    for (const ms of handoffs) expect(ms).toBeLessThan(5_000);
  });

  it('keeps a blocked node waiting until the blocker clears, telling why', async () => {
    const config = testConfig({
      podBlockers: [{ namespaceSelector: null, selector: { matchLabels: { app: 'training' } } }],
    });
    const fleet = new FakeFleet(START);
    const checker = new InvariantChecker(fleet);
    fleet.addNode('g1', config, { sentinel: true });
    fleet.addNode('g2', config, { sentinel: true });
    const job = fleet.cluster.addPod({
      namespace: 'ml',
      name: 'training-0',
      nodeName: 'g1',
      labels: { app: 'training' },
      controllerKind: 'Job',
    });
    fleet.startAll();
    await fleet.runUntil(() => fleet.machine('g2').boots === 1, START + HOUR);
    await fleet.clock.advance(HOUR);
    expect(fleet.machine('g1').boots).toBe(0);
    expect(fleet.cluster.eventsFor('g1')).toContainEqual(
      expect.objectContaining({
        reason: 'RebootBlocked',
        message: expect.stringContaining('ml/training-0') as unknown,
      }),
    );
    fleet.cluster.evict(job, 0);
    const s = { fleet, checker, configs: new Map() };
    expect(await run(s, () => allDone(s), HOUR), tail(s)).toBe(true);
    expect(checker.violations).toEqual([]);
  });

  it('reboots a node an admin cordoned but leaves it cordoned', async () => {
    const fleet = new FakeFleet(START);
    const config = testConfig({ budget: count(2), postReboot: POST });
    fleet.addNode('g1', config, { sentinel: true, unschedulable: true });
    fleet.addNode('g2', config, { sentinel: true });
    const checker = new InvariantChecker(fleet);
    const s = { fleet, checker, configs: new Map() };
    fleet.startAll();
    expect(await run(s, () => allDone(s), 2 * HOUR), tail(s)).toBe(true);
    expect(checker.violations).toEqual([]);
    expect(fleet.cluster.node('g1')).toMatchObject({ unschedulable: true, labels: POST });
    expect(fleet.cluster.eventsFor('g1').map((e) => e.reason)).toContain('AlreadyCordoned');
  });
});

describe('when the drain fails (a PodDisruptionBudget never allows the eviction)', () => {
  const stuck = (onFailure: 'uncordon' | 'stayCordoned' | 'reboot') => {
    const fleet = new FakeFleet(START);
    const config = testConfig({
      drain: { timeoutMs: 5 * MINUTE, onFailure },
      reboot: { loopBackoffMs: 2 * HOUR },
      preReboot: { 'example.com/maintenance': 'reboot' },
    });
    fleet.addNode('g1', config, { sentinel: true });
    const pod = fleet.cluster.addPod({
      namespace: 'db',
      name: 'primary-0',
      nodeName: 'g1',
      controllerKind: 'StatefulSet',
    });
    fleet.cluster.blockEvictions(pod);
    const checker = new InvariantChecker(fleet);
    fleet.startAll();
    return { fleet, checker, configs: new Map(), pod };
  };
  const stateOf = (fleet: FakeFleet) => decodeState(fleet.cluster.node('g1')!.annotations[STATE_ANNOTATION]);

  it('onFailure uncordon: uncordons, gives its grant back, reports, and tries again in a later window', async () => {
    const s = stuck('uncordon');
    await s.fleet.runUntil(
      () =>
        stateOf(s.fleet).kind === 'ok' && (stateOf(s.fleet) as { state: { phase: string } }).state.phase === 'failed',
      START + HOUR,
    );
    expect(s.fleet.cluster.node('g1')).toMatchObject({ unschedulable: false });
    expect(s.fleet.cluster.node('g1')!.labels).not.toHaveProperty('example.com/maintenance');
    expect(s.fleet.cluster.grants()).toEqual([]);
    expect(s.fleet.notifier.eventsFor('g1')).toEqual(['drain', 'failed']);
    expect(s.fleet.cluster.eventsFor('g1')).toContainEqual(
      expect.objectContaining({
        type: 'Warning',
        reason: 'DrainFailed',
        message: expect.stringContaining('db/primary-0 (eviction refused by a PodDisruptionBudget)') as unknown,
      }),
    );
    // The second attempt comes after the back-off (the window never closes), and works once the PDB allows it.
    const failedAt = s.fleet.clock.now();
    s.fleet.cluster.blockEvictions(s.pod, failedAt + HOUR);
    expect(await run(s, () => allDone(s), 4 * HOUR), tail(s)).toBe(true);
    expect(s.fleet.machine('g1').commandedAtMs[0]).toBeGreaterThanOrEqual(failedAt + 2 * HOUR);
    expect(s.checker.violations).toEqual([]);
  });

  it('onFailure stayCordoned: gives its grant back, keeps the node cordoned and warns', async () => {
    const s = stuck('stayCordoned');
    await s.fleet.runUntil(
      () => s.fleet.cluster.eventsFor('g1').some((e) => e.reason === 'LeftCordoned'),
      START + HOUR,
    );
    await s.fleet.clock.advance(MINUTE);
    expect(s.fleet.cluster.node('g1')).toMatchObject({ unschedulable: true });
    expect(s.fleet.cluster.grants()).toEqual([]);
    expect(stateOf(s.fleet)).toMatchObject({ kind: 'ok', state: { phase: 'failed', cordoned: false } });
    expect(s.fleet.machine('g1').commandedAtMs).toEqual([]);
    await s.fleet.stopAll();
  });

  it('onFailure reboot: reboots anyway and recovers', async () => {
    const s = stuck('reboot');
    expect(await run(s, () => allDone(s), HOUR), tail(s)).toBe(true);
    expect(s.fleet.cluster.eventsFor('g1')).toContainEqual(
      expect.objectContaining({ type: 'Warning', reason: 'DrainFailed' }),
    );
    expect(s.fleet.notifier.eventsFor('g1')).toEqual(['drain', 'reboot', 'done']);
  });
});

describe('after the reboot', () => {
  it('reports a reboot that never happens, and undoes the attempt', async () => {
    const fleet = new FakeFleet(START);
    fleet.addNode('g1', testConfig({ reboot: { expectedDurationMs: 10 * MINUTE } }), {
      sentinel: true,
      rebootWorks: false,
    });
    const checker = new InvariantChecker(fleet);
    fleet.startAll();
    await fleet.runUntil(() => fleet.cluster.eventsFor('g1').some((e) => e.reason === 'RebootFailed'), START + HOUR);
    const commanded = fleet.machine('g1').commandedAtMs;
    expect(fleet.clock.now() - commanded[0]!).toBe(20 * MINUTE);
    await fleet.clock.advance(MINUTE);
    expect(fleet.cluster.node('g1')).toMatchObject({ unschedulable: false });
    expect(fleet.cluster.grants()).toEqual([]);
    expect(fleet.notifier.eventsFor('g1')).toEqual(['drain', 'reboot', 'failed']);
    expect(checker.violations).toEqual([]);
    await fleet.stopAll();
  });

  it('does not reboot again at once when the sentinel survives the reboot (loop guard)', async () => {
    const fleet = new FakeFleet(START);
    const loopBackoffMs = 3 * HOUR;
    fleet.addNode('g1', testConfig({ reboot: { loopBackoffMs } }), { sentinel: true, sentinelSurvivesReboot: true });
    fleet.startAll();
    await fleet.runUntil(
      () => fleet.machine('g1').boots === 1 && fleet.cluster.node('g1')!.annotations[STATE_ANNOTATION] === undefined,
      START + HOUR,
    );
    expect(fleet.cluster.eventsFor('g1')).toContainEqual(
      expect.objectContaining({ type: 'Warning', reason: 'RebootLoop' }),
    );
    const doneAt = fleet.clock.now();
    await fleet.clock.advanceTo(doneAt + loopBackoffMs - MINUTE);
    expect(fleet.machine('g1').commandedAtMs).toHaveLength(1);
    await fleet.runUntil(() => fleet.machine('g1').commandedAtMs.length === 2, doneAt + loopBackoffMs + HOUR);
    expect(fleet.machine('g1').commandedAtMs[1]).toBeGreaterThanOrEqual(doneAt + loopBackoffMs);
    // The loop flag for the metric: raised with the guard, lowered when the guard lets go.
    expect(fleet.observed('g1', 'rebootLoop')).toEqual([[true], [false]]);
    await fleet.stopAll();
  });
});

describe('nodes unavailable for other reasons', () => {
  it('count against the budget: with budget 2 and one node NotReady, one reboot at a time', async () => {
    const s = scenario({ pools: [{ name: 'general', nodes: 4, budget: count(2) }], webPodsPerNode: 0 });
    s.fleet.machine('g4').sentinel = false;
    s.fleet.cluster.setReady('g4', false);
    s.fleet.startAll();
    const rebooted = () =>
      ['g1', 'g2', 'g3'].every((n) => s.fleet.machine(n).boots === 1) && s.checker.endStateProblems().length === 0;
    expect(await run(s, rebooted, 2 * HOUR), tail(s)).toBe(true);
    expect(s.checker.violations).toEqual([]);
    expect(s.checker.peak.get('general')).toBe(2);
  });
});

describe('grants left behind', () => {
  it('the grant of a deleted node is freed at once; a grant its agent stopped renewing is kept, and its pool waits', async () => {
    const s = scenario({ pools: [{ name: 'general', nodes: 2, budget: count(1) }], webPodsPerNode: 0 });
    const ttl = s.configs.get('general')!.agent.slotTtlMs;
    s.fleet.cluster.give({ node: 'deleted-node', nodeUid: 'uid-gone', policy: 'general', ttlMs: ttl }, START);
    // g9 of the same policy holds a grant its agent stopped renewing (frozen): it may still act.
    s.fleet.cluster.addNode({ name: 'g9', labels: { pool: 'general' } });
    s.fleet.cluster.give(
      { node: 'g9', nodeUid: s.fleet.cluster.node('g9')!.uid, policy: 'general', ttlMs: ttl },
      START - ttl,
    );
    s.fleet.startAll();
    await s.fleet.clock.advance(2 * HOUR);
    expect(s.fleet.cluster.grant('deleted-node')).toBeUndefined();
    expect(s.fleet.cluster.grant('g9')).toBeDefined();
    expect(s.fleet.machine('g1').boots + s.fleet.machine('g2').boots).toBe(0);
    expect(s.fleet.cluster.eventsFor('g9')).toContainEqual(
      expect.objectContaining({ type: 'Warning', reason: 'GrantHolderStalled' }),
    );
    expect(s.fleet.cluster.eventsFor('g1')).toContainEqual(
      expect.objectContaining({
        type: 'Warning',
        reason: 'PoolHeldByStalledGrant',
        message: expect.stringContaining('g9') as unknown,
      }),
    );
    // An operator frees it (deletes the Lease): the pool goes on.
    s.fleet.cluster.release(s.fleet.cluster.grant('g9')!, 'admin');
    s.fleet.cluster.deleteNode('g9');
    expect(await run(s, () => allDone(s), 2 * HOUR), tail(s)).toBe(true);
    expect(s.checker.violations).toEqual([]);
  });

  it('a node already unavailable (an admin cordon) is granted without taking budget from the others', async () => {
    const s = scenario({ pools: [{ name: 'general', nodes: 3, budget: count(1) }], webPodsPerNode: 0 });
    s.fleet.cluster.setUnschedulable('g1', true);
    s.fleet.cluster.setUnschedulable('g2', true);
    const checker = new InvariantChecker(s.fleet);
    s.fleet.startAll();
    // g1 and g2 reboot (they were down anyway); g3 waits while the admin's cordons fill the budget.
    await s.fleet.runUntil(() => s.fleet.machine('g1').boots === 1 && s.fleet.machine('g2').boots === 1, START + HOUR);
    expect(s.fleet.machine('g3').boots).toBe(0);
    expect(s.fleet.cluster.node('g1')).toMatchObject({ unschedulable: true });
    expect(s.fleet.cluster.eventsFor('g3')).toContainEqual(
      expect.objectContaining({
        type: 'Warning',
        reason: 'PoolHeldByUnavailableNodes',
        message: expect.stringContaining('g1, g2') as unknown,
      }),
    );
    s.fleet.cluster.setUnschedulable('g1', false);
    s.fleet.cluster.setUnschedulable('g2', false);
    expect(
      await run(s, () => s.fleet.machine('g3').boots === 1 && s.fleet.cluster.grants().length === 0, HOUR),
      tail(s),
    ).toBe(true);
    expect(checker.violations).toEqual([]);
  });
});

describe('a grant that took no budget (its node was cordoned by someone else)', () => {
  it('is given back, not acted on, once the node is uncordoned before its agent starts; the node asks again', async () => {
    const s = scenario({ pools: [{ name: 'general', nodes: 2, budget: count(1) }], webPodsPerNode: 0 });
    const ttl = s.configs.get('general')!.agent.slotTtlMs;
    const phase = () => {
      const read = decodeState(s.fleet.cluster.node('g1')!.annotations[STATE_ANNOTATION]);
      return read.kind === 'ok' ? read.state.phase : null;
    };
    const cordons: string[] = [];
    s.fleet.cluster.onMutation((m) => {
      if (m.kind === 'node' && m.by === 'g1' && !m.before?.unschedulable && m.after?.unschedulable === true)
        cordons.push(m.after.annotations[CORDONED_BY_ANNOTATION] ?? '');
    });
    // Agents only: g1 asks; then a grant given while an admin had g1 cordoned meets an uncordoned node.
    s.fleet.start('g1');
    const until = (done: () => boolean) => s.fleet.runUntil(done, s.fleet.clock.now() + HOUR);
    expect(await until(() => phase() === 'acquiring'), tail(s)).toBe(true);
    s.fleet.cluster.give(
      { node: 'g1', nodeUid: s.fleet.cluster.node('g1')!.uid, policy: 'general', ttlMs: ttl, takesNoBudget: true },
      s.fleet.clock.now(),
    );
    const epoch = s.fleet.cluster.grant('g1')!.epoch;
    expect(s.fleet.cluster.grant('g1')).toMatchObject({ takesNoBudget: true });
    expect(await until(() => s.fleet.cluster.grant('g1') === undefined && phase() === 'acquiring'), tail(s)).toBe(true);
    expect(cordons).toEqual([]);
    expect(s.fleet.cluster.eventsFor('g1')).toContainEqual(
      expect.objectContaining({
        type: 'Warning',
        reason: 'GrantLost',
        message: expect.stringContaining(`the grant ${epoch} took no budget`) as unknown,
      }),
    );
    // The coordinator grants it within the budget, and it reboots under that grant.
    s.fleet.startCoordinator();
    s.fleet.start('g2');
    expect(await run(s, () => allDone(s), 2 * HOUR), tail(s)).toBe(true);
    expect(cordons).toHaveLength(1);
    expect(cordons[0]).not.toBe(epoch);
    expect(s.checker.violations).toEqual([]);
  });
});

describe('a drain longer than the grant TTL', () => {
  it('keeps its grant: renewed every TTL/3, never given to another node meanwhile', async () => {
    const s = scenario({
      pools: [{ name: 'general', nodes: 2, budget: count(1) }],
      webPodsPerNode: 0,
      drain: { timeoutMs: HOUR },
    });
    const db = s.fleet.cluster.addPod({ namespace: 'db', name: 'primary-0', nodeName: 'g1' });
    s.fleet.cluster.blockEvictions(db, START + 40 * MINUTE);
    const renewals: number[] = [];
    const holders: string[] = [];
    s.fleet.cluster.onMutation((m) => {
      if (m.kind !== 'grant' || m.after === undefined) return;
      if (m.before === undefined) holders.push(m.after.node);
      else renewals.push((s.fleet.clock.now() - START) / MINUTE);
    });
    s.fleet.startAll();
    expect(await run(s, () => allDone(s), 3 * HOUR), tail(s)).toBe(true);
    expect(renewals.filter((m) => m < 40)).toEqual([5, 10, 15, 20, 25, 30, 35]);
    expect(holders).toEqual(['g1', 'g2']);
    expect(s.checker.violations).toEqual([]);
  });
});
