// Table tests of the coordinator's grant decision: gate, budgets (also with nodes down for other
// reasons), the fleet cap, the urgency order, stalled and deleted holders.
import { describe, expect, it } from 'vitest';
import type { Budget, Pause, Schedule, Weekday } from '../../policy/model.ts';
import { compileSchedule } from '../../policy/windows.ts';
import { decideGrants } from './grants.ts';
import type { CoreGrant, CoreInput, CoreNode, CorePolicy } from './model.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
/** Monday 2026-12-07 02:00 UTC. */
const NOW = Date.UTC(2026, 11, 7, 2, 0);
const EVERY_DAY: Weekday[] = [1, 2, 3, 4, 5, 6, 7];

function schedule(startHour: number, hours: number, pause: Pause = { kind: 'none' }): Schedule {
  return {
    timeZone: 'UTC',
    windows: [
      {
        days: EVERY_DAY,
        start: { hour: startHour, minute: 0 },
        end: { kind: 'duration', durationMs: hours * HOUR },
        timeZone: 'UTC',
      },
    ],
    blackouts: [],
    pause,
  };
}

function policy(
  name: string,
  budget: number | `${number}%`,
  opts: { window?: [number, number]; pause?: Pause; neededMs?: number; requestTtlMs?: number | null } = {},
): CorePolicy {
  const b: Budget =
    typeof budget === 'number'
      ? { kind: 'count', count: budget }
      : { kind: 'percent', percent: Number(budget.slice(0, -1)) };
  const [start, hours] = opts.window ?? [1, 4];
  return {
    name,
    budget: b,
    schedule: compileSchedule(schedule(start, hours, opts.pause)),
    neededMs: opts.neededMs ?? 10 * MIN,
    requestTtlMs: opts.requestTtlMs === undefined ? 15 * MIN : opts.requestTtlMs,
  };
}

/** A node of `policy`; `want`: it requests a grant since NOW - want minutes, refreshed NOW - `silent` minutes. */
function node(
  name: string,
  p: string | null,
  o: Partial<Omit<CoreNode, 'request'>> & {
    want?: number;
    blocked?: string;
    silent?: number;
  } = {},
): CoreNode {
  return {
    name,
    uid: o.uid ?? `uid-${name}`,
    policy: p,
    ready: o.ready ?? true,
    unschedulable: o.unschedulable ?? false,
    cordonedByAgent: o.cordonedByAgent ?? false,
    request:
      o.want === undefined
        ? null
        : { sinceMs: NOW - o.want * MIN, blocked: o.blocked ?? null, aliveMs: NOW - (o.silent ?? 1) * MIN },
  };
}

function grantOf(n: string, p: string, o: Partial<CoreGrant> = {}): CoreGrant {
  return {
    node: n,
    nodeUid: `uid-${n}`,
    policy: p,
    grantedMs: NOW - 5 * MIN,
    renewedMs: NOW - MIN,
    ttlMs: 15 * MIN,
    ...o,
  };
}

function input(nodes: CoreNode[], policies: CorePolicy[], o: Partial<CoreInput> = {}): CoreInput {
  return { nodes, grants: [], policies, fleetBudget: null, nowMs: NOW, ...o };
}

const granted = (i: CoreInput) => decideGrants(i).grant.map((g) => g.node);

