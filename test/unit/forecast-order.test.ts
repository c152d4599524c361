// The grant order under a binding fleet cap, as the forecast replays it: a pool whose window closes
// early is not starved by one whose window is long, and each finishes near its own bound.
import { describe, expect, it } from 'vitest';
import { fleetYaml, MONDAY_NOON, poolNodes, run } from './forecast-fixtures.ts';

const daily = (start: string, duration: string) =>
  `windows: [{ days: [mon, tue, wed, thu, fri, sat, sun], start: "${start}", duration: ${duration} }]`;
const gate = ['drain: { timeout: 10m }', 'reboot: { expectedDuration: 5m }'];

describe('the grant order under a fleet cap', () => {
  it('does not starve a short-window pool for a long-window one', () => {
    // 20 nodes may start 23:00-23:45 (two nights at 3 at once); 120 nodes 20:00-05:45 (one night).
    // Longest-waiter-first gave the 3 slots to the long pool all Monday night: the short pool
    // finished a night late, 1.68 x its own bound.
    const fleet = fleetYaml(
      [
        { name: 'short', spec: ['maxUnavailable: 3', daily('23:00', '1h'), ...gate] },
        { name: 'long', spec: ['maxUnavailable: 3', daily('20:00', '10h'), ...gate] },
      ],
      ['maxUnavailable: 3'],
    );
    const f = run(fleet, [...poolNodes('short', 20), ...poolNodes('long', 120)]);
    for (const p of f.policies) {
      const overBound = (p.finishMs! - MONDAY_NOON) / (p.lowerBoundMs! - MONDAY_NOON);
      expect(overBound, `${p.name}: finish over its own bound`).toBeLessThanOrEqual(1.1);
    }
    expect(f.makespanMs! / f.lowerBoundMakespanMs!).toBeLessThanOrEqual(1.1);
  });
});
