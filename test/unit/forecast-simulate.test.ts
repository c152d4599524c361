// The forecast against cases worked out by hand. Every node takes 10 minutes (drain 4m, reboot 6m)
// unless said otherwise; the start gate of DESIGN.md lets a node start only while the window has
// drain.timeout + reboot.expectedDuration left.
import { describe, expect, it } from 'vitest';
import { neededMs, scheduleOf } from '../../agent/core/decide-common.ts';
import { decideGrants } from '../../coordinator/core/grants.ts';
import { DAY, fleetYaml, MINUTE, MONDAY_NOON, NIGHTLY_2H, perWindow, poolNodes, run } from './forecast-fixtures.ts';

const at = (iso: string) => Date.parse(iso);
const nightly = (budget: number | string, extra: readonly string[] = [], drain = 'drain: { timeout: 30m }') =>
  fleetYaml([
    {
      name: 'a',
      spec: [
        `maxUnavailable: ${budget}`,
        `windows: [${NIGHTLY_2H}]`,
        drain,
        'reboot: { expectedDuration: 10m }',
        ...extra,
      ],
    },
  ]);

describe('one pool, a 2-hour window, 10-minute nodes, gate 30m + 10m', () => {
  // Starts are allowed from 22:00 until 23:20 (40 minutes before the end): 22:00, 22:10, ...,
  // 23:20 is 80 / 10 + 1 = 9 starts per slot and window.
  it('budget 1: 9 nodes per window, one every 10 minutes', () => {
    const [a] = run(nightly(1), poolNodes('a', 30)).policies;
    expect(perWindow(a!)).toEqual(['2026-06-01: 9', '2026-06-02: 9', '2026-06-03: 9', '2026-06-04: 3']);
    expect(a!.firstFinishMs).toBe(at('2026-06-01T22:10:00Z'));
    // The third start of the fourth window: 22:20, done 22:30.
    expect(a!.finishMs).toBe(at('2026-06-04T22:30:00Z'));
    expect(a!.lowerBoundMs).toBe(a!.finishMs);
  });

  it('budget 3: three times as many, 27 per window', () => {
    const [a] = run(nightly(3), poolNodes('a', 30)).policies;
    expect(perWindow(a!)).toEqual(['2026-06-01: 27', '2026-06-02: 3']);
    expect(a!.finishMs).toBe(at('2026-06-02T22:10:00Z'));
  });

  it('a gate that leaves 5 minutes of start time allows one start per slot: 1 per window, 3 with budget 3', () => {
    const gate = ['drain: { timeout: 1h45m }', 'reboot: { expectedDuration: 10m }'];
    const one = fleetYaml([{ name: 'a', spec: ['maxUnavailable: 1', `windows: [${NIGHTLY_2H}]`, ...gate] }]);
    const three = fleetYaml([{ name: 'a', spec: ['maxUnavailable: 3', `windows: [${NIGHTLY_2H}]`, ...gate] }]);
    expect(perWindow(run(one, poolNodes('a', 3)).policies[0]!)).toEqual([
      '2026-06-01: 1',
      '2026-06-02: 1',
      '2026-06-03: 1',
    ]);
    expect(perWindow(run(three, poolNodes('a', 6)).policies[0]!)).toEqual(['2026-06-01: 3', '2026-06-02: 3']);
  });

  it('a percentage budget counts every node of the pool, not only those to reboot', () => {
    // 20% of 30 nodes is 6 at once; 6 pending nodes all start at 22:00.
    const pending = new Set(['a-0', 'a-1', 'a-2', 'a-3', 'a-4', 'a-5']);
    const [a] = run(nightly('"20%"'), poolNodes('a', 30), { pending }).policies;
    expect([a!.nodes, a!.members, a!.allowed, a!.finishMs]).toEqual([6, 30, 6, at('2026-06-01T22:10:00Z')]);
  });
});