describe('decideGrants: the start gate', () => {
  const nodes = [node('a1', 'a', { want: 5 }), node('a2', 'a', { want: 4 })];
  it.each([
    ['inside the window', policy('a', 1), ['a1'], undefined],
    ['outside the window', policy('a', 1, { window: [3, 2] }), [], 'outside-window'],
    [
      'too little of the window left',
      policy('a', 1, { window: [1, 1.5], neededMs: 30 * MIN + 1 }),
      [],
      'window-too-short',
    ],
    ['paused indefinitely', policy('a', 1, { pause: { kind: 'indefinite' } }), [], 'paused'],
    ['paused until an hour ago', policy('a', 1, { pause: { kind: 'until', epochMs: NOW - HOUR } }), ['a1'], undefined],
  ])('%s', (_, p, want, hold) => {
    const out = decideGrants(input(nodes, [p]));
    expect(out.grant.map((g) => g.node)).toEqual(want);
    if (hold !== undefined) expect(out.holds).toMatchObject([{ policy: 'a', reason: hold, waiting: 2 }]);
  });

  it('says when the gate opens next', () => {
    const out = decideGrants(input(nodes, [policy('a', 1, { window: [3, 2] })]));
    expect(out.nextChangeMs).toBe(Date.UTC(2026, 11, 7, 3, 0));
  });

  it('holds a policy a guard rail holds, also its nodes already down, and says when time lifts it', () => {
    const down = [...nodes, node('a3', 'a', { want: 9, ready: false })];
    const guard = {
      policy: 'a',
      reason: 'rate-limit' as const,
      detail: '2 starts in the last hour',
      nodes: ['a0'],
      untilMs: NOW + 20 * MIN,
    };
    const out = decideGrants(input(down, [policy('a', 1), policy('b', 1)], { guards: [guard] }));
    expect(out.grant).toEqual([]);
    expect(out.holds).toEqual([
      { policy: 'a', reason: 'rate-limit', detail: '2 starts in the last hour', nodes: ['a0'], waiting: 3 },
    ]);
    expect(out.nextChangeMs).toBe(NOW + 20 * MIN);
    // The other policies are not held by it.
    const other = decideGrants(input(nodes, [policy('a', 1)], { guards: [{ ...guard, policy: 'b' }] }));
    expect(other.grant.map((g) => g.node)).toEqual(['a1']);
  });

  it.each([
    // [case, guards, granted, hold reason left]
    ['a rate limit with room for one of three (the node cordoned already)', [{ room: 1 }], ['a3'], 'rate-limit'],
    ['a rate limit with room for two of three', [{ room: 2 }], ['a3', 'a1'], 'rate-limit'],
    ['a rate limit with room for all', [{ room: 5 }], ['a3', 'a1', 'a2'], undefined],
    ['a canary that lets its own node alone', [{ allow: ['a2'] }], ['a2'], 'canary'],
    ['a canary under a rate limit with no room', [{ allow: ['a2'] }, { room: 0, untilMs: NOW + MIN }], [], 'canary'],
    ['a canary under a rate limit with room', [{ allow: ['a2'] }, { room: 1 }], ['a2'], 'canary'],
  ] as const)('lets through what %s admits, within the budget', (_, gs, want, hold) => {
    // a3 is cordoned by someone else (it takes no budget), a1 and a2 wait; budget 3.
    const nodes = [
      node('a1', 'a', { want: 5 }),
      node('a2', 'a', { want: 4 }),
      node('a3', 'a', { want: 1, unschedulable: true }),
    ];
    const guards = gs.map((g) => ({
      policy: 'a',
      reason: 'allow' in g ? ('canary' as const) : ('rate-limit' as const),
      detail: 'held',
      nodes: [],
      untilMs: null,
      ...g,
    }));
    const out = decideGrants(input(nodes, [policy('a', 3)], { guards }));
    expect(out.grant.map((g) => g.node)).toEqual(want);
    expect(out.holds.map((h) => h.reason)).toEqual(hold === undefined ? [] : [hold]);
  });

  it('keeps the budget and the rate limit together: the smaller one binds', () => {
    const nodes = [node('a1', 'a', { want: 5 }), node('a2', 'a', { want: 4 }), node('a3', 'a', { want: 3 })];
    const guard = { policy: 'a', reason: 'rate-limit' as const, detail: 'r', nodes: [], untilMs: null, room: 2 };
    expect(granted(input(nodes, [policy('a', 1)], { guards: [guard] }))).toEqual(['a1']);
    const out = decideGrants(input(nodes, [policy('a', 3)], { guards: [guard] }));
    expect(out.grant.map((g) => g.node)).toEqual(['a1', 'a2']);
    expect(out.holds).toMatchObject([{ reason: 'rate-limit', waiting: 1 }]);
  });

  it('grants nothing to a node whose blockers hold it, and says why', () => {
    const out = decideGrants(
      input(
        [
          node('a1', 'a', {
            want: 5,
            blocked: 'pod db-0 matches a pod blocker',
          }),
        ],
        [policy('a', 1)],
      ),
    );
    expect(out.grant).toEqual([]);
    expect(out.holds).toMatchObject([{ reason: 'blocked', nodes: ['a1'] }]);
  });

  it('grants only nodes that ask, and ignores nodes of unknown policies', () => {
    expect(
      granted(input([node('a1', 'a'), node('x1', 'x', { want: 9 }), node('a2', 'a', { want: 1 })], [policy('a', 3)])),
    ).toEqual(['a2']);
  });
});

