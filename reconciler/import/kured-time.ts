// kured's reboot window (`--reboot-days`, `--start-time`, `--end-time`, `--time-zone`) read exactly as
// kured reads it, and turned into patchwindow windows that open at the same instants. Pure.
//
// kured's rule (pkg/timewindow): an instant is inside when the weekday of the instant itself is one
// of the days and its local time is at or after start and at or before end, the end second counted
// whole; when start is after end the window wraps past midnight, still judged by the weekday of the
// instant. So "mo-fr 22:00-05:00" is open Monday 00:00-05:00 and Friday 22:00-24:00, but not Saturday
// 01:00. A patchwindow window opens on a day and runs into the next, so each kured day is split at
// midnight: the evening part of a day and the morning part of the next day are one overnight window
// when both days are listed; a listed day whose neighbour is not keeps only its own part.
import { Temporal } from 'temporal-polyfill';
import type { Weekday } from '../../policy/model.ts';

/** Seconds since local midnight. */
export type SecondOfDay = number;

const DAY_WORDS: Readonly<Record<string, number>> = {
  su: 0,
  sun: 0,
  sunday: 0,
  mo: 1,
  mon: 1,
  monday: 1,
  tu: 2,
  tue: 2,
  tuesday: 2,
  we: 3,
  wed: 3,
  wednesday: 3,
  th: 4,
  thu: 4,
  thursday: 4,
  fr: 5,
  fri: 5,
  friday: 5,
  sa: 6,
  sat: 6,
  saturday: 6,
};

/** The day names and numbers kured accepts, for error messages. */
export const KURED_DAY_FORMS = 'su/sun/sunday … sa/sat/saturday (any case) or 0-6 (0 = Sunday)';

/**
 * A kured weekday (Go `time.Weekday`, 0 = Sunday) of one `--reboot-days` item, or an error message.
 * Numbers are read like Go's strconv.Atoi (optional sign, leading zeros), names in any case.
 */
export function parseKuredDay(item: string): number | string {
  if (/^[+-]?\d+$/.test(item)) {
    const n = Number(item);
    return n >= 0 && n < 7 ? n : `"${item}" is out of range: day numbers are 0 (Sunday) to 6 (Saturday)`;
  }
  const day = DAY_WORDS[item.toLowerCase()];
  return day ?? `"${item}" is not a day kured knows; use ${KURED_DAY_FORMS}`;
}

/** The set of kured weekdays of all items; empty items are skipped as kured skips them. */
export function parseKuredDays(items: readonly string[]): { days: Set<number> } | { error: string } {
  const days = new Set<number>();
  for (const item of items) {
    if (item.length === 0) continue;
    const day = parseKuredDay(item);
    if (typeof day === 'string') return { error: day };
    days.add(day);
  }
  return { days };
}

// The layouts kured tries in order (Go reference time 15:04:05): "15:04", "15:04:05", "03:04pm",
// "15", "03pm", "3pm". Go reads "15" and "3" as one or two digits, "03", "04" and "05" as exactly
// two, and the lower-case "pm" layout accepts only "am" or "pm" in lower case.
const TIME_LAYOUTS: readonly { readonly re: RegExp; readonly twelveHour: boolean }[] = [
  { re: /^(\d{1,2}):(\d{2})()$/, twelveHour: false },
  { re: /^(\d{1,2}):(\d{2}):(\d{2})$/, twelveHour: false },
  { re: /^(\d{2}):(\d{2})()(am|pm)$/, twelveHour: true },
  { re: /^(\d{1,2})()()$/, twelveHour: false },
  { re: /^(\d{1,2})()()(am|pm)$/, twelveHour: true },
];

/** The formats kured accepts for `--start-time`/`--end-time`, for error messages. */
export const KURED_TIME_FORMS = '15:04, 15:04:05, 03:04pm, 15, 03pm or 3pm';

/** Seconds of day of a kured time of day, or undefined when kured would refuse it. */
export function parseKuredTime(text: string): SecondOfDay | undefined {
  for (const { re, twelveHour } of TIME_LAYOUTS) {
    const m = re.exec(text);
    if (!m) continue;
    let hour = Number(m[1]);
    const minute = m[2] ? Number(m[2]) : 0;
    const second = m[3] ? Number(m[3]) : 0;
    if (minute > 59 || second > 59) continue;
    if (twelveHour) {
      if (hour > 12) continue;
      if (m[4] === 'pm' && hour < 12) hour += 12;
      else if (m[4] === 'am' && hour === 12) hour = 0;
    } else if (hour > 23) continue;
    return hour * 3600 + minute * 60 + second;
  }
  return undefined;
}

/** One patchwindow window as written: ISO weekday names, `HH:MM` start and end. */
export interface WrittenWindow {
  readonly days: readonly string[];
  readonly start: string;
  readonly end: string;
}

export interface ConvertedWindow {
  /** Empty when the kured window never opens (no day, or shorter than a minute after rounding). */
  readonly windows: readonly WrittenWindow[];
  /** Why the result is not to the second what kured did; empty when exact. */
  readonly differences: readonly string[];
}

