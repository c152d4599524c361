// `plan --nodes` shows the forecast of each changed policy before and after the change: every node
// rebooting from now, each drain taking the policy's drain.timeout 30m and each reboot its
// reboot.expectedDuration 10m: 40 minutes a node, and the start gate needs the same 40 minutes.
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../reconciler/plan/plan.ts';
import { planText } from '../../reconciler/plan/format/text.ts';
import { fleetYaml, MONDAY_NOON, NIGHTLY_2H, poolNodes } from './forecast-fixtures.ts';

const fleet = (budget: number) =>
  fleetYaml([
    {
      name: 'a',
      spec: [
        `maxUnavailable: ${budget}`,
        `windows: [${NIGHTLY_2H}]`,
        'drain: { timeout: 30m }',
        'reboot: { expectedDuration: 10m }',
      ],
    },
  ]);
const nodes = poolNodes('a', 30).map((n) => ({ ...n, taints: [] }));

describe('plan with --nodes', () => {
  const plan = buildPlan({ base: fleet(1), head: fleet(3), nowMs: MONDAY_NOON, nodes });
  const forecast = plan.policies[0]!.aspects.find((a) => a.id === 'forecast');

  it('includes the forecast before and after the change', () => {
    // Starts at 22:00, 22:40 and 23:20 (the last that ends by midnight): 3 per slot and night.
    expect(forecast?.before?.lines).toEqual([
      '30 node(s), 1 at once: all done 2026-06-11 00:00 +00:00 (lower bound 2026-06-11 00:00 +00:00), 10 windows',
    ]);
    expect(forecast?.after?.lines).toEqual([
      '30 node(s), 3 at once: all done 2026-06-04 22:40 +00:00 (lower bound 2026-06-04 22:40 +00:00), 4 windows',
    ]);
    expect(forecast?.after?.data).toMatchObject({ finish: '2026-06-04T22:40:00Z', unfinished: 0 });
  });

  it('prints it with the other aspects', () => {
    const text = planText({
      plan,
      fleet: 'test',
      base: 'main (abc1234)',
      head: 'the working tree',
      baseNote: null,
      nodesFile: 'nodes.yaml',
    });
    expect(text).toContain(
      "    forecast (every node rebooting from now; each drain takes its policy's drain.timeout, each reboot its reboot.expectedDuration): 30 node(s), 1 at once: all done 2026-06-11 00:00 +00:00",
    );
  });

  it('leaves it out without nodes, and when the forecast is the same', () => {
    const withoutNodes = buildPlan({ base: fleet(1), head: fleet(3), nowMs: MONDAY_NOON });
    expect(withoutNodes.policies[0]!.aspects.map((a) => a.id)).toEqual(['budget']);
    // A budget of 30 instead of 40 nodes at once: every node starts at 22:00 either way.
    const same = buildPlan({ base: fleet(30), head: fleet(40), nowMs: MONDAY_NOON, nodes });
    expect(same.policies[0]!.aspects.map((a) => a.id)).toEqual(['budget']);
  });
});
