// The coordinator's rate limit through its real grant loop on the fake cluster: the starts it gave
// are kept in its memory, so a restarted coordinator still waits for them to leave the window.
import { describe, expect, it } from 'vitest';
import { count, HOUR, MINUTE, testConfig } from '../fakes/config.ts';
import { FakeFleet } from '../fakes/fleet.ts';
import { FakeMemory } from '../fakes/memory.ts';
import { START } from '../fakes/scenario.ts';

function paced() {
  const base = testConfig({ budget: count(3) });
  const config = { ...base, policy: { ...base.policy, rate: { count: 1, periodMs: HOUR } } };
  const fleet = new FakeFleet(START);
  for (const n of ['g1', 'g2']) fleet.addNode(n, config, { sentinel: true });
  const granted: { node: string; atMs: number }[] = [];
  fleet.cluster.onMutation((m) => {
    if (m.kind === 'grant' && m.before === undefined && m.after !== undefined)
      granted.push({ node: m.after.node, atMs: fleet.clock.now() });
  });
  return { fleet, granted };
}

describe('the rate limit across a coordinator restart', () => {
  it.each([
    ['kept in its memory, the start still counts', false],
    ['a lost memory would have granted at once (what the memory prevents)', true],
  ])('%s', async (_, forget) => {
    const { fleet, granted } = paced();
    fleet.startAll();
    await fleet.runUntil(() => granted.length === 1 && fleet.cluster.grants().length === 0, START + 30 * MINUTE);
    expect(granted).toHaveLength(1);
    await fleet.stopCoordinator();
    if (forget) fleet.memory = new FakeMemory();
    fleet.startCoordinator();
    await fleet.runUntil(() => granted.length === 2, START + 2 * HOUR);
    const gap = granted[1]!.atMs - granted[0]!.atMs;
    if (forget) expect(gap).toBeLessThan(HOUR);
    else expect(gap).toBeGreaterThanOrEqual(HOUR);
  });
});
