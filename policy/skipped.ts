// The occurrences of a policy's windows that blackouts or the pause removed or cut short, with what
// removed them, so `windows` can say which occurrences are missing and why instead of silently
// leaving them out. An occurrence is a window as written (adjacent windows merged, as the effective
// windows are); pure, over the same interval arithmetic as policy/windows.ts.
import type { BlackoutSpec, Interval, Schedule } from './model.ts';
import { blackoutInterval, compileSchedule } from './windows.ts';

export type Removal =
  | { readonly kind: 'blackout'; readonly blackout: BlackoutSpec; readonly interval: Interval }
  | { readonly kind: 'pause'; readonly untilMs: number | null };

export interface SkippedOccurrence extends Interval {
  /** skipped: nothing of it is left; shortened: part of it is. */
  readonly effect: 'skipped' | 'shortened';
  readonly removedBy: readonly Removal[];
}

/** Occurrences that end after `fromMs` and start before `toMs` which blackouts or the pause touch. */
export function skippedOccurrences(s: Schedule, fromMs: number, toMs: number): SkippedOccurrence[] {
  if (toMs <= fromMs) return [];
  const written = compileSchedule({ ...s, blackouts: [], pause: { kind: 'none' } });
  const effective = compileSchedule(s);
  const blackouts = s.blackouts
    .map((b) => ({ kind: 'blackout' as const, blackout: b, interval: blackoutInterval(b, s.timeZone) }))
    .filter((b) => b.interval.endMs > b.interval.startMs);
  const pause: Removal | null =
    s.pause.kind === 'indefinite'
      ? { kind: 'pause', untilMs: null }
      : s.pause.kind === 'until'
        ? { kind: 'pause', untilMs: s.pause.epochMs }
        : null;
  const out: SkippedOccurrence[] = [];
  for (const o of written.effectiveWindows(fromMs, toMs)) {
    const left = effective
      .effectiveWindows(o.startMs, o.endMs)
      .reduce((sum, w) => sum + Math.min(w.endMs, o.endMs) - Math.max(w.startMs, o.startMs), 0);
    if (left >= o.endMs - o.startMs) continue;
    const paused = pause !== null && (pause.untilMs === null || pause.untilMs > o.startMs) ? [pause] : [];
    const cut = blackouts.filter((b) => b.interval.startMs < o.endMs && b.interval.endMs > o.startMs);
    out.push({
      startMs: o.startMs,
      endMs: o.endMs,
      effect: left > 0 ? 'shortened' : 'skipped',
      removedBy: [...paused, ...cut],
    });
  }
  return out;
}
