// The sliding rate window: starts leave it one by one, a restart that kept the starts decides the
// same, and the guard says when the next start fits.
import { describe, expect, it } from 'vitest';
import { decideGrants } from './grants.ts';
import { compileSchedule } from '../../policy/windows.ts';
import { pruneStarts, rateGuard, type Start } from './rate.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const NOW = Date.UTC(2026, 11, 7, 2, 0);
const PER_HOUR_2 = { count: 2, periodMs: HOUR };

describe('rateGuard', () => {
  it('leaves room while fewer starts than the limit fall in the last period', () => {
    const g = rateGuard('a', PER_HOUR_2, [{ node: 'a1', atMs: NOW - 10 * MIN }], NOW);
    expect(g).toMatchObject({ reason: 'rate-limit', room: 1, untilMs: null, nodes: ['a1'] });
  });

  it('holds when the limit is used and lifts when the oldest start leaves the sliding window', () => {
    const starts: Start[] = [
      { node: 'a2', atMs: NOW - 20 * MIN },
      { node: 'a1', atMs: NOW - 50 * MIN },
    ];
    const g = rateGuard('a', PER_HOUR_2, starts, NOW);
    expect(g).toMatchObject({ room: 0, untilMs: NOW + 10 * MIN, nodes: ['a1', 'a2'] });
    expect(g.detail).toMatch(/^rate-limit until 02:10 UTC: 2 start\(s\) per hour used by a1 at 01:10, a2 at 01:40/);
    // Sliding, not by the clock hour: at 02:10 one start fits, at 02:40 two.
    expect(rateGuard('a', PER_HOUR_2, starts, NOW + 10 * MIN).room).toBe(1);
    expect(rateGuard('a', PER_HOUR_2, starts, NOW + 40 * MIN).room).toBe(2);
  });

  it('with a limit of 1 and three starts in the window, waits for the one that makes room', () => {
    const starts = [0, 10, 20].map((m, i) => ({ node: `n${i}`, atMs: NOW - 30 * MIN + m * MIN }));
    expect(rateGuard('a', { count: 1, periodMs: HOUR }, starts, NOW).untilMs).toBe(NOW + 50 * MIN);
  });

  it('forgets starts older than the period, and everything without a limit', () => {
    const starts = [
      { node: 'old', atMs: NOW - 2 * HOUR },
      { node: 'new', atMs: NOW - MIN },
    ];
    expect(pruneStarts(PER_HOUR_2, starts, NOW)).toEqual([{ node: 'new', atMs: NOW - MIN }]);
    expect(pruneStarts(null, starts, NOW)).toEqual([]);
  });

  it('a coordinator restarted with the kept starts grants no more than the one before it would', () => {
    const policy = {
      name: 'a',
      budget: { kind: 'count', count: 5 } as const,
      schedule: compileSchedule({
        timeZone: 'UTC',
        windows: [
          {
            days: [1, 2, 3, 4, 5, 6, 7],
            start: { hour: 0, minute: 0 },
            end: { kind: 'duration', durationMs: 24 * HOUR },
            timeZone: 'UTC',
          },
        ],
        blackouts: [],
        pause: { kind: 'none' },
      }),
      neededMs: MIN,
      requestTtlMs: null,
    };
    const nodes = ['a1', 'a2', 'a3', 'a4'].map((name, i) => ({
      name,
      uid: name,
      policy: 'a',
      ready: true,
      unschedulable: false,
      cordonedByAgent: false,
      request: { sinceMs: NOW - HOUR + i, aliveMs: NOW - HOUR + i, blocked: null },
    }));
    const decide = (starts: Start[], nowMs: number) =>
      decideGrants({
        nodes,
        grants: [],
        policies: [policy],
        fleetBudget: null,
        guards: [rateGuard('a', PER_HOUR_2, starts, nowMs)],
        nowMs,
      });
    const first = decide([], NOW);
    expect(first.grant.map((g) => g.node)).toEqual(['a1', 'a2']);
    // Restarted a minute later with the two starts read back: nothing more until they leave the window.
    const kept = first.grant.map((g) => ({ node: g.node, atMs: NOW }));
    const again = decide(kept, NOW + MIN);
    expect(again.grant).toEqual([]);
    expect(again.nextChangeMs).toBe(NOW + HOUR);
    // Forgetting them (no memory) would have granted at once: the memory is what holds.
    expect(decide([], NOW + MIN).grant.length).toBe(2);
  });
});