describe('decideGrants: budgets', () => {
  it.each([
    ['budget 1: the longest waiter', 1, [], ['a2']],
    ['budget 2: two at once', 2, [], ['a2', 'a1']],
    ['budget 2 with one grant live', 2, [grantOf('a3', 'a')], ['a2']],
    ['budget 1 with one grant live', 1, [grantOf('a3', 'a')], []],
  ])('%s', (_, budget, grants, want) => {
    const nodes = [node('a1', 'a', { want: 5 }), node('a2', 'a', { want: 9 }), node('a3', 'a')];
    expect(granted(input(nodes, [policy('a', budget)], { grants }))).toEqual(want);
  });

  it('counts a percentage of the members, at least one', () => {
    const nodes = Array.from({ length: 10 }, (_, i) => node(`a${i}`, 'a', { want: 10 - i }));
    expect(granted(input(nodes, [policy('a', '20%')]))).toEqual(['a0', 'a1']);
    expect(granted(input(nodes, [policy('a', '5%')]))).toEqual(['a0']);
  });

  it('counts NotReady and cordoned members against the budget, and names them', () => {
    const nodes = [
      node('a1', 'a', { ready: false }),
      node('a2', 'a', { unschedulable: true }),
      node('a3', 'a', { want: 3 }),
      node('a4', 'a', { want: 2 }),
    ];
    const out = decideGrants(input(nodes, [policy('a', 2)]));
    expect(out.grant).toEqual([]);
    expect(out.holds).toMatchObject([
      {
        policy: 'a',
        reason: 'held-by-unavailable',
        nodes: ['a1', 'a2'],
        waiting: 2,
      },
    ]);
    expect(granted(input(nodes, [policy('a', 3)]))).toEqual(['a3']);
  });

  it('grants a node cordoned by someone else without taking budget from the others', () => {
    // Two admin-cordoned nodes under budget 1 would freeze the pool; rebooting them makes nothing worse.
    const nodes = [
      node('a1', 'a', { unschedulable: true, want: 1 }),
      node('a2', 'a', { unschedulable: true, ready: false, want: 2 }),
      node('a3', 'a', { want: 3 }),
    ];
    const out = decideGrants(input(nodes, [policy('a', 1)]));
    expect(out.grant).toEqual([
      { node: 'a2', nodeUid: 'uid-a2', policy: 'a', reason: 'already-unavailable' },
      { node: 'a1', nodeUid: 'uid-a1', policy: 'a', reason: 'already-unavailable' },
    ]);
    expect(out.holds).toMatchObject([{ reason: 'held-by-unavailable', nodes: ['a1', 'a2'], waiting: 1 }]);
  });

  it('names at most ten holders in a hold, and how many more there are', () => {
    const nodes = [
      ...Array.from({ length: 25 }, (_, i) => node(`a${100 + i}`, 'a', { unschedulable: true })),
      node('w', 'a', { want: 1 }),
    ];
    const out = decideGrants(input(nodes, [policy('a', 1)]));
    expect(out.holds[0]!.detail).toBe(
      '1 node(s) wait: the budget of policy a (1 at once) is taken by a100, a101, a102, a103, a104, a105, a106, a107, a108, a109 and 15 more, unavailable (cordoned or NotReady) without a reboot by patchwindow',
    );
    expect(out.holds[0]!.nodes).toHaveLength(25);
  });

  it('counts a NotReady node against the budget once: granted when its groups have room without it', () => {
    // NotReady may end by itself; a grant would then keep a node that serves again from service.
    const alone = [node('a1', 'a', { ready: false, want: 1 }), node('a2', 'a', { want: 2 })];
    expect(decideGrants(input(alone, [policy('a', 1)])).grant).toEqual([
      { node: 'a1', nodeUid: 'uid-a1', policy: 'a', reason: 'budget' },
    ]);
    // Two NotReady under budget 1: granting either would leave the other one more than the budget.
    const two = [node('a1', 'a', { ready: false, want: 1 }), node('a2', 'a', { ready: false, want: 2 })];
    const out = decideGrants(input(two, [policy('a', 1)]));
    expect(out.grant).toEqual([]);
    expect(out.holds).toMatchObject([{ reason: 'held-by-unavailable', nodes: ['a1', 'a2'], waiting: 2 }]);
    // The fleet cap counts it once too.
    const capped = input(
      [node('a1', 'a', { ready: false, want: 1 }), node('b1', 'b', { want: 2 })],
      [policy('a', 1), policy('b', 1)],
    );
    expect(granted({ ...capped, fleetBudget: { kind: 'count', count: 1 } })).toEqual(['a1']);
  });

  it('does not grant a node cordoned by someone else outside its window', () => {
    expect(
      granted(input([node('a1', 'a', { unschedulable: true, want: 1 })], [policy('a', 1, { window: [3, 1] })])),
    ).toEqual([]);
  });

  it('counts a node holding a grant once, also while it is cordoned and NotReady', () => {
    const nodes = [
      node('a1', 'a', {
        unschedulable: true,
        ready: false,
        cordonedByAgent: true,
      }),
      node('a2', 'a', { want: 1 }),
    ];
    expect(granted(input(nodes, [policy('a', 2)], { grants: [grantOf('a1', 'a')] }))).toEqual(['a2']);
  });
});

