// The coordinator's grant loop on the fake cluster: how often it decides. Every change of a Node
// or a grant wakes it; changes that arrive within its gap between decisions are decided on
// together, a change after a quiet spell is decided on at once, and a grant's change (the hand-off)
// waits only 10 ms, or twice the CPU the last decision took.
import { describe, expect, it } from 'vitest';
import { count, testConfig } from '../fakes/config.ts';
import { FakeFleet } from '../fakes/fleet.ts';
import { START } from '../fakes/scenario.ts';
import { decisionGap, urgentGap } from '../../coordinator/pace.ts';
import { STATE_ANNOTATION } from '../../policy/keys.ts';
import { encodeState } from '../../policy/state.ts';

/** Five nodes and a coordinator whose every decision costs 15 ms of CPU (the clock is read before
 * and after it): Node changes are decided on 750 ms apart. Started, after a quiet second. */
async function costlyDecisions(): Promise<{ fleet: FakeFleet; config: ReturnType<typeof testConfig> }> {
  const fleet = new FakeFleet(START);
  const config = testConfig();
  for (let i = 0; i < 5; i++) fleet.addNode(`g${i}`, config);
  let cpu = 0;
  let reads = 0;
  fleet.coordinatorCpuMs = () => (cpu += ++reads % 2 === 0 ? 15 : 0);
  fleet.startCoordinator();
  await fleet.clock.advance(1_000);
  return { fleet, config };
}

describe('the grant loop', () => {
  it('decides once on changes that arrive together, and at once on a change after a quiet spell', async () => {
    const fleet = new FakeFleet(START);
    const config = testConfig();
    for (let i = 0; i < 20; i++) fleet.addNode(`g${i}`, config);
    fleet.startCoordinator();
    await fleet.clock.advance(1_000);
    expect(fleet.decisionsAtMs).toEqual([START]);

    // 20 changes, one every 5 ms: at most one decision per 100 ms, not one per change.
    const burst = fleet.clock.now();
    for (let i = 0; i < 20; i++) {
      fleet.cluster.patchMetadata(`g${i}`, { annotations: { 'example.com/seen': String(i) } });
      await fleet.clock.advance(5);
    }
    await fleet.clock.advance(1_000);
    const during = fleet.decisionsAtMs.slice(1);
    expect(during[0]).toBe(burst);
    expect(during.length).toBeLessThanOrEqual(3);
    for (let i = 1; i < during.length; i++) expect(during[i]! - during[i - 1]!).toBeGreaterThanOrEqual(100);

    const quiet = fleet.clock.now();
    fleet.cluster.patchMetadata('g0', { annotations: { 'example.com/seen': 'again' } });
    await fleet.clock.settle();
    expect(fleet.decisionsAtMs.at(-1)).toBe(quiet);
    await fleet.stopAll();
  });

  it('waits at least 50 times the CPU a decision took before deciding on Node changes', async () => {
    const { fleet } = await costlyDecisions();
    for (let i = 0; i < 100; i++) {
      fleet.cluster.patchMetadata(`g${i % 5}`, { annotations: { 'example.com/seen': String(i) } });
      await fleet.clock.advance(25);
    }
    await fleet.clock.advance(1_000);
    const at = fleet.decisionsAtMs;
    expect(at.length).toBeGreaterThanOrEqual(3);
    expect(at.length).toBeLessThanOrEqual(6);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(750);
    expect(decisionGap({}, 1)).toBe(100);
    expect(decisionGap({}, 15)).toBe(750);
    await fleet.stopAll();
  });

  it('decides on a grant’s change after a short gap (10 ms, or twice the last decision’s CPU), also when Node changes wait longer', async () => {
    const { fleet, config } = await costlyDecisions();
    // A Node change: decided on at once after the quiet spell; the next one waits 750 ms.
    fleet.cluster.patchMetadata('g1', { annotations: { 'example.com/seen': 'one' } });
    await fleet.clock.advance(10);
    const nodeDecision = fleet.decisionsAtMs.at(-1)!;
    fleet.cluster.patchMetadata('g2', { annotations: { 'example.com/seen': 'two' } });
    await fleet.clock.advance(10);
    // A grant given (or freed) meanwhile is the hand-off: decided on twice the last decision's CPU
    // (15 ms) after it, not after the Node changes' 750 ms nor the shortest gap of 100 ms.
    const g0 = fleet.cluster.node('g0')!;
    fleet.cluster.give({ node: 'g0', nodeUid: g0.uid, policy: config.policy.name, ttlMs: 60_000 }, fleet.clock.now());
    await fleet.clock.advance(500);
    const after = fleet.decisionsAtMs.filter((t) => t > nodeDecision);
    expect(after[0]! - nodeDecision).toBe(30);
    expect(urgentGap(1)).toBe(10);
    expect(urgentGap(15)).toBe(30);
    await fleet.stopAll();
  });

  it('decides on no refresh of a request that is alive, and on a request that changed', async () => {
    const fleet = new FakeFleet(START);
    // A budget of 0: nothing is granted, so the requests stay and only the wake-ups are counted.
    const config = testConfig({ budget: count(0) });
    for (let i = 0; i < 3; i++) fleet.addNode(`g${i}`, config);
    const asking = (renewedMs: number, blocked?: string): Record<string, string> => ({
      [STATE_ANNOTATION]: encodeState({
        phase: 'acquiring',
        policy: config.policy.name,
        attempt: 1,
        bootId: 'boot',
        cordoned: false,
        labels: {},
        startedMs: START,
        sinceMs: START,
        renewedMs,
        ...(blocked === undefined ? {} : { blocked }),
      }),
    });
    for (let i = 0; i < 3; i++) fleet.cluster.patchMetadata(`g${i}`, { annotations: asking(START) });
    fleet.startCoordinator();
    await fleet.clock.advance(1_000);
    const decided = fleet.decisionsAtMs.length;
    // Refreshes, as waiting agents make them: no decision.
    for (let round = 1; round <= 3; round++) {
      for (let i = 0; i < 3; i++) fleet.cluster.patchMetadata(`g${i}`, { annotations: asking(fleet.clock.now()) });
      await fleet.clock.advance(1_000);
    }
    expect(fleet.decisionsAtMs.length).toBe(decided);
    // A request that changed (now blocked): decided on at once.
    const changed = fleet.clock.now();
    fleet.cluster.patchMetadata('g1', { annotations: asking(changed, 'alert X fires') });
    await fleet.clock.advance(1_000);
    expect(fleet.decisionsAtMs.slice(decided)).toEqual([changed]);
    await fleet.stopAll();
  });
});
