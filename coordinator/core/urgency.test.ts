// The grant order under a fleet cap: share of the start time until the rollout's earliest end that a
// policy's waiting nodes need; ties by the window that closes first.
import { describe, expect, it } from 'vitest';
import type { BlackoutSpec, Schedule, Weekday } from '../../policy/model.ts';
import { compileSchedule } from '../../policy/windows.ts';
import { compareUrgency, urgencies, type Demand } from './urgency.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Monday 2026-12-07 01:00 UTC. */
const NOW = Date.UTC(2026, 11, 7, 1, 0);
const EVERY_DAY: Weekday[] = [1, 2, 3, 4, 5, 6, 7];

function demand(
  policy: string,
  o: { start: number; hours: number; waiting: number; lanes?: number; days?: Weekday[]; blackouts?: BlackoutSpec[] },
): Demand {
  const schedule: Schedule = {
    timeZone: 'UTC',
    windows: [
      {
        days: o.days ?? EVERY_DAY,
        start: { hour: o.start, minute: 0 },
        end: { kind: 'duration', durationMs: o.hours * HOUR },
        timeZone: 'UTC',
      },
    ],
    blackouts: o.blackouts ?? [],
    pause: { kind: 'none' },
  };
  return { policy, schedule: compileSchedule(schedule), neededMs: 10 * MIN, lanes: o.lanes ?? 1, waiting: o.waiting };
}

const order = (ds: Demand[]) =>
  urgencies(ds, NOW)
    .sort(compareUrgency)
    .map((u) => u.policy);

describe('urgencies', () => {
  it('gives the policy that decides the end a share of 1, the others what they need of the time until then', () => {
    // crit: 30 nodes, 50 minutes of starts a night: 6 nights. easy: 6 nodes in 8-hour nights.
    const [crit, easy] = urgencies(
      [demand('crit', { start: 1, hours: 1, waiting: 30 }), demand('easy', { start: 0, hours: 9, waiting: 6 })],
      NOW,
    );
    expect(crit!.share).toBeCloseTo(1, 6);
    expect(easy!.share).toBeLessThan(0.05);
  });

  it('puts a pool with much work in a short window before one with little work in a window that closes sooner', () => {
    // Current window alone: few (1 node, 1 h left) would look more urgent than many (20 nodes, 4 h left).
    const many = demand('many', { start: 1, hours: 4, waiting: 20, days: [1, 4] });
    const few = demand('few', { start: 0, hours: 2, waiting: 1 });
    expect(order([few, many])).toEqual(['many', 'few']);
  });

  it("does not let a pool facing a blackout next week take the critical pool's slots", () => {
    // next: 10 nodes, blacked out for the next 7 days after tonight; crit needs every night for a month.
    const blackout: BlackoutSpec = {
      start: { kind: 'instant', epochMs: NOW + 12 * HOUR },
      end: { kind: 'instant', epochMs: NOW + 8 * DAY },
      reason: 'release week',
      source: 'policy',
    };
    const next = demand('next', { start: 1, hours: 3, waiting: 10, lanes: 3, blackouts: [blackout] });
    const crit = demand('crit', { start: 1, hours: 3, waiting: 200 });
    expect(order([next, crit])).toEqual(['crit', 'next']);
  });

  it('breaks ties by the window that closes first, then by name', () => {
    const a = demand('a', { start: 1, hours: 3, waiting: 2 });
    const b = demand('b', { start: 0, hours: 3, waiting: 2 });
    expect(order([a, b])).toEqual(['b', 'a']);
    expect(
      order([demand('d', { start: 1, hours: 3, waiting: 2 }), demand('c', { start: 1, hours: 3, waiting: 2 })]),
    ).toEqual(['c', 'd']);
  });
});