describe('blackouts and pools that do not finish', () => {
  const weekly = (blackouts: readonly string[]) =>
    fleetYaml([
      {
        name: 'a',
        spec: [
          'maxUnavailable: 1',
          'windows: [{ days: [mon], start: "22:00", duration: 2h }]',
          'drain: { timeout: 30m }',
          'reboot: { expectedDuration: 10m }',
          ...blackouts,
        ],
      },
    ]);

  it('a blackout skips a week', () => {
    const [a] = run(
      weekly(['blackouts: [{ start: "2026-06-08", end: "2026-06-08", reason: release }]']),
      poolNodes('a', 20),
    ).policies;
    expect(perWindow(a!)).toEqual(['2026-06-01: 9', '2026-06-15: 9', '2026-06-22: 2']);
    expect(a!.finishMs).toBe(at('2026-06-22T22:20:00Z'));
  });

  it('a window too short for the gate is reported, and the agents sleep instead of looping', () => {
    const short = fleetYaml([
      {
        name: 'a',
        spec: [
          'windows: [{ days: [mon, tue], start: "22:00", duration: 30m }]',
          'drain: { timeout: 30m }',
          'reboot: { expectedDuration: 10m }',
        ],
      },
    ]);
    const f = run(short, poolNodes('a', 50));
    const [a] = f.policies;
    expect([a!.finishMs, a!.unfinished, a!.lowerBoundMs, f.makespanMs]).toEqual([null, 50, null, null]);
    expect(a!.warnings.map((w) => w.reason)).toEqual(['window-too-short']);
    expect(a!.warnings[0]!.message).toContain(
      'the longest is 30m, but a start needs drain.timeout + reboot.expectedDuration = 40m',
    );
    // Mark the node as needing a reboot, then wait: no start within 400 days, nothing to wake for.
    expect(f.decisions).toBeLessThanOrEqual(3 * 50);
  });

  it('a budget too small for the horizon says how many fit and what budget would do', () => {
    const [a] = run(nightly(1), poolNodes('a', 300)).policies;
    // 30 days from Monday noon: 30 windows of 9 starts.
    expect([a!.unfinished, a!.finishMs]).toEqual([30, null]);
    expect(a!.warnings.map((w) => w.reason)).toEqual(['budget-too-small']);
    expect(a!.warnings[0]!.message).toContain('30 of 300 nodes will not finish within 30d');
    expect(a!.warnings[0]!.message).toContain('the windows fit at most 270; 2 at once would fit them');
    // All 300 need 34 windows: 33 full ones, then the third start of 2026-07-04 (22:20, done 22:30).
    expect(a!.lowerBoundMs).toBe(at('2026-07-04T22:30:00Z'));
  });

  it('a blackout over the whole horizon, a pause and held nodes are named as the cause', () => {
    const frozen = run(
      nightly(1, ['blackouts: [{ start: "2026-06-01", end: "2026-07-31", reason: freeze }]']),
      poolNodes('a', 2),
    ).policies[0]!;
    expect(frozen.warnings.map((w) => w.reason)).toEqual(['blackout']);
    expect(frozen.warnings[0]!.message).toContain('freeze 2026-06-01T00:00:00Z → 2026-08-01T00:00:00Z');
    const paused = run(nightly(1, ['paused: true']), poolNodes('a', 2)).policies[0]!;
    expect(paused.warnings.map((w) => w.reason)).toEqual(['paused']);
    const held = run(nightly(1), [
      ...poolNodes('a', 2),
      { name: 'a-held', labels: { pool: 'a', 'patchwindow.io/hold': 'kernel bisect' } },
    ]).policies[0]!;
    expect([held.unfinished, held.warnings.map((w) => w.reason)]).toEqual([1, ['held']]);
  });

  it('a drain longer than drain.timeout fails every attempt unless onFailure reboots', () => {
    const uncordon = run(nightly(1, [], 'drain: { timeout: 30m, onFailure: uncordon }'), poolNodes('a', 2), {
      drainMs: 40 * MINUTE,
    }).policies[0]!;
    expect([uncordon.unfinished, uncordon.warnings.map((w) => w.reason)]).toEqual([2, ['drain-timeout']]);
    expect(uncordon.warnings[0]!.message).toContain('a drain takes 40m, longer than drain.timeout 30m');
    // With onFailure: reboot the drain gives up at its 30m deadline and the node reboots (6m):
    // 36 minutes per node, starts at 22:00, 22:36, 23:12.
    const reboot = run(nightly(1, [], 'drain: { timeout: 30m, onFailure: reboot }'), poolNodes('a', 4), {
      drainMs: 40 * MINUTE,
    }).policies[0]!;
    expect(perWindow(reboot)).toEqual(['2026-06-01: 3', '2026-06-02: 1']);
    expect(reboot.finishMs).toBe(at('2026-06-02T22:36:00Z'));
  });
});

