// Parsing of the calendar vocabulary of policies: weekdays, times of day, dates and instants.
import { Temporal } from 'temporal-polyfill';
import type { TimeOfDay, Weekday } from './model.ts';

const DAY_NAMES: readonly (readonly [string, string])[] = [
  ['mon', 'monday'],
  ['tue', 'tuesday'],
  ['wed', 'wednesday'],
  ['thu', 'thursday'],
  ['fri', 'friday'],
  ['sat', 'saturday'],
  ['sun', 'sunday'],
];

/** ISO weekday of `mon`..`sun` or `monday`..`sunday` in any case; undefined otherwise. */
export function parseWeekday(text: string): Weekday | undefined {
  const lower = text.toLowerCase();
  const index = DAY_NAMES.findIndex(([short, long]) => lower === short || lower === long);
  return index < 0 ? undefined : ((index + 1) as Weekday);
}

/** Short name of an ISO weekday. */
export function weekdayName(day: Weekday): string {
  return DAY_NAMES[day - 1]![0];
}

/** `HH:MM` on a 24-hour clock; undefined otherwise. */
export function parseTimeOfDay(text: string): TimeOfDay | undefined {
  const match = /^(\d{2}):(\d{2})$/.exec(text);
  if (!match) return undefined;
  const hour = Number(match[1]);
  const minute = Number(match[2]);
  return hour <= 23 && minute <= 59 ? { hour, minute } : undefined;
}

/** True when the IANA time zone name is known to this runtime (case as written must be canonical or an alias). */
export function isTimeZone(name: string): boolean {
  if (name.length === 0 || name.length > 64) return false;
  try {
    Temporal.Now.instant().toZonedDateTimeISO(name);
    return true;
  } catch {
    return false;
  }
}

/** A calendar date `YYYY-MM-DD` that exists; undefined otherwise. */
export function parsePlainDate(text: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  try {
    return Temporal.PlainDate.from(text, { overflow: 'reject' }).toString();
  } catch {
    return undefined;
  }
}

/** A local date-time `YYYY-MM-DDTHH:MM[:SS]` without offset; undefined otherwise. */
export function parsePlainDateTime(text: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(text)) return undefined;
  try {
    Temporal.PlainDateTime.from(text, { overflow: 'reject' });
    return text;
  } catch {
    return undefined;
  }
}

/** Epoch ms of an RFC 3339 instant with `Z` or an offset; undefined otherwise. */
export function parseInstant(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|z|[+-]\d{2}:\d{2})$/.test(text)) return undefined;
  try {
    return Temporal.Instant.from(text).epochMilliseconds;
  } catch {
    return undefined;
  }
}

/** ISO string of an instant in UTC, to the second. */
export function formatInstant(epochMs: number): string {
  return Temporal.Instant.fromEpochMilliseconds(epochMs).toString({ smallestUnit: 'second' });
}

/** The instant as local date-time with offset in a zone, to the minute: `2026-03-29 03:00 +02:00`. */
export function formatZoned(epochMs: number, timeZone: string): string {
  const z = Temporal.Instant.fromEpochMilliseconds(epochMs).toZonedDateTimeISO(timeZone);
  const date = z.toPlainDate().toString();
  const time = z.toPlainTime().toString({ smallestUnit: 'minute' });
  return `${date} ${time} ${z.offset}`;
}