describe('decideGrants: the fleet cap', () => {
  const nodes = [
    node('a1', 'a', { want: 9 }),
    node('a2', 'a', { want: 8 }),
    node('b1', 'b', { want: 7 }),
    node('b2', 'b', { want: 6 }),
    node('x1', null),
  ];

  it('limits grants over every policy', () => {
    const out = decideGrants(
      input(nodes, [policy('a', 2), policy('b', 2)], {
        fleetBudget: { kind: 'count', count: 3 },
      }),
    );
    expect(out.grant).toHaveLength(3);
    expect(out.holds).toMatchObject([{ reason: 'fleet-cap', waiting: 1 }]);
  });

  it('counts nodes of no policy that are down', () => {
    const down = nodes.map((n) => (n.name === 'x1' ? { ...n, ready: false } : n));
    expect(
      granted(
        input(down, [policy('a', 2), policy('b', 2)], {
          fleetBudget: { kind: 'count', count: 2 },
        }),
      ),
    ).toHaveLength(1);
  });

  it('takes a percentage of every node of the cluster', () => {
    expect(
      granted(
        input(nodes, [policy('a', 2), policy('b', 2)], {
          fleetBudget: { kind: 'percent', percent: 40 },
        }),
      ),
    ).toHaveLength(2);
  });
});

describe('decideGrants: urgency order', () => {
  it('serves first the policy whose window closes sooner for the work it has left', () => {
    // long: 4 h left for 2 nodes; short: 1 h left for 2 nodes. Cap 1: short goes first, though long asked first.
    const nodes = [
      node('l1', 'long', { want: 60 }),
      node('l2', 'long', { want: 50 }),
      node('s1', 'short', { want: 1 }),
      node('s2', 'short', { want: 1 }),
    ];
    const policies = [policy('long', 1, { window: [1, 5] }), policy('short', 1, { window: [1, 2] })];
    expect(granted(input(nodes, policies, { fleetBudget: { kind: 'count', count: 1 } }))).toEqual(['s1']);
  });

  it('weighs the work left: many nodes in a long window before few in a shorter one', () => {
    const many = Array.from({ length: 12 }, (_, i) => node(`m${i}`, 'many', { want: 1 }));
    const nodes = [...many, node('f1', 'few', { want: 60 })];
    const policies = [policy('many', 1, { window: [1, 5] }), policy('few', 1, { window: [1, 2] })];
    expect(granted(input(nodes, policies, { fleetBudget: { kind: 'count', count: 1 } }))).toEqual(['m0']);
  });

  it('recomputes after each grant, so a cap is shared between policies', () => {
    const nodes = [
      node('a1', 'a', { want: 3 }),
      node('a2', 'a', { want: 2 }),
      node('b1', 'b', { want: 1 }),
      node('b2', 'b', { want: 1 }),
    ];
    const out = granted(
      input(nodes, [policy('a', 2), policy('b', 2)], {
        fleetBudget: { kind: 'count', count: 2 },
      }),
    );
    expect(out.sort()).toEqual(['a1', 'b1']);
  });

  it('breaks ties by the window that closes first, then the longest waiter, then the name', () => {
    const policies = [policy('p', 1, { window: [1, 3] }), policy('q', 1, { window: [1, 3] })];
    const nodes = [node('q1', 'q', { want: 5 }), node('p1', 'p', { want: 5 })];
    expect(granted(input(nodes, policies, { fleetBudget: { kind: 'count', count: 1 } }))).toEqual(['p1']);
    expect(granted(input([node('a2', 'a', { want: 5 }), node('a1', 'a', { want: 5 })], [policy('a', 1)]))).toEqual([
      'a1',
    ]);
  });
});