describe('nodes no policy names', () => {
  it('belong to the default policy; without one they have no agent and are reported', () => {
    const spec = ['maxUnavailable: 1', `windows: [${NIGHTLY_2H}]`];
    const withDefault = fleetYaml([{ name: 'a', spec }], ['defaultPolicy: a']);
    expect(run(withDefault, poolNodes('other', 2)).policies[0]!.nodes).toBe(2);
    const without = run(fleetYaml([{ name: 'a', spec }]), [...poolNodes('a', 1), ...poolNodes('other', 2)]);
    expect(without.uncovered).toEqual(['other-0', 'other-1']);
    expect(without.warnings[0]!.message).toBe(
      '2 node(s) have no agent (see patchwindow coverage) and are not rebooted: other-0, other-1',
    );
    expect(without.makespanMs).toBe(at('2026-06-01T22:10:00Z') - MONDAY_NOON);
  });

  it('a taint the agent does not tolerate keeps its node out, as coverage says', () => {
    const tolerating = fleetYaml(
      [{ name: 'a', spec: ['maxUnavailable: 1', `windows: [${NIGHTLY_2H}]`] }],
      ['agent: { tolerations: [{ key: dedicated, operator: Exists }] }'],
    );
    const nodes = [
      {
        name: 'a-0',
        labels: { pool: 'a' },
        taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' as const }],
      },
      { name: 'a-1', labels: { pool: 'a' }, taints: [{ key: 'maintenance', effect: 'NoExecute' as const }] },
    ];
    const f = run(tolerating, nodes);
    expect([f.policies[0]!.nodes, f.uncovered]).toEqual([1, ['a-1']]);
  });

  it('counts budget members as the coordinator does: every node of the pool, also those a taint keeps the agent off', () => {
    // 10 pool nodes, 5 of them tainted out: 20% of 10 is 2 at once (20% of the 5 covered would be 1).
    const fleet = fleetYaml(
      [
        {
          name: 'a',
          spec: [
            'maxUnavailable: "20%"',
            `windows: [${NIGHTLY_2H}]`,
            'drain: { timeout: 30m }',
            'reboot: { expectedDuration: 10m }',
          ],
        },
      ],
      ['agent: { tolerations: [] }'],
    );
    const nodes = poolNodes('a', 10).map((n, i) => ({
      ...n,
      taints: i < 5 ? [{ key: 'maintenance', effect: 'NoExecute' as const }] : [],
    }));
    // The coordinator's own decision on that pool, the covered nodes asking at 22:00.
    const config = fleet.policies[0]!.config;
    const coordinator = decideGrants({
      nodes: nodes.map((n, i) => ({
        name: n.name,
        uid: n.name,
        policy: 'a',
        ready: true,
        unschedulable: false,
        cordonedByAgent: false,
        request: i < 5 ? null : { sinceMs: MONDAY_NOON, blocked: null, aliveMs: MONDAY_NOON },
      })),
      grants: [],
      policies: [
        {
          name: 'a',
          budget: config.policy.budget,
          schedule: scheduleOf(config),
          neededMs: neededMs(config),
          requestTtlMs: null,
        },
      ],
      fleetBudget: null,
      nowMs: at('2026-06-01T22:00:00Z'),
    });
    const f = run(fleet, nodes);
    const [a] = f.policies;
    expect([coordinator.grant.length, a!.allowed, a!.lanes, a!.nodes]).toEqual([2, 2, 2, 5]);
    // Two at a time: 22:00 (2), 22:10 (2), 22:20 (1), the last done at 22:30.
    expect(a!.finishMs).toBe(at('2026-06-01T22:30:00Z'));
  });

  it('the horizon ends the simulation', () => {
    const f = run(nightly(1), poolNodes('a', 20), { horizonMs: DAY });
    expect([f.policies[0]!.unfinished, f.untilMs]).toEqual([11, MONDAY_NOON + DAY]);
  });
});
