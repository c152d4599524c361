// What the forecast says about a policy's guard rails (pure): the rate limit and the canary it
// replays with the coordinator's own guards (coordinate.ts), what it assumes of them, and the lower
// bound they set on their own.
import { formatDuration } from '../../policy/duration.ts';
import type { PolicyModel } from '../../policy/model.ts';

/** Sentences for the forecast's output; empty for a policy without guard rails. */
export function guardNotes(p: PolicyModel): string[] {
  const notes: string[] = [];
  if (p.canary)
    notes.push(
      'canary first: the first node goes alone and the others start once it is back (assumed healthy: the forecast cannot know whether it will be)',
    );
  if (p.rate !== null)
    notes.push(
      `at most ${p.rate.count} start(s) per ${p.rate.periodMs === 3_600_000 ? 'hour' : formatDuration(p.rate.periodMs)} (sliding)`,
    );
  return notes;
}

/**
 * The earliest the last of `nodes` can finish under the guard rails alone, from `fromMs`: a rate of
 * `count` per `period` starts the last node no sooner than ⌊(nodes − 1) / count⌋ periods after the
 * first; a canary finishes before any other node starts. Null: no bound beyond the windows'.
 */
export function guardBoundMs(p: PolicyModel, fromMs: number, nodes: number, busyMs: number): number | null {
  if (nodes === 0) return null;
  let lastStartMs = fromMs;
  if (p.rate !== null) lastStartMs += Math.floor((nodes - 1) / p.rate.count) * p.rate.periodMs;
  if (p.canary && nodes > 1) lastStartMs = Math.max(lastStartMs, fromMs + busyMs);
  return lastStartMs === fromMs ? null : lastStartMs + busyMs;
}
