// Normalizing windows and blackouts (pure): times of day, weekdays, end or duration, date and instant
// bounds read in the policy's zone (DESIGN.md "Semantics that tests pin down").
import type { RebootPolicy } from '../../policy/generated/rebootpolicy.ts';
import {
  parseInstant,
  parsePlainDate,
  parsePlainDateTime,
  parseTimeOfDay,
  parseWeekday,
} from '../../policy/calendar.ts';
import { blackoutInterval } from '../../policy/windows.ts';
import type { BlackoutBound, BlackoutSpec, WindowSpec, Weekday } from '../../policy/model.ts';
import { duration, timeZone, type Report } from './normalize-fields.ts';
import { showValue, type FieldPath } from '../../policy/diagnostics.ts';

export const MAX_WINDOW_MS = 7 * 86_400_000;

export function blackoutBound(report: Report, path: FieldPath, text: string): BlackoutBound | undefined {
  const date = parsePlainDate(text);
  if (date) return { kind: 'date', date };
  const local = parsePlainDateTime(text);
  if (local) return { kind: 'local', dateTime: local };
  const epochMs = parseInstant(text);
  if (epochMs !== undefined) return { kind: 'instant', epochMs };
  report.error(
    path,
    `${showValue(text)} is not a date or instant; use YYYY-MM-DD, YYYY-MM-DDTHH:MM (local) or an RFC 3339 instant such as 2026-12-21T18:00:00Z`,
    'blackout',
  );
  return undefined;
}

/** Blackouts of a policy or the fleet; bounds are compared in `zone` when they are local. */
export function blackouts(
  report: Report,
  path: FieldPath,
  written: readonly { start: string; end: string; reason?: string }[] | undefined,
  source: 'policy' | 'fleet',
  compare: (start: BlackoutBound, end: BlackoutBound) => boolean,
): BlackoutSpec[] {
  const out: BlackoutSpec[] = [];
  (written ?? []).forEach((b, i) => {
    const start = blackoutBound(report, [...path, i, 'start'], b.start);
    const end = blackoutBound(report, [...path, i, 'end'], b.end);
    if (!start || !end) return;
    // A Fleet blackout's dates and local times are read in each policy's zone, its instants are not:
    // with one of each, the order checked here (in UTC) can be reversed in some zones, and the blackout
    // would then be silently empty there.
    if (source === 'fleet' && (start.kind === 'instant') !== (end.kind === 'instant')) {
      report.error(
        [...path, i],
        `mixes an instant with a date or local time (start ${showValue(b.start)}, end ${showValue(b.end)}); a Fleet blackout's dates and local times apply in each policy's time zone, so use bounds of one kind: both instants, or both dates/local times`,
        'blackout',
      );
      return;
    }
    if (!compare(start, end)) {
      report.error(
        [...path, i, 'end'],
        `${showValue(b.end)} is before start ${showValue(b.start)}; the end of a blackout may not come before its start`,
        'blackout',
      );
      return;
    }
    out.push({ start, end, reason: b.reason ?? '', source });
  });
  return out;
}

/** Whether a blackout's start is not after its end, reading local and date bounds in `zone`. */
export function boundsOrdered(zone: string): (start: BlackoutBound, end: BlackoutBound) => boolean {
  return (start, end) => {
    const interval = blackoutInterval({ start, end, reason: '', source: 'policy' }, zone);
    return interval.endMs >= interval.startMs;
  };
}

export function timeOfDay(report: Report, path: FieldPath, text: string): ReturnType<typeof parseTimeOfDay> {
  const time = parseTimeOfDay(text);
  if (!time) report.error(path, `${showValue(text)} is not a time of day; use HH:MM (00:00-23:59)`, 'time-of-day');
  return time;
}

export function windows(report: Report, written: RebootPolicy['spec']['windows'], zone: string): WindowSpec[] {
  const out: WindowSpec[] = [];
  written.forEach((w, i) => {
    const at: FieldPath = ['spec', 'windows', i];
    const days = new Set<Weekday>();
    w.days.forEach((d, j) => {
      const day = parseWeekday(d);
      if (day === undefined)
        report.error(
          [...at, 'days', j],
          `${showValue(d)} is not a day; use mon, tue, wed, thu, fri, sat, sun (or the full names)`,
          'weekday',
        );
      else days.add(day);
    });
    const start = timeOfDay(report, [...at, 'start'], w.start);
    const windowZone = timeZone(report, [...at, 'timeZone'], w.timeZone, zone);
    let end: WindowSpec['end'] | undefined;
    if (w.end !== undefined && w.duration !== undefined) {
      report.error([...at, 'duration'], 'has both end and duration; keep exactly one of them', 'window-end');
    } else if (w.end === undefined && w.duration === undefined) {
      report.error(at, 'has neither end nor duration; add end: "HH:MM" or duration: e.g. 7h', 'window-end');
    } else if (w.end !== undefined) {
      const time = timeOfDay(report, [...at, 'end'], w.end);
      if (time) end = { kind: 'time', time };
    } else {
      const ms = duration(report, [...at, 'duration'], w.duration, -1, { min: 1, max: MAX_WINDOW_MS });
      if (ms > 0 && ms <= MAX_WINDOW_MS) end = { kind: 'duration', durationMs: ms };
    }
    if (start && end && days.size > 0) {
      out.push({ days: [...days].sort((x, y) => x - y), start, end, timeZone: windowZone });
    }
  });
  return out;
}
