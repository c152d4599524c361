// The lower bound by hand, and against the simulation on random fleets: without a fleet cap the
// agents reach it exactly (slots are taken the instant they free up, inside the gate); with a cap
// they never beat it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  capacityBy,
  laneStarts,
  lowerBound,
  makespanLowerBound,
  mergeIntervals,
  type PolicyLoad,
  type StartInterval,
} from '../../reconciler/forecast/bound.ts';
import { fleetYaml, HOUR, MINUTE, MONDAY_NOON, poolNodes, run } from './forecast-fixtures.ts';

const T = MONDAY_NOON;
const iv = (fromMin: number, toMin: number) => ({ fromMs: T + fromMin * MINUTE, toMs: T + toMin * MINUTE });

describe('greedy lanes', () => {
  it('start each node as early as the intervals allow once the previous one is done', () => {
    // Busy 10 minutes; starts allowed in [0, 25] and [60, 60].
    const starts = [...laneStarts([iv(0, 25), iv(60, 60)], T, 10 * MINUTE)].map((t) => (t - T) / MINUTE);
    expect(starts).toEqual([0, 10, 20, 60]);
  });

  it('give the k-th finish of ceil(n / lanes) nodes per lane, or null when they do not fit', () => {
    const intervals = [iv(0, 25), iv(60, 60)];
    const bound = (nodes: number, lanes: number) =>
      lowerBound({ intervals, fromMs: T, busyMs: 10 * MINUTE, lanes, nodes });
    expect(bound(3, 1)).toBe(T + 30 * MINUTE);
    expect(bound(7, 2)).toBe(T + 70 * MINUTE);
    expect(bound(9, 2)).toBeNull();
    expect(bound(0, 1)).toBe(T);
    expect(capacityBy({ intervals, fromMs: T, busyMs: 10 * MINUTE, lanes: 3 }, T + 30 * MINUTE)).toBe(9);
  });

  it('merge overlapping and touching start intervals of several policies', () => {
    expect(
      mergeIntervals([[iv(0, 10), iv(30, 40)], [iv(5, 20)], [{ fromMs: T + 40 * MINUTE + 1, toMs: T + 50 * MINUTE }]]),
    ).toEqual([iv(0, 20), iv(30, 50)]);
  });
});

describe('the makespan bound under a fleet cap', () => {
  const load = (intervals: StartInterval[], allowed: number, nodes: number): PolicyLoad => ({
    intervals,
    busyMs: 10 * MINUTE,
    allowed,
    nodes,
  });
  // P starts in [100, 125] and [200, 225] minutes; Q only in the first 15 minutes of each (inside
  // P's); R somewhere else entirely. Busy 10 minutes, cap 2.
  const p = load([iv(100, 125), iv(200, 225)], 2, 4);
  const q = load([iv(100, 115), iv(200, 215)], 2, 2);
  const r = load([iv(0, 90)], 1, 1);

  it('binds policies that compete for the same instants', () => {
    // Alone P finishes at 120 (2 per lane: 100, 110) and the whole fleet's relaxation at 40 (R's
    // interval takes 4 per lane early), but P and Q share 2 lanes: 3 per lane, 100, 110, 120.
    expect(makespanLowerBound([p, q, r], 2, T)).toBe(T + 130 * MINUTE);
  });

  it("is each policy's own bound without a cap, and counts the budgets when they are below the cap", () => {
    expect(makespanLowerBound([p, q, r], null, T)).toBe(T + 120 * MINUTE);
    // Budgets 1 + 1 under a cap of 5: P and Q together still have only 2 lanes.
    expect(
      makespanLowerBound(
        [
          { ...p, allowed: 1 },
          { ...q, allowed: 1 },
        ],
        5,
        T,
      ),
    ).toBe(T + 210 * MINUTE);
    expect(makespanLowerBound([p, load([iv(0, 5)], 1, 3)], 2, T)).toBeNull();
  });

  it('is never later than the best schedule of a tiny fleet, found by trying every order', () => {
    const tiny = fc.record({
      intervals: fc.array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 60 })), {
        minLength: 1,
        maxLength: 3,
      }),
      busyMin: fc.integer({ min: 5, max: 40 }),
      allowed: fc.integer({ min: 1, max: 2 }),
      nodes: fc.integer({ min: 1, max: 3 }),
    });
    fc.assert(
      fc.property(fc.array(tiny, { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 3 }), (raw, cap) => {
        const loads = raw.map((x) => ({
          intervals: mergeIntervals([x.intervals.map(([from, len]) => iv(from, from + len))]),
          busyMs: x.busyMin * MINUTE,
          allowed: x.allowed,
          nodes: x.nodes,
        }));
        fc.pre(loads.reduce((n, l) => n + l.nodes, 0) <= 6);
        const best = bestSchedule(loads, cap);
        const bound = makespanLowerBound(loads, cap, T);
        if (best === null) return;
        expect(bound).not.toBeNull();
        expect(bound!).toBeLessThanOrEqual(best);
      }),
      { numRuns: 150 },
    );
  });
});

