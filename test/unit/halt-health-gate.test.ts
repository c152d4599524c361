// spec.halt counts a health gate that fails right after a node returns, on a fake fleet with the real
// agent and coordinator loops: a Deployment made unavailable while the first node reboots and still
// unavailable `healthGrace` after that node returned halts the pool with a `health-gate` failure
// naming it; one that recovers within the grace, or a check that cannot be read, counts nothing.
import { describe, expect, it } from 'vitest';
import type { ObjectReader } from '../../kube/objects.ts';
import { decodeState } from '../../policy/state.ts';
import { STATE_ANNOTATION } from '../../policy/keys.ts';
import { count, HOUR, MINUTE, testConfig } from '../fakes/config.ts';
import { FakeFleet } from '../fakes/fleet.ts';
import { FakeHalts } from '../fakes/halts.ts';
import { InvariantChecker } from '../fakes/invariants.ts';
import { START } from '../fakes/scenario.ts';
import { healthCheck } from '../fixtures/health-check.ts';

type Health = 'healthy' | 'unavailable' | 'unreadable';

/** A fleet of two nodes whose policy gates on Deployment payments/api and halts after one failure. */
function gatedFleet() {
  const base = testConfig({ budget: count(1) });
  const config = {
    ...base,
    policy: {
      ...base.policy,
      halt: { afterFailures: 1, withinMs: 24 * HOUR, healthGraceMs: 5 * MINUTE },
      healthChecks: [healthCheck({ name: 'api', reason: 'api available' })],
    },
  };
  const health = { now: 'healthy' as Health, reads: 0 };
  const reader: ObjectReader = {
    read: () => {
      health.reads++;
      if (health.now === 'unreadable') return Promise.reject(new Error('the API server did not answer in time'));
      const available = health.now === 'healthy' ? 2 : 1;
      return Promise.resolve([
        {
          metadata: { name: 'api', namespace: 'payments' },
          spec: { replicas: 2 },
          status: { availableReplicas: available },
        },
      ]);
    },
  };
  const fleet = new FakeFleet(START);
  const halts = new FakeHalts();
  fleet.halts = halts;
  fleet.gates = { reader, metrics: { passing: () => undefined }, recheckMs: 10_000 };
  const checker = new InvariantChecker(fleet);
  for (const n of ['g1', 'g2']) fleet.addNode(n, config, { sentinel: true });
  const phase = (n: string) => {
    const r = decodeState(fleet.cluster.node(n)?.annotations[STATE_ANNOTATION]);
    return r.kind === 'ok' ? r.state.phase : null;
  };
  const rebooted = (n: string) => fleet.machine(n).commandedAtMs.length > 0;
  return { fleet, halts, health, checker, phase, rebooted };
}

describe('a health gate failing right after a node returns (spec.halt.healthGrace)', () => {
  it('halts the pool when the gate is still false healthGrace after the return, naming the returned node', async () => {
    const { fleet, halts, health, checker, phase, rebooted } = gatedFleet();
    fleet.startAll();
    expect(await fleet.runUntil(() => ['g1', 'g2'].some((n) => phase(n) === 'rebooting'), START + HOUR)).toBe(true);
    const first = ['g1', 'g2'].find((n) => phase(n) === 'rebooting')!;
    const second = first === 'g1' ? 'g2' : 'g1';
    health.now = 'unavailable';
    expect(await fleet.runUntil(() => phase(first) === null && rebooted(first), START + 2 * HOUR)).toBe(true);
    const returnedMs = fleet.clock.now();
    // Within the grace the gate only holds; after it, the failure counts and the pool halts.
    await fleet.clock.advance(4 * MINUTE);
    expect((await halts.readNoted()).get('general') ?? []).toEqual([]);
    await fleet.clock.advance(2 * MINUTE);
    const noted = (await halts.readNoted()).get('general') ?? [];
    expect(noted).toMatchObject([{ node: first, kind: 'health-gate' }]);
    expect(noted[0]!.reason).toMatch(
      /^health check "api available" still false 5m after the node returned at .*: Deployment payments\/api: the expression is false$/,
    );
    expect(Math.abs(noted[0]!.returnedMs - returnedMs)).toBeLessThan(MINUTE);
    const record = (await halts.read()).get('general');
    expect(record).toMatchObject({ state: 'halted', failures: [{ node: first, kind: 'health-gate' }] });
    expect(fleet.cluster.eventsFor(first)).toContainEqual(expect.objectContaining({ reason: 'PoolHalted' }));

    // A coordinator restart within the return's judging time, the gate still false: not counted again.
    await fleet.stopCoordinator();
    fleet.startCoordinator();
    await fleet.clock.advance(MINUTE);
    expect((await halts.readNoted()).get('general')).toHaveLength(1);
    // Halted: the gate recovering does not let the second node go; the failure is not counted twice.
    health.now = 'healthy';
    await fleet.clock.advance(HOUR);
    expect(phase(second)).toBe('acquiring');
    expect(rebooted(second)).toBe(false);
    expect((await halts.readNoted()).get('general')).toHaveLength(1);
    await fleet.stopAll();
    expect(checker.violations).toEqual([]);
  });

  it('counts nothing when the gate recovers within the grace, and the next node goes', async () => {
    const { fleet, halts, health, checker, phase, rebooted } = gatedFleet();
    fleet.startAll();
    expect(await fleet.runUntil(() => ['g1', 'g2'].some((n) => phase(n) === 'rebooting'), START + HOUR)).toBe(true);
    const first = ['g1', 'g2'].find((n) => phase(n) === 'rebooting')!;
    const second = first === 'g1' ? 'g2' : 'g1';
    health.now = 'unavailable';
    expect(await fleet.runUntil(() => phase(first) === null && rebooted(first), START + 2 * HOUR)).toBe(true);
    await fleet.clock.advance(3 * MINUTE);
    health.now = 'healthy';
    expect(await fleet.runUntil(() => rebooted(second) && phase(second) === null, fleet.clock.now() + HOUR)).toBe(true);
    await fleet.clock.advance(10 * MINUTE);
    expect(await halts.readNoted()).toEqual(new Map());
    expect((await halts.read()).get('general')).toBeUndefined();
    await fleet.stopAll();
    expect(checker.violations).toEqual([]);
  });

  it('counts nothing for a gate it cannot read after the return (it only holds the pool)', async () => {
    const { fleet, halts, health, checker, phase, rebooted } = gatedFleet();
    fleet.startAll();
    expect(await fleet.runUntil(() => ['g1', 'g2'].some((n) => phase(n) === 'rebooting'), START + HOUR)).toBe(true);
    const first = ['g1', 'g2'].find((n) => phase(n) === 'rebooting')!;
    const second = first === 'g1' ? 'g2' : 'g1';
    health.now = 'unreadable';
    expect(await fleet.runUntil(() => phase(first) === null && rebooted(first), START + 2 * HOUR)).toBe(true);
    const reads = health.reads;
    await fleet.clock.advance(30 * MINUTE);
    expect(health.reads).toBeGreaterThan(reads);
    expect(await halts.readNoted()).toEqual(new Map());
    expect((await halts.read()).get('general')).toBeUndefined();
    expect(rebooted(second)).toBe(false);
    await fleet.stopAll();
    expect(checker.violations).toEqual([]);
  });
});
