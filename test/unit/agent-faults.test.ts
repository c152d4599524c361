// Failure injection: port calls that throw, agents that crash before or after a call took effect
// and are restarted by the (fake) kubelet. Whatever happens, the invariants hold at every step and
// the work completes: every node rebooted exactly once, nothing left cordoned, no grant held.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { count, HOUR } from '../fakes/config.ts';
import { randomFaults, type Fault, type FaultPlan } from '../fakes/faults.ts';
import { allDone, run, scenario, tail, type Scenario } from '../fakes/scenario.ts';

/** g1 and g2 (budget 1), each with a web pod; g1's agent is the one that fails. */
function pair(plan: FaultPlan): Scenario {
  const s = scenario({
    pools: [{ name: 'general', nodes: 2, budget: count(1) }],
    fleetBudget: count(1),
    webPodsPerNode: 1,
  });
  s.fleet.faults.plan = plan;
  s.fleet.startAll();
  return s;
}

/** The k-th port call of g1's agent (counting every port and method) gets `fault`. */
function atCall(k: number, fault: Exclude<Fault, undefined>): FaultPlan {
  let calls = 0;
  return (c) => (c.agent === 'g1' && ++calls === k ? fault : undefined);
}

describe('a crash or a failed call at any single step of a reboot', () => {
  // How many calls g1's agent makes in a clean run: every one of them gets its turn to fail.
  let calls = 0;
  beforeAll(async () => {
    const s = pair((c) => {
      if (c.agent === 'g1') calls++;
      return undefined;
    });
    if (!(await run(s, () => allDone(s), 3 * HOUR))) throw new Error(`the clean run did not complete\n${tail(s)}`);
  });

  for (const fault of ['crash-before', 'crash-after', 'throw'] as const) {
    it(`${fault}: still reboots both nodes once, within budget, leaving nothing behind`, async () => {
      expect(calls).toBeGreaterThan(20);
      for (let k = 1; k <= calls; k++) {
        const s = pair(atCall(k, fault));
        const ok = await run(s, () => allDone(s), 3 * HOUR);
        const where = `fault at call ${k}: ${JSON.stringify(s.fleet.faults.injected)}\n${tail(s)}`;
        expect(s.fleet.faults.injected, where).toHaveLength(1);
        expect(s.checker.violations, where).toEqual([]);
        expect(ok, where).toBe(true);
        expect(s.fleet.agentErrors, where).toEqual([]);
      }
    });
  }
});

describe('random failures and crashes over many seeds', () => {
  it('keep the invariants at every step and complete the work', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (seed) => {
        const s = scenario({
          pools: [
            { name: 'general', nodes: 3, budget: count(1) },
            { name: 'batch', nodes: 4, budget: count(2) },
          ],
          fleetBudget: count(2),
          webPodsPerNode: 1,
        });
        s.fleet.faults.plan = randomFaults(seed, { throwRate: 0.05, crashRate: 0.02 });
        s.fleet.startAll();
        const ok = await run(s, () => allDone(s), 24 * HOUR);
        const where = `seed ${seed}, ${s.fleet.faults.injected.length} faults, ${s.fleet.crashes} crashes\n${tail(s)}`;
        expect(s.checker.violations, where).toEqual([]);
        expect(ok, where).toBe(true);
        expect(s.fleet.agentErrors, where).toEqual([]);
        expect(s.fleet.faults.injected.length, where).toBeGreaterThan(0);
      }),
      { numRuns: 50 },
    );
  });
});