/**
 * The earliest finish of every node over all serial schedules: nodes placed one by one in a given
 * order, each at the earliest instant its start intervals, its budget and the cap allow. Every order
 * is tried; each gives a valid schedule, and some order gives an optimal one (the earliest instants
 * of every schedule are among the ones tried: an interval's start, or some node's finish).
 */
function bestSchedule(loads: readonly PolicyLoad[], cap: number): number | null {
  const nodes = loads.flatMap((l, i) => Array.from({ length: l.nodes }, () => i));
  let best: number | null = null;
  const place = (order: number[], placed: { p: number; s: number; e: number }[]): void => {
    if (order.length === nodes.length) {
      const end = Math.max(...placed.map((x) => x.e));
      best = best === null ? end : Math.min(best, end);
      return;
    }
    const used = new Map<number, number>();
    for (const i of order) used.set(i, (used.get(i) ?? 0) + 1);
    for (let p = 0; p < loads.length; p++) {
      if ((used.get(p) ?? 0) >= loads[p]!.nodes) continue;
      const t = earliest(loads[p]!, p, placed, cap);
      if (t !== null) place([...order, p], [...placed, { p, s: t, e: t + loads[p]!.busyMs }]);
    }
  };
  place([], []);
  return best;
}

function earliest(
  l: PolicyLoad,
  p: number,
  placed: readonly { p: number; s: number; e: number }[],
  cap: number,
): number | null {
  const candidates = [T, ...l.intervals.map((i) => i.fromMs), ...placed.map((x) => x.e)].sort((a, b) => a - b);
  const fits = (t: number): boolean => {
    if (t < T || !l.intervals.some((i) => i.fromMs <= t && t <= i.toMs)) return false;
    // The busy time [t, t + D) must find room at its start and wherever another node starts in it.
    for (const u of [t, ...placed.map((x) => x.s).filter((s) => s > t && s < t + l.busyMs)]) {
      const here = placed.filter((x) => x.s <= u && u < x.e);
      if (here.length >= cap || here.filter((x) => x.p === p).length >= l.allowed) return false;
    }
    return true;
  };
  return candidates.find(fits) ?? null;
}

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const policyArb = fc.record({
  days: fc.subarray(DAYS, { minLength: 1 }),
  startHour: fc.integer({ min: 0, max: 23 }),
  durationMin: fc.integer({ min: 30, max: 12 * 60 }),
  budget: fc.oneof(
    fc.integer({ min: 1, max: 4 }).map(String),
    fc.integer({ min: 5, max: 60 }).map((p) => `"${p}%"`),
  ),
  timeoutMin: fc.integer({ min: 5, max: 60 }),
  expectedMin: fc.integer({ min: 1, max: 20 }),
  delayMin: fc.constantFrom(0, 0, 7),
  nodes: fc.integer({ min: 1, max: 25 }),
});
const spec = (p: Omit<typeof policyArb extends fc.Arbitrary<infer P> ? P : never, 'nodes'>) => [
  `maxUnavailable: ${p.budget}`,
  `windows: [{ days: [${p.days.join(', ')}], start: "${String(p.startHour).padStart(2, '0')}:00", duration: ${p.durationMin}m }]`,
  `drain: { timeout: ${p.timeoutMin}m, onFailure: reboot }`,
  `reboot: { expectedDuration: ${p.expectedMin}m, delay: ${p.delayMin}m }`,
];

describe('the simulation and the bound', () => {
  it('meet exactly without a fleet cap', () => {
    fc.assert(
      fc.property(
        policyArb,
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 15 }),
        (p, drainMin, rebootMin) => {
          const f = run(fleetYaml([{ name: 'a', spec: spec(p) }]), poolNodes('a', p.nodes), {
            drainMs: drainMin * MINUTE,
            rebootMs: rebootMin * MINUTE,
            horizonMs: 60 * 24 * HOUR,
          });
          const a = f.policies[0]!;
          const bound = a.lowerBoundMs !== null && a.lowerBoundMs <= f.untilMs ? a.lowerBoundMs : null;
          expect(a.finishMs).toBe(bound);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('never beat the bound under a fleet cap shared by two policies', () => {
    fc.assert(
      fc.property(policyArb, policyArb, fc.integer({ min: 1, max: 3 }), (p, q, cap) => {
        const fleet = fleetYaml(
          [
            { name: 'a', spec: spec(p) },
            { name: 'b', spec: spec(q) },
          ],
          [`maxUnavailable: ${cap}`],
        );
        const f = run(fleet, [...poolNodes('a', p.nodes), ...poolNodes('b', q.nodes)], { horizonMs: 60 * 24 * HOUR });
        for (const x of f.policies) if (x.finishMs !== null) expect(x.finishMs).toBeGreaterThanOrEqual(x.lowerBoundMs!);
        if (f.makespanMs !== null) expect(f.makespanMs).toBeGreaterThanOrEqual(f.lowerBoundMakespanMs!);
      }),
      { numRuns: 40 },
    );
  });
});
