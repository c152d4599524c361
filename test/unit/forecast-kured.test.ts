// The model of kured's protocol used for comparison: one lock, hourly ticks with a random phase, a
// released lock found only at a waiting node's next tick inside its window. Expected values are
// worked out from the same seeded draws the model makes, in the order it makes them: one first
// tick per node, then one post-reboot delay (30-90 s) per reboot.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../policy/random.ts';
import { simulateKured } from '../../reconciler/forecast/kured.ts';
import { compileSchedule } from '../../policy/windows.ts';
import type { WindowSpec } from '../../policy/model.ts';
import { DAY, HOUR, MINUTE, MONDAY_NOON } from './forecast-fixtures.ts';

const P = HOUR;
const BUSY = 8 * MINUTE;
const schedule = (windows: readonly WindowSpec[]) =>
  compileSchedule({ timeZone: 'UTC', windows, blackouts: [], pause: { kind: 'none' } });
const ALWAYS = schedule([
  {
    days: [1, 2, 3, 4, 5, 6, 7],
    start: { hour: 0, minute: 0 },
    end: { kind: 'duration', durationMs: DAY },
    timeZone: 'UTC',
  },
]);
const HALF_HOUR_AT_22 = schedule([
  {
    days: [1, 2, 3, 4, 5, 6, 7],
    start: { hour: 22, minute: 0 },
    end: { kind: 'duration', durationMs: 30 * MINUTE },
    timeZone: 'UTC',
  },
]);
const input = (nodes: number, s = ALWAYS, seed = 7) => ({
  policies: [{ name: 'a', schedule: s, nodes }],
  fromMs: MONDAY_NOON,
  periodMs: P,
  busyMs: BUSY,
  seed,
  untilMs: MONDAY_NOON + 30 * DAY,
});

describe('the kured model', () => {
  it("hands the lock over only at the waiting node's next tick", () => {
    const r = seededRandom(7);
    const [f1, f2] = [r(), r()].map((u) => MONDAY_NOON + P / 2 + P * u).sort((x, y) => x - y) as [number, number];
    const release1 = f1 + BUSY + 30_000 + 60_000 * r();
    // The second node's ticks are f2, f2 + P, ...: it finds the lock free at the first one after the release.
    const tick = f2 >= release1 ? f2 : f2 + Math.ceil((release1 - f2) / P) * P;
    const release2 = tick + BUSY + 30_000 + 60_000 * r();
    const result = simulateKured(input(2));
    expect(result.makespanMs).toBeCloseTo(release2 - MONDAY_NOON, 6);
    expect([result.done, result.total]).toEqual([2, 2]);
  });

  it('is reproducible for a seed', () => {
    expect(simulateKured(input(50, ALWAYS, 3))).toEqual(simulateKured(input(50, ALWAYS, 3)));
    expect(simulateKured(input(50, ALWAYS, 3)).makespanMs).not.toBe(simulateKured(input(50, ALWAYS, 4)).makespanMs);
  });

  it('ticks only inside the window: a phase past a short window never reboots the node', () => {
    const phaseOf = (seed: number) => (P / 2 + P * seededRandom(seed)()) % P;
    const inside = [1, 2, 3, 4, 5, 6, 7, 8].find((s) => phaseOf(s) < 30 * MINUTE)!;
    const outside = [1, 2, 3, 4, 5, 6, 7, 8].find((s) => phaseOf(s) >= 30 * MINUTE)!;
    const r = seededRandom(inside);
    r();
    const expected = Date.parse('2026-06-01T22:00:00Z') + phaseOf(inside) + BUSY + 30_000 + 60_000 * r();
    expect(simulateKured(input(1, HALF_HOUR_AT_22, inside)).finishMs.get('a')).toBeCloseTo(expected, 6);
    const never = simulateKured(input(1, HALF_HOUR_AT_22, outside));
    expect([never.done, never.makespanMs, never.finishMs.get('a')]).toEqual([0, null, null]);
  });
});
