// spec.halt on a fake fleet with the real agent and coordinator loops: reboot commands that do not
// reboot (the boot id never changes) fail two nodes, the pool halts and the third node waits, the
// halt outlives a coordinator restart, and a resume lets the third node go.
import { describe, expect, it } from 'vitest';
import { decodeFailures } from '../../policy/failures.ts';
import { FAILURES_ANNOTATION, STATE_ANNOTATION } from '../../policy/keys.ts';
import { decodeState } from '../../policy/state.ts';
import { count, HOUR, MINUTE, testConfig } from '../fakes/config.ts';
import { FakeFleet } from '../fakes/fleet.ts';
import { FakeHalts } from '../fakes/halts.ts';
import { InvariantChecker } from '../fakes/invariants.ts';
import { START } from '../fakes/scenario.ts';

describe('a pool that halts itself (spec.halt) on a fake fleet', () => {
  it('stops granting after two reboots that did not happen, keeps the halt across a restart, and resumes on command', async () => {
    const base = testConfig({ budget: count(1) });
    const config = {
      ...base,
      policy: { ...base.policy, halt: { afterFailures: 2, withinMs: 24 * HOUR, healthGraceMs: 5 * MINUTE } },
    };
    const fleet = new FakeFleet(START);
    const halts = new FakeHalts();
    fleet.halts = halts;
    const checker = new InvariantChecker(fleet);
    for (const n of ['g1', 'g2', 'g3']) fleet.addNode(n, config, { sentinel: true, rebootWorks: false });
    const phase = (n: string) => {
      const r = decodeState(fleet.cluster.node(n)?.annotations[STATE_ANNOTATION]);
      return r.kind === 'ok' ? r.state.phase : null;
    };
    const failedNodes = () => ['g1', 'g2', 'g3'].filter((n) => phase(n) === 'failed');
    fleet.startAll();
    expect(await fleet.runUntil(() => failedNodes().length === 2, START + 4 * HOUR)).toBe(true);
    const [third] = ['g1', 'g2', 'g3'].filter((n) => !failedNodes().includes(n));
    for (const n of failedNodes())
      expect(decodeFailures(fleet.cluster.node(n)?.annotations[FAILURES_ANNOTATION])).toMatchObject([
        { kind: 'reboot', reason: expect.stringMatching(/^the node did not reboot: same boot id/) as unknown },
      ]);

    // Halted: the third node waits, across a coordinator restart, for hours.
    await fleet.clock.advance(MINUTE);
    expect((await halts.read()).get('general')).toMatchObject({ state: 'halted', failures: [{}, {}] });
    await fleet.stopCoordinator();
    fleet.startCoordinator();
    await fleet.clock.advance(3 * HOUR);
    expect(phase(third!)).toBe('acquiring');
    expect(fleet.machine(third!).commandedAtMs).toEqual([]);
    expect(halts.writes).toBe(1);
    expect(fleet.cluster.eventsFor(third!)).toContainEqual(
      expect.objectContaining({
        reason: 'WaitingForGrant',
        message: expect.stringMatching(/halted at .* after 2 failures within 1d/) as unknown,
      }),
    );

    // Resumed: the third node is granted (and fails too: one failure since the resume does not halt).
    await halts.write('general', { state: 'resumed', atMs: fleet.clock.now(), by: 'test' });
    expect(await fleet.runUntil(() => phase(third!) === 'failed', fleet.clock.now() + HOUR)).toBe(true);
    expect((await halts.read()).get('general')?.state).toBe('resumed');
    await fleet.stopAll();
    expect(checker.violations).toEqual([]);
  });
});
