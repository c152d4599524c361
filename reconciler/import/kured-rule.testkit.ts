// kured's window rule, written for the tests from kured's documented behaviour (pkg/timewindow, the
// kured.dev configuration page, research/kured.md §1.3), independent of the converter: an instant is
// inside when the weekday of the instant is listed and start <= t <= end, where start and end are
// built on the instant's own local date with Go's time.Date, the end second counted whole (end + 1 s
// exclusive), and, when start is after end, start moved 24 h back (if t is before end) or end moved
// 24 h forward (otherwise). 24 h of elapsed time, as Go's Time.Add does.
//
// Go's time.Date resolves a local time that does not exist or exists twice through the offset in
// effect at the wall-clock value read as UTC, then re-reads it once; that is emulated here too.
import { Temporal } from 'temporal-polyfill';

export interface KuredRule {
  readonly days: ReadonlySet<number>; // Go weekdays, 0 = Sunday
  readonly startSec: number;
  readonly endSec: number;
  readonly timeZone: string;
}

interface Day {
  readonly startMs: number; // first instant of the local date
  readonly weekday: number;
  readonly openMs: number;
  readonly closeMs: number; // exclusive: the end second counted whole
  readonly wrapOpenMs: number; // start - 24 h
  readonly wrapCloseMs: number; // end + 24 h
}

const HOUR_MS = 3_600_000;

function offsetMs(epochMs: number, zone: string): number {
  return Temporal.Instant.fromEpochMilliseconds(epochMs).toZonedDateTimeISO(zone).offsetNanoseconds / 1e6;
}

/** Go's time.Date(y, m, d, sec of day, 0, zone) as epoch ms. */
export function goDate(date: Temporal.PlainDate, sec: number, zone: string): number {
  const wallMs = Date.UTC(
    date.year,
    date.month - 1,
    date.day,
    Math.floor(sec / 3600),
    Math.floor(sec / 60) % 60,
    sec % 60,
  );
  const first = offsetMs(wallMs, zone);
  const again = offsetMs(wallMs - first, zone);
  return wallMs - (again === first ? first : again);
}

/** A per-minute membership test of kured's window over [fromMs, toMs), precomputed per local date. */
export function kuredContains(rule: KuredRule, fromMs: number, toMs: number): (t: number) => boolean {
  const days: Day[] = [];
  let date = Temporal.Instant.fromEpochMilliseconds(fromMs)
    .toZonedDateTimeISO(rule.timeZone)
    .toPlainDate()
    .subtract({ days: 1 });
  for (;;) {
    const startMs = date.toZonedDateTime({ timeZone: rule.timeZone }).epochMilliseconds;
    if (startMs >= toMs) break;
    const openMs = goDate(date, rule.startSec, rule.timeZone);
    const closeMs = goDate(date, rule.endSec, rule.timeZone) + 1000;
    days.push({
      startMs,
      weekday: date.dayOfWeek % 7,
      openMs,
      closeMs,
      wrapOpenMs: openMs - 24 * HOUR_MS,
      wrapCloseMs: closeMs + 24 * HOUR_MS,
    });
    date = date.add({ days: 1 });
  }
  const wraps = rule.startSec > rule.endSec;
  let i = 0;
  return (t) => {
    while (i + 1 < days.length && days[i + 1]!.startMs <= t) i++;
    while (i > 0 && days[i]!.startMs > t) i--;
    const d = days[i]!;
    if (!rule.days.has(d.weekday)) return false;
    if (!wraps) return d.openMs <= t && t < d.closeMs;
    // Go's "t before end", end being the last nanosecond of the end second: t < closeMs in ms.
    return t < d.closeMs ? d.wrapOpenMs <= t : d.openMs <= t && t < d.wrapCloseMs;
  };
}
