// The rate limit of a policy (pure): at most `count` nodes start a reboot in any sliding `period`
// (maxPerHour, maxPerPeriod), beside the budget that limits how many are down at once. Its input is
// the list of starts the coordinator remembers (coordinator/memory.ts keeps it on a cluster object,
// so a restart does not forget the starts of the last period).
import { formatDuration } from '../../policy/duration.ts';
import type { RateLimit } from '../../policy/model.ts';
import type { GuardHold } from './model.ts';

/** A grant given: which node, when. */
export interface Start {
  readonly node: string;
  readonly atMs: number;
}

/** The starts still inside the sliding window ending at `nowMs`, oldest first. */
export function startsInWindow(limit: RateLimit, starts: readonly Start[], nowMs: number): Start[] {
  return starts.filter((s) => s.atMs > nowMs - limit.periodMs && s.atMs <= nowMs).sort((a, b) => a.atMs - b.atMs);
}

/**
 * The guard of a rate-limited policy: room for the starts left in the window, and when the oldest
 * start leaves it (more room, by time alone). A guard with room left does not hold the pool; it
 * only keeps one decision from granting more than the room.
 */
export function rateGuard(policy: string, limit: RateLimit, starts: readonly Start[], nowMs: number): GuardHold {
  const inWindow = startsInWindow(limit, starts, nowMs);
  const room = Math.max(0, limit.count - inWindow.length);
  // The start that must leave the window before one more fits.
  const blocking = inWindow[inWindow.length - limit.count];
  const untilMs = room > 0 || blocking === undefined ? null : blocking.atMs + limit.periodMs;
  const per = limit.periodMs === 3_600_000 ? 'hour' : formatDuration(limit.periodMs);
  const detail =
    untilMs === null
      ? `rate-limit: the ${room} start(s) left of ${limit.count} per ${per} are taken by this decision`
      : `rate-limit until ${hhmm(untilMs)} UTC: ${limit.count} start(s) per ${per} used by ${inWindow
          .map((s) => `${s.node} at ${hhmm(s.atMs)}`)
          .join(', ')}; the next start is possible at ${new Date(untilMs).toISOString()}`;
  return {
    policy,
    reason: 'rate-limit',
    detail,
    nodes: inWindow.map((s) => s.node),
    untilMs,
    room,
  };
}

/** The starts worth keeping: those that may still count at `nowMs` or later. */
export function pruneStarts(limit: RateLimit | null, starts: readonly Start[], nowMs: number): Start[] {
  return limit === null ? [] : startsInWindow(limit, starts, nowMs);
}

function hhmm(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}