describe('decideGrants: stalled and deleted holders', () => {
  const nodes = [node('a1', 'a', { unschedulable: true, cordonedByAgent: true }), node('a2', 'a', { want: 5 })];

  it('keeps a stalled grant and its pool waits, naming the holder and since when', () => {
    const g = grantOf('a1', 'a', { renewedMs: NOW - 20 * MIN });
    const out = decideGrants(input(nodes, [policy('a', 1)], { grants: [g] }));
    expect(out.grant).toEqual([]);
    expect(out.free).toEqual([]);
    expect(out.stalled).toEqual([{ node: 'a1', policy: 'a', sinceMs: NOW - 20 * MIN }]);
    expect(out.holds).toMatchObject([{ reason: 'stalled-holder', nodes: ['a1'] }]);
  });

  it('a live grant is not stalled and says when it would be', () => {
    const out = decideGrants(input(nodes, [policy('a', 1)], { grants: [grantOf('a1', 'a')] }));
    expect(out.stalled).toEqual([]);
    expect(out.holds).toMatchObject([{ reason: 'budget', nodes: ['a1'] }]);
    expect(out.nextChangeMs).toBe(NOW - MIN + 15 * MIN);
  });

  it('frees the grant of a deleted node, and grants again only once it is gone', () => {
    const out = decideGrants(
      input([node('a2', 'a', { want: 5 })], [policy('a', 1)], {
        grants: [grantOf('a1', 'a')],
      }),
    );
    expect(out.free).toEqual([{ node: 'a1', policy: 'a', reason: 'node-deleted' }]);
    expect(out.grant).toEqual([]);
    expect(granted(input([node('a2', 'a', { want: 5 })], [policy('a', 1)]))).toEqual(['a2']);
  });

  it('frees the grant of a node replaced by a new object of the same name, and does not grant it again in the same round', () => {
    const replaced = [node('a1', 'a', { uid: 'new', want: 1 }), node('a2', 'a', { want: 5 })];
    const out = decideGrants(input(replaced, [policy('a', 2)], { grants: [grantOf('a1', 'a')] }));
    expect(out.free).toEqual([{ node: 'a1', policy: 'a', reason: 'node-replaced' }]);
    expect(out.grant.map((g) => g.node)).toEqual(['a2']);
  });

  it('a stalled grant of a deleted node is freed too', () => {
    const out = decideGrants(
      input([], [policy('a', 1)], {
        grants: [grantOf('a1', 'a', { renewedMs: NOW - HOUR })],
      }),
    );
    expect(out.free).toMatchObject([{ node: 'a1', reason: 'node-deleted' }]);
  });
});

describe('decideGrants: requesters that stopped refreshing their request', () => {
  it('does not give a freed stalled grant back to its still stalled holder: the next waiter gets it', () => {
    // a1 was granted at NOW - 20 min and stopped at once (last sign of life before the grant); the
    // operator freed its stalled grant. Its request is the oldest, but its agent shows no life.
    const nodes = [node('a1', 'a', { want: 30, silent: 21 }), node('a2', 'a', { want: 25 })];
    const stalled = grantOf('a1', 'a', { grantedMs: NOW - 20 * MIN, renewedMs: NOW - 20 * MIN });
    expect(decideGrants(input(nodes, [policy('a', 1)], { grants: [stalled] })).stalled.map((s) => s.node)).toEqual([
      'a1',
    ]);
    expect(granted(input(nodes, [policy('a', 1)]))).toEqual(['a2']);
  });

  it('grants it again once its agent refreshed the request', () => {
    const nodes = [node('a1', 'a', { want: 30, silent: 0 }), node('a2', 'a', { want: 25 })];
    expect(granted(input(nodes, [policy('a', 1)]))).toEqual(['a1']);
  });

  it('takes a request refreshed just within the TTL as alive, one just past it as silent', () => {
    const p = policy('a', 2, { requestTtlMs: 10 * MIN });
    expect(granted(input([node('a1', 'a', { want: 30, silent: 9.99 })], [p]))).toEqual(['a1']);
    expect(granted(input([node('a1', 'a', { want: 30, silent: 10 })], [p]))).toEqual([]);
  });

  it('does not grant a silent node already unavailable either', () => {
    const nodes = [node('a1', 'a', { want: 30, silent: 20, ready: false })];
    expect(granted(input(nodes, [policy('a', 1)]))).toEqual([]);
  });

  it('says so when every waiting node of a pool is silent, naming them', () => {
    const nodes = [node('a1', 'a', { want: 30, silent: 20 }), node('a2', 'a', { want: 20, silent: 16 })];
    const out = decideGrants(input(nodes, [policy('a', 1)]));
    expect(out.grant).toEqual([]);
    expect(out.holds).toEqual([
      {
        policy: 'a',
        reason: 'silent-requester',
        detail: expect.stringMatching(/a1 .*2026-12-07T01:40:00.000Z.*a2 .*2026-12-07T01:44:00.000Z/) as unknown,
        nodes: ['a1', 'a2'],
        waiting: 2,
      },
    ]);
  });

  it('takes every requester as alive when the policy has no request TTL (the forecast)', () => {
    const p = policy('a', 1, { requestTtlMs: null });
    expect(granted(input([node('a1', 'a', { want: 30, silent: 10_000 })], [p]))).toEqual(['a1']);
  });
});