const ISO_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** The patchwindow windows that open when kured's window does (to the minute; differences stated). */
export function kuredWindows(days: ReadonlySet<number>, startSec: SecondOfDay, endSec: SecondOfDay): ConvertedWindow {
  const differences: string[] = [];
  // patchwindow windows have minute precision: open at the first whole minute inside kured's window
  // and close at the last whole minute before kured's closes (its end second is inclusive), so
  // patchwindow is never open when kured was not.
  const openMin = Math.ceil(startSec / 60);
  const closeMin = Math.floor((endSec + 1) / 60);
  if (startSec % 60 !== 0)
    differences.push(
      `start ${clock(startSec)} has seconds: the window opens at ${hhmm(openMin)}, up to a minute later than kured's`,
    );
  if ((endSec + 1) % 60 !== 0) {
    differences.push(
      `kured keeps the window open through the whole end second ${clock(endSec)}; patchwindow windows end on a minute, ${hhmm(closeMin % 1440)}, up to a minute earlier`,
    );
  }
  const sorted = [...days].sort((a, b) => isoOrder(a) - isoOrder(b));
  const names = (list: readonly number[]): string[] => list.map((d) => ISO_NAMES[d]!);
  if (sorted.length === 0) return { windows: [], differences };
  if (startSec <= endSec) {
    if (openMin >= closeMin) return { windows: [], differences };
    return { windows: [{ days: names(sorted), start: hhmm(openMin), end: hhmm(closeMin % 1440) }], differences };
  }
  // Wraps past midnight: on each listed day, [00:00, end] and [start, 24:00).
  const morning = closeMin > 0;
  const evening = openMin < 1440;
  const windows: WrittenWindow[] = [];
  if (morning && evening) {
    const overnight = sorted.filter((d) => days.has((d + 1) % 7));
    const eveningOnly = sorted.filter((d) => !days.has((d + 1) % 7));
    const morningOnly = sorted.filter((d) => !days.has((d + 6) % 7));
    if (overnight.length > 0) windows.push({ days: names(overnight), start: hhmm(openMin), end: hhmm(closeMin) });
    if (morningOnly.length > 0) windows.push({ days: names(morningOnly), start: '00:00', end: hhmm(closeMin) });
    if (eveningOnly.length > 0) windows.push({ days: names(eveningOnly), start: hhmm(openMin), end: '00:00' });
  } else if (morning) {
    windows.push({ days: names(sorted), start: '00:00', end: hhmm(closeMin) });
  } else if (evening) {
    windows.push({ days: names(sorted), start: hhmm(openMin), end: '00:00' });
  }
  return { windows, differences };
}

/** Monday first, as patchwindow lists days. */
function isoOrder(goWeekday: number): Weekday {
  return (goWeekday === 0 ? 7 : goWeekday) as Weekday;
}

function hhmm(minuteOfDay: number): string {
  const m = minuteOfDay % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/** `HH:MM:SS` of a second of day, for messages. */
export function clock(sec: SecondOfDay): string {
  return `${hhmm(Math.floor(sec / 60))}:${String(sec % 60).padStart(2, '0')}`;
}

/**
 * Where kured and patchwindow read a local time differently: on the nights the zone changes its
 * offset, a boundary of the window (start, end, or midnight where a kured day is split) that falls
 * in the skipped or repeated wall-clock span is resolved by kured through Go's time.Date (which
 * picks an offset by the zone's rules around the wall time read as UTC, and may move a missing time
 * back) and by patchwindow as RFC 5545 does (a missing time moves forward, a repeated one is the
 * earlier). Returns one sentence per affected boundary, for the year from `fromMs`.
 */
export function offsetChangeNotes(
  timeZone: string,
  startSec: SecondOfDay,
  endSec: SecondOfDay,
  fromMs: number,
): string[] {
  // Midnight is a boundary too where a kured day is split or the window runs to it.
  const touchesMidnight = startSec > endSec || startSec === 0 || endSec === 86_399;
  const boundariesSec = touchesMidnight ? [startSec, endSec, 0, 86_399] : [startSec, endSec];
  const notes = new Set<string>();
  let at = Temporal.Instant.fromEpochMilliseconds(fromMs).toZonedDateTimeISO(timeZone);
  const untilMs = fromMs + 366 * 86_400_000;
  for (;;) {
    const next = at.getTimeZoneTransition('next');
    if (next === null || next.epochMilliseconds >= untilMs) break;
    const before = next.subtract({ nanoseconds: 1 }).offsetNanoseconds / 1e9;
    const after = next.offsetNanoseconds / 1e9;
    const wall = next.toPlainTime();
    const startOfSpan = wall.hour * 3600 + wall.minute * 60 + wall.second - Math.max(0, after - before);
    const length = Math.abs(after - before);
    for (const b of boundariesSec) {
      const within = (x: number): boolean => x >= startOfSpan && x < startOfSpan + length;
      if (within(b) || within(b + 86_400) || within(b - 86_400)) {
        notes.add(
          `${clock(b % 86_400).slice(0, 5)} falls in the hour ${timeZone} ${after > before ? 'skips' : 'repeats'} when its clocks change (${next.toPlainDate().toString()}): on such nights kured (Go time.Date) and patchwindow (a missing time moves forward, a repeated one is the earlier) open or close the window at different instants`,
        );
      }
    }
    at = next;
  }
  return [...notes];
}
