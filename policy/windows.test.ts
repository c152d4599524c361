// Table tests of the window math. Every expected instant is worked out by hand from the zone's
// offsets (DST dates checked once with Temporal's getTimeZoneTransition), never from this module.
//
// Offsets used below:
//   Europe/Berlin        CET +01:00, CEST +02:00; 2026-03-29 02:00 -> 03:00, 2026-10-25 03:00 -> 02:00
//   America/New_York     EST -05:00, EDT -04:00; 2026-03-08 02:00 -> 03:00, 2026-11-01 02:00 -> 01:00
//   Australia/Lord_Howe  +10:30 / +11:00;        2026-04-05 02:00 -> 01:30, 2026-10-04 02:00 -> 02:30,
//                                                2027-10-03 02:00 -> 02:30
//   America/Santiago     -04:00 / -03:00;        2026-09-06 00:00 -> 01:00 (that day has no midnight)
//   Asia/Kathmandu       +05:45, no DST
import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import type { BlackoutBound, BlackoutSpec, Interval, Pause, Schedule, Weekday, WindowSpec } from './model.ts';
import {
  blackoutInterval,
  canStart,
  compileSchedule,
  effectiveWindows,
  nextWindows,
  windowContaining,
  windowOccurrences,
} from './windows.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const ms = (iso: string): number => Temporal.Instant.from(iso).epochMilliseconds;
const iso = (epochMs: number): string => Temporal.Instant.fromEpochMilliseconds(epochMs).toString();
const spans = (intervals: readonly Interval[]): string[][] => intervals.map((i) => [iso(i.startMs), iso(i.endMs)]);
const span = (interval: Interval | undefined): string[] | undefined =>
  interval === undefined ? undefined : [iso(interval.startMs), iso(interval.endMs)];

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** `win('mon tue', '22:00-05:00', zone)` or `win('sat', '22:00+7h', zone)` (also `+90m`). */
function win(days: string, times: string, timeZone: string): WindowSpec {
  const weekdays = days.split(' ').map((d) => (DAY_NAMES.indexOf(d) + 1) as Weekday);
  const m = /^(\d\d):(\d\d)(?:-(\d\d):(\d\d)|\+(\d+)([hm]))$/.exec(times);
  if (!m || weekdays.some((d) => d < 1)) throw new Error(`bad window in test: ${days} ${times}`);
  const start = { hour: Number(m[1]), minute: Number(m[2]) };
  const end =
    m[3] !== undefined
      ? { kind: 'time' as const, time: { hour: Number(m[3]), minute: Number(m[4]) } }
      : { kind: 'duration' as const, durationMs: Number(m[5]) * (m[6] === 'h' ? HOUR : MINUTE) };
  return { days: weekdays, start, end, timeZone };
}

function schedule(
  windows: WindowSpec[],
  opts: { blackouts?: BlackoutSpec[]; pause?: Pause; timeZone?: string } = {},
): Schedule {
  return {
    timeZone: opts.timeZone ?? 'Europe/Berlin',
    windows,
    blackouts: opts.blackouts ?? [],
    pause: opts.pause ?? { kind: 'none' },
  };
}

const bound = (text: string): BlackoutBound =>
  /^\d{4}-\d\d-\d\d$/.test(text)
    ? { kind: 'date', date: text }
    : text.endsWith('Z')
      ? { kind: 'instant', epochMs: ms(text) }
      : { kind: 'local', dateTime: text };

/** A blackout from its bounds as written: `2026-06-16` (date), `2026-06-16T04:00` (local), `…Z` (instant). */
const blackout = (start: string, end: string, source: 'policy' | 'fleet' = 'policy'): BlackoutSpec => ({
  start: bound(start),
  end: bound(end),
  reason: 'test',
  source,
});

const BERLIN = 'Europe/Berlin';
// Mon-Thu 22:00-05:00 Berlin; in June (CEST) that is 20:00Z-03:00Z, Monday 2026-06-15 first.
const weeknights = win('mon tue wed thu', '22:00-05:00', BERLIN);

describe('windowOccurrences', () => {
  describe('a window that wraps midnight', () => {
    it('opens at 22:00 on each listed day and closes at 05:00 the next morning', () => {
      expect(spans(windowOccurrences(weeknights, ms('2026-06-15T00:00:00Z'), ms('2026-06-22T00:00:00Z')))).toEqual([
        ['2026-06-15T20:00:00Z', '2026-06-16T03:00:00Z'],
        ['2026-06-16T20:00:00Z', '2026-06-17T03:00:00Z'],
        ['2026-06-17T20:00:00Z', '2026-06-18T03:00:00Z'],
        ['2026-06-18T20:00:00Z', '2026-06-19T03:00:00Z'],
      ]);
    });

    it('is returned whole, not clipped, when the range starts after it opened', () => {
      const friday = win('fri', '23:00-01:00', BERLIN);
      // Saturday 2026-06-20 as a local day: 2026-06-19T22:00Z .. 2026-06-20T22:00Z.
      expect(spans(windowOccurrences(friday, ms('2026-06-19T22:00:00Z'), ms('2026-06-20T22:00:00Z')))).toEqual([
        ['2026-06-19T21:00:00Z', '2026-06-19T23:00:00Z'],
      ]);
    });

    it('is not returned when it only touches the range', () => {
      expect(windowOccurrences(weeknights, ms('2026-06-16T03:00:00Z'), ms('2026-06-16T20:00:00Z'))).toEqual([]);
    });
  });

  describe('a window whose end equals its start', () => {
    it.each([
      [
        'lasts 24 hours on an ordinary day',
        'UTC',
        '2026-06-17T00:00:00Z',
        'wed',
        '2026-06-17T06:00:00Z',
        '2026-06-18T06:00:00Z',
      ],
      [
        'lasts 25 elapsed hours across the autumn change',
        BERLIN,
        '2026-10-24T00:00:00Z',
        'sat',
        '2026-10-24T10:00:00Z',
        '2026-10-25T11:00:00Z',
      ],
      [
        'lasts 23 elapsed hours across the spring change',
        BERLIN,
        '2026-03-28T00:00:00Z',
        'sat',
        '2026-03-28T11:00:00Z',
        '2026-03-29T10:00:00Z',
      ],
    ])('%s', (_name, zone, fromIso, day, opens, closes) => {
      const w = win(day, zone === 'UTC' ? '06:00-06:00' : '12:00-12:00', zone);
      expect(spans(windowOccurrences(w, ms(fromIso), ms(fromIso) + DAY))).toEqual([[opens, closes]]);
    });
  });

  describe('a Friday-only window, fri 23:00-01:00 Berlin', () => {
    const s = schedule([win('fri', '23:00-01:00', BERLIN)]);

    it.each([
      ['seen from Thursday opens on Friday', '2026-06-18T12:00:00Z', ['2026-06-19T21:00:00Z', '2026-06-19T23:00:00Z']],
      [
        'seen from Saturday noon opens on the next Friday',
        '2026-06-20T12:00:00Z',
        ['2026-06-26T21:00:00Z', '2026-06-26T23:00:00Z'],
      ],
    ])('%s', (_name, fromIso, expected) => {
      expect(spans(nextWindows(s, ms(fromIso), 1, 14 * DAY))).toEqual([expected]);
    });

    it('contains Saturday 00:30, because the wrap belongs to the day it opens on', () => {
      expect(span(windowContaining(s, ms('2026-06-19T22:30:00Z')))).toEqual([
        '2026-06-19T21:00:00Z',
        '2026-06-19T23:00:00Z',
      ]);
    });

    it('does not contain Friday 00:30, which would be a Thursday window wrapping', () => {
      expect(windowContaining(s, ms('2026-06-18T22:30:00Z'))).toBeUndefined();
    });
  });

  describe('duration windows count elapsed time, end-time windows wall-clock time', () => {
    it.each([
      [
        'sat 22:00+7h across spring-forward closes 7 h later, at 06:00 CEST',
        '22:00+7h',
        '2026-03-28',
        '2026-03-28T21:00:00Z',
        '2026-03-29T04:00:00Z',
      ],
      [
        'sat 22:00-05:00 across spring-forward lasts only 6 h',
        '22:00-05:00',
        '2026-03-28',
        '2026-03-28T21:00:00Z',
        '2026-03-29T03:00:00Z',
      ],
      [
        'sat 22:00+7h across fall-back closes 7 h later, at 04:00 CET',
        '22:00+7h',
        '2026-10-24',
        '2026-10-24T20:00:00Z',
        '2026-10-25T03:00:00Z',
      ],
      [
        'sat 22:00-05:00 across fall-back lasts 8 h',
        '22:00-05:00',
        '2026-10-24',
        '2026-10-24T20:00:00Z',
        '2026-10-25T04:00:00Z',
      ],
    ])('%s', (_name, times, saturday, opens, closes) => {
      const w = win('sat', times, BERLIN);
      const from = ms(`${saturday}T12:00:00Z`);
      expect(spans(windowOccurrences(w, from, from + 11 * HOUR))).toEqual([[opens, closes]]);
    });

    it('finds a 7-day window that opened six days before the range', () => {
      const week = win('mon', '00:00+168h', 'UTC');
      expect(spans(windowOccurrences(week, ms('2026-06-21T12:00:00Z'), ms('2026-06-21T13:00:00Z')))).toEqual([
        ['2026-06-15T00:00:00Z', '2026-06-22T00:00:00Z'],
      ]);
    });
  });

  describe('local times at DST changes (compatible disambiguation)', () => {
    it.each([
      // Spring-forward gaps: a start inside the gap moves forward by the gap's length.
      [
        'Berlin: 02:30 in the 1 h gap opens at 03:30 CEST',
        BERLIN,
        'sun',
        '02:30-04:00',
        '2026-03-29',
        [['2026-03-29T01:30:00Z', '2026-03-29T02:00:00Z']],
      ],
      [
        'Berlin: 02:00, the first instant of the gap, opens at 03:00 CEST',
        BERLIN,
        'sun',
        '02:00-06:00',
        '2026-03-29',
        [['2026-03-29T01:00:00Z', '2026-03-29T04:00:00Z']],
      ],
      [
        'Berlin: 02:15-02:45, both in the gap, becomes 03:15-03:45 CEST',
        BERLIN,
        'sun',
        '02:15-02:45',
        '2026-03-29',
        [['2026-03-29T01:15:00Z', '2026-03-29T01:45:00Z']],
      ],
      [
        'Berlin: 02:30-03:00 moves its start past its end and has no occurrence that day',
        BERLIN,
        'sun',
        '02:30-03:00',
        '2026-03-29',
        [],
      ],
      [
        'New York: 02:15 in the 1 h gap opens at 03:15 EDT',
        'America/New_York',
        'sun',
        '02:15-04:00',
        '2026-03-08',
        [['2026-03-08T07:15:00Z', '2026-03-08T08:00:00Z']],
      ],
      [
        'Lord Howe: 02:10 in the 30 min gap opens at 02:40 +11:00',
        'Australia/Lord_Howe',
        'sun',
        '02:10-03:00',
        '2026-10-04',
        [['2026-10-03T15:40:00Z', '2026-10-03T16:00:00Z']],
      ],
      [
        'Lord Howe 2027: 02:00 opens at 02:30 +11:00',
        'Australia/Lord_Howe',
        'sun',
        '02:00-04:00',
        '2027-10-03',
        [['2027-10-02T15:30:00Z', '2027-10-02T17:00:00Z']],
      ],
      // Fall-back overlaps: an ambiguous local time is the earlier instant.
      [
        'Berlin: 02:30-03:30 opens at the first 02:30 (CEST) and lasts 2 h',
        BERLIN,
        'sun',
        '02:30-03:30',
        '2026-10-25',
        [['2026-10-25T00:30:00Z', '2026-10-25T02:30:00Z']],
      ],
      [
        'New York: 01:30+1h opens at the first 01:30 (EDT) and closes at the second',
        'America/New_York',
        'sun',
        '01:30+1h',
        '2026-11-01',
        [['2026-11-01T05:30:00Z', '2026-11-01T06:30:00Z']],
      ],
      [
        'New York: 00:30-01:30 closes at the first 01:30 (EDT)',
        'America/New_York',
        'sun',
        '00:30-01:30',
        '2026-11-01',
        [['2026-11-01T04:30:00Z', '2026-11-01T05:30:00Z']],
      ],
      [
        'Lord Howe: 01:45-02:15 opens at the first 01:45 (+11:00) and lasts 1 h',
        'Australia/Lord_Howe',
        'sun',
        '01:45-02:15',
        '2026-04-05',
        [['2026-04-04T14:45:00Z', '2026-04-04T15:45:00Z']],
      ],
      // A zone with a non-hour offset.
      [
        'Kathmandu (+05:45): mon 01:00-03:00 is Sunday evening in UTC',
        'Asia/Kathmandu',
        'mon',
        '01:00-03:00',
        '2026-06-15',
        [['2026-06-14T19:15:00Z', '2026-06-14T21:15:00Z']],
      ],
      [
        'Kathmandu (+05:45): mon 05:45 is midnight UTC',
        'Asia/Kathmandu',
        'mon',
        '05:45+1h',
        '2026-06-15',
        [['2026-06-15T00:00:00Z', '2026-06-15T01:00:00Z']],
      ],
    ])('%s', (_name, zone, day, times, date, expected) => {
      const from = ms(`${date}T00:00:00Z`) - DAY;
      expect(spans(windowOccurrences(win(day, times, zone), from, from + 3 * DAY))).toEqual(expected);
    });
  });
});

describe('blackoutInterval', () => {
  it.each([
    [
      'a date range covers whole Berlin days, the end date included',
      BERLIN,
      '2026-12-21',
      '2027-01-04',
      '2026-12-20T23:00:00Z',
      '2027-01-04T23:00:00Z',
    ],
    [
      'the spring-forward day in Berlin is 23 h long',
      BERLIN,
      '2026-03-29',
      '2026-03-29',
      '2026-03-28T23:00:00Z',
      '2026-03-29T22:00:00Z',
    ],
    [
      'the fall-back day in Berlin is 25 h long',
      BERLIN,
      '2026-10-25',
      '2026-10-25',
      '2026-10-24T22:00:00Z',
      '2026-10-25T23:00:00Z',
    ],
    [
      'the fall-back day on Lord Howe is 24.5 h long',
      'Australia/Lord_Howe',
      '2026-04-05',
      '2026-04-05',
      '2026-04-04T13:00:00Z',
      '2026-04-05T13:30:00Z',
    ],
    [
      'a Santiago day without midnight starts at 01:00',
      'America/Santiago',
      '2026-09-06',
      '2026-09-06',
      '2026-09-06T04:00:00Z',
      '2026-09-07T03:00:00Z',
    ],
    [
      'local bounds: a start in the gap moves forward, an ambiguous end is the earlier instant',
      BERLIN,
      '2026-03-29T02:30',
      '2026-10-25T02:30',
      '2026-03-29T01:30:00Z',
      '2026-10-25T00:30:00Z',
    ],
    [
      'local bounds are read in the given zone',
      'Asia/Kathmandu',
      '2026-06-15T05:45',
      '2026-06-15T06:00:00',
      '2026-06-15T00:00:00Z',
      '2026-06-15T00:15:00Z',
    ],
    [
      'instants are taken as they are',
      BERLIN,
      '2026-06-15T20:00:00Z',
      '2026-06-15T21:00:00Z',
      '2026-06-15T20:00:00Z',
      '2026-06-15T21:00:00Z',
    ],
    [
      'bounds of different kinds mix',
      BERLIN,
      '2026-06-15',
      '2026-06-15T12:00:00Z',
      '2026-06-14T22:00:00Z',
      '2026-06-15T12:00:00Z',
    ],
    [
      'an inverted blackout comes back as is, for callers to ignore',
      BERLIN,
      '2026-06-15T21:00:00Z',
      '2026-06-15T20:00:00Z',
      '2026-06-15T21:00:00Z',
      '2026-06-15T20:00:00Z',
    ],
  ])('%s', (_name, zone, start, end, expectedStart, expectedEnd) => {
    expect(span(blackoutInterval(blackout(start, end), zone))).toEqual([expectedStart, expectedEnd]);
  });
});

describe('effectiveWindows', () => {
  const juneWeek = [ms('2026-06-15T00:00:00Z'), ms('2026-06-22T00:00:00Z')] as const;

  describe('merging', () => {
    it.each([
      [
        'overlapping windows become one',
        ['20:00-23:00', '22:00-01:00'],
        [['2026-06-15T18:00:00Z', '2026-06-15T23:00:00Z']],
      ],
      [
        'touching windows become one (20:00-23:00 and 23:00-02:00)',
        ['20:00-23:00', '23:00-02:00'],
        [['2026-06-15T18:00:00Z', '2026-06-16T00:00:00Z']],
      ],
      [
        'a window inside another adds nothing',
        ['20:00-02:00', '21:00+1h'],
        [['2026-06-15T18:00:00Z', '2026-06-16T00:00:00Z']],
      ],
      [
        'windows with a gap stay apart',
        ['20:00-21:00', '21:01-22:00'],
        [
          ['2026-06-15T18:00:00Z', '2026-06-15T19:00:00Z'],
          ['2026-06-15T19:01:00Z', '2026-06-15T20:00:00Z'],
        ],
      ],
    ])('%s', (_name, times, expected) => {
      const s = schedule(times.map((t) => win('mon', t, BERLIN)));
      expect(spans(effectiveWindows(s, ...juneWeek))).toEqual(expected);
    });

    it("joins a window that wraps into the next day's window", () => {
      const s = schedule([win('mon', '22:00-05:00', BERLIN), win('tue', '05:00-07:00', BERLIN)]);
      expect(spans(effectiveWindows(s, ...juneWeek))).toEqual([['2026-06-15T20:00:00Z', '2026-06-16T05:00:00Z']]);
    });
  });

  describe('intervals are whole, not clipped to the range', () => {
    it('returns the whole window for a range inside it', () => {
      const s = schedule([weeknights]);
      expect(spans(effectiveWindows(s, ms('2026-06-15T21:00:00Z'), ms('2026-06-15T21:30:00Z')))).toEqual([
        ['2026-06-15T20:00:00Z', '2026-06-16T03:00:00Z'],
      ]);
    });

    it('follows windows merged across many days, to the blackouts either side', () => {
      // Every day 22:00-22:00 is always open; date blackouts on 10 and 20 June bound it.
      const allDays = win('mon tue wed thu fri sat sun', '22:00-22:00', BERLIN);
      const s = schedule([allDays], {
        blackouts: [blackout('2026-06-10', '2026-06-10'), blackout('2026-06-20', '2026-06-20')],
      });
      expect(spans(effectiveWindows(s, ms('2026-06-15T00:00:00Z'), ms('2026-06-15T01:00:00Z')))).toEqual([
        ['2026-06-10T22:00:00Z', '2026-06-19T22:00:00Z'],
      ]);
    });

    it('returns nothing for an empty range', () => {
      expect(effectiveWindows(schedule([weeknights]), ms('2026-06-15T21:00:00Z'), ms('2026-06-15T21:00:00Z'))).toEqual(
        [],
      );
    });
  });

  describe('blackouts (Berlin mon 22:00-05:00, 2026-06-15T20:00Z .. 2026-06-16T03:00Z)', () => {
    const monday = win('mon', '22:00-05:00', BERLIN);

    it.each([
      [
        'an instant blackout over the opening moves the start',
        blackout('2026-06-15T19:00:00Z', '2026-06-15T21:00:00Z'),
        [['2026-06-15T21:00:00Z', '2026-06-16T03:00:00Z']],
      ],
      [
        'a local blackout over the closing moves the end',
        blackout('2026-06-16T04:00', '2026-06-16T06:00'),
        [['2026-06-15T20:00:00Z', '2026-06-16T02:00:00Z']],
      ],
      [
        'a local blackout in the middle splits the window in two',
        blackout('2026-06-15T23:30', '2026-06-16T01:00'),
        [
          ['2026-06-15T20:00:00Z', '2026-06-15T21:30:00Z'],
          ['2026-06-15T23:00:00Z', '2026-06-16T03:00:00Z'],
        ],
      ],
      [
        'a date blackout of Tuesday cuts the window at local midnight',
        blackout('2026-06-16', '2026-06-16'),
        [['2026-06-15T20:00:00Z', '2026-06-15T22:00:00Z']],
      ],
      [
        'a date blackout of Monday leaves the part after midnight',
        blackout('2026-06-15', '2026-06-15'),
        [['2026-06-15T22:00:00Z', '2026-06-16T03:00:00Z']],
      ],
      ['a date blackout of both days removes it', blackout('2026-06-15', '2026-06-16'), []],
      [
        'an inverted blackout is ignored',
        blackout('2026-06-15T21:00:00Z', '2026-06-15T20:00:00Z'),
        [['2026-06-15T20:00:00Z', '2026-06-16T03:00:00Z']],
      ],
    ])('%s', (_name, b, expected) => {
      expect(spans(effectiveWindows(schedule([monday], { blackouts: [b] }), ...juneWeek))).toEqual(expected);
    });

    it('removes fleet and policy blackouts together', () => {
      const s = schedule([weeknights], {
        blackouts: [
          blackout('2026-06-16', '2026-06-16', 'policy'),
          blackout('2026-06-17T20:00:00Z', '2026-06-18T03:00:00Z', 'fleet'),
        ],
      });
      expect(spans(effectiveWindows(s, ...juneWeek))).toEqual([
        ['2026-06-15T20:00:00Z', '2026-06-15T22:00:00Z'],
        ['2026-06-16T22:00:00Z', '2026-06-17T03:00:00Z'],
        ['2026-06-18T20:00:00Z', '2026-06-19T03:00:00Z'],
      ]);
    });
  });

  describe('date blackouts on DST days cover the whole local day (daily 22:00-05:00 Berlin)', () => {
    const nightly = win('mon tue wed thu fri sat sun', '22:00-05:00', BERLIN);

    it('28-29 March 2026 (29th is 23 h) leaves Friday until midnight and Sunday from midnight', () => {
      const s = schedule([nightly], { blackouts: [blackout('2026-03-28', '2026-03-29')] });
      expect(spans(effectiveWindows(s, ms('2026-03-27T12:00:00Z'), ms('2026-03-30T12:00:00Z')))).toEqual([
        ['2026-03-27T21:00:00Z', '2026-03-27T23:00:00Z'],
        ['2026-03-29T22:00:00Z', '2026-03-30T03:00:00Z'],
      ]);
    });

    it('25 October 2026 (25 h) leaves Saturday until midnight CEST and Sunday from midnight CET', () => {
      const s = schedule([nightly], { blackouts: [blackout('2026-10-25', '2026-10-25')] });
      expect(spans(effectiveWindows(s, ms('2026-10-24T12:00:00Z'), ms('2026-10-26T12:00:00Z')))).toEqual([
        ['2026-10-24T20:00:00Z', '2026-10-24T22:00:00Z'],
        ['2026-10-25T23:00:00Z', '2026-10-26T04:00:00Z'],
      ]);
    });
  });

  describe('a window in its own time zone (New York mon 20:00-22:00, schedule zone Berlin)', () => {
    const newYorkMonday = win('mon', '20:00-22:00', 'America/New_York');

    it('opens at 20:00 New York time', () => {
      expect(spans(effectiveWindows(schedule([newYorkMonday]), ...juneWeek))).toEqual([
        ['2026-06-16T00:00:00Z', '2026-06-16T02:00:00Z'],
      ]);
    });

    it('is untouched by a date blackout of Monday, which is a Berlin day', () => {
      const s = schedule([newYorkMonday], { blackouts: [blackout('2026-06-15', '2026-06-15')] });
      expect(spans(effectiveWindows(s, ...juneWeek))).toEqual([['2026-06-16T00:00:00Z', '2026-06-16T02:00:00Z']]);
    });

    it('is removed by a date blackout of Tuesday in Berlin', () => {
      const s = schedule([newYorkMonday], { blackouts: [blackout('2026-06-16', '2026-06-16')] });
      expect(effectiveWindows(s, ...juneWeek)).toEqual([]);
    });
  });

  describe('pause', () => {
    it('paused indefinitely leaves nothing', () => {
      expect(effectiveWindows(schedule([weeknights], { pause: { kind: 'indefinite' } }), ...juneWeek)).toEqual([]);
    });

    it('pausedUntil in the middle of a window removes everything before it', () => {
      const s = schedule([weeknights], { pause: { kind: 'until', epochMs: ms('2026-06-15T23:30:00Z') } });
      expect(spans(effectiveWindows(s, ...juneWeek))).toEqual([
        ['2026-06-15T23:30:00Z', '2026-06-16T03:00:00Z'],
        ['2026-06-16T20:00:00Z', '2026-06-17T03:00:00Z'],
        ['2026-06-17T20:00:00Z', '2026-06-18T03:00:00Z'],
        ['2026-06-18T20:00:00Z', '2026-06-19T03:00:00Z'],
      ]);
    });

    it('pausedUntil at the end of a window removes all of it', () => {
      const s = schedule([win('mon', '22:00-05:00', BERLIN)], {
        pause: { kind: 'until', epochMs: ms('2026-06-16T03:00:00Z') },
      });
      expect(effectiveWindows(s, ...juneWeek)).toEqual([]);
    });
  });
});

describe('nextWindows', () => {
  const s = schedule([weeknights]);

  it('returns the next `count` windows in order', () => {
    expect(spans(nextWindows(s, ms('2026-06-17T12:00:00Z'), 3, 30 * DAY))).toEqual([
      ['2026-06-17T20:00:00Z', '2026-06-18T03:00:00Z'],
      ['2026-06-18T20:00:00Z', '2026-06-19T03:00:00Z'],
      ['2026-06-22T20:00:00Z', '2026-06-23T03:00:00Z'],
    ]);
  });

  it('puts the window containing `from` first, whole', () => {
    expect(spans(nextWindows(s, ms('2026-06-16T01:00:00Z'), 2, 30 * DAY))).toEqual([
      ['2026-06-15T20:00:00Z', '2026-06-16T03:00:00Z'],
      ['2026-06-16T20:00:00Z', '2026-06-17T03:00:00Z'],
    ]);
  });

  it('skips a window that ends exactly at `from`', () => {
    expect(spans(nextWindows(s, ms('2026-06-16T03:00:00Z'), 1, 30 * DAY))).toEqual([
      ['2026-06-16T20:00:00Z', '2026-06-17T03:00:00Z'],
    ]);
  });

  it('stops at the horizon even when fewer than `count` were found', () => {
    expect(spans(nextWindows(s, ms('2026-06-17T12:00:00Z'), 5, 2 * DAY))).toEqual([
      ['2026-06-17T20:00:00Z', '2026-06-18T03:00:00Z'],
      ['2026-06-18T20:00:00Z', '2026-06-19T03:00:00Z'],
    ]);
  });

  it('returns a window that starts before the horizon whole', () => {
    expect(spans(nextWindows(s, ms('2026-06-17T12:00:00Z'), 5, 8 * HOUR + 1))).toEqual([
      ['2026-06-17T20:00:00Z', '2026-06-18T03:00:00Z'],
    ]);
  });

  it('returns nothing and terminates when the only window is always blacked out', () => {
    const blackedOut = schedule([weeknights], {
      blackouts: [blackout('2026-01-01T00:00:00Z', '2100-01-01T00:00:00Z', 'fleet')],
    });
    expect(nextWindows(blackedOut, ms('2026-06-17T12:00:00Z'), 10, 400 * DAY)).toEqual([]);
  });

  it('returns nothing for a schedule without windows', () => {
    expect(nextWindows(schedule([]), ms('2026-06-17T12:00:00Z'), 10, 400 * DAY)).toEqual([]);
  });

  it('returns nothing for a count of zero', () => {
    expect(nextWindows(s, ms('2026-06-17T12:00:00Z'), 0, 400 * DAY)).toEqual([]);
  });

  it('lists 3000 daily windows, the last 2999 days after the first', () => {
    const daily = schedule([win('mon tue wed thu fri sat sun', '00:00-01:00', 'UTC')], { timeZone: 'UTC' });
    const windows = nextWindows(daily, ms('2026-01-01T00:30:00Z'), 3000, 10 * 365 * DAY);
    expect(windows).toHaveLength(3000);
    expect(span(windows[0])).toEqual(['2026-01-01T00:00:00Z', '2026-01-01T01:00:00Z']);
    expect(span(windows[2999])).toEqual(['2034-03-19T00:00:00Z', '2034-03-19T01:00:00Z']);
  });
});

describe('canStart', () => {
  const twoHours = 2 * HOUR;
  // Monday's window is 2026-06-15T20:00Z .. 2026-06-16T03:00Z, Tuesday's opens 2026-06-16T20:00Z.
  const mondayWindow = { startMs: ms('2026-06-15T20:00:00Z'), endMs: ms('2026-06-16T03:00:00Z') };

  it.each([
    ['starts with exactly enough time left', '2026-06-16T01:00:00Z', { ok: true, window: mondayWindow }],
    ['starts at the instant the window opens', '2026-06-15T20:00:00Z', { ok: true, window: mondayWindow }],
    [
      'waits for the next window with one ms too little left',
      '2026-06-16T01:00:00.001Z',
      { ok: false, reason: 'window-too-short', nextStartMs: ms('2026-06-16T20:00:00Z') },
    ],
    [
      'is outside at the instant the window closes',
      '2026-06-16T03:00:00Z',
      { ok: false, reason: 'outside-window', nextStartMs: ms('2026-06-16T20:00:00Z') },
    ],
    [
      'is outside at noon and names the evening start',
      '2026-06-17T12:00:00Z',
      { ok: false, reason: 'outside-window', nextStartMs: ms('2026-06-17T20:00:00Z') },
    ],
    [
      'is outside on Friday and names Monday',
      '2026-06-19T12:00:00Z',
      { ok: false, reason: 'outside-window', nextStartMs: ms('2026-06-22T20:00:00Z') },
    ],
  ])('%s', (_name, nowIso, expected) => {
    expect(canStart(schedule([weeknights]), ms(nowIso), twoHours)).toEqual(expected);
  });

  it('starts with no time needed in the last ms of a window', () => {
    expect(canStart(schedule([weeknights]), ms('2026-06-16T02:59:59.999Z'), 0)).toMatchObject({ ok: true });
  });

  describe('skips windows shorter than the time needed (mon 22:00-23:00, wed 22:00-05:00)', () => {
    const s = schedule([win('mon', '22:00-23:00', BERLIN), win('wed', '22:00-05:00', BERLIN)]);

    it.each([
      ['inside the short window', '2026-06-15T20:30:00Z', 'window-too-short'],
      ['before the short window', '2026-06-14T12:00:00Z', 'outside-window'],
    ])('%s it names the long window', (_name, nowIso, reason) => {
      expect(canStart(s, ms(nowIso), twoHours)).toEqual({ ok: false, reason, nextStartMs: ms('2026-06-17T20:00:00Z') });
    });
  });

  it('counts merged windows as one (20:00-23:00 and 23:00-02:00, 3 h needed at 22:30)', () => {
    const s = schedule([win('mon', '20:00-23:00', BERLIN), win('mon', '23:00-02:00', BERLIN)]);
    expect(canStart(s, ms('2026-06-15T20:30:00Z'), 3 * HOUR)).toEqual({
      ok: true,
      window: { startMs: ms('2026-06-15T18:00:00Z'), endMs: ms('2026-06-16T00:00:00Z') },
    });
  });

  it('is outside inside a blacked-out part of a window', () => {
    const s = schedule([weeknights], { blackouts: [blackout('2026-06-15T23:30', '2026-06-16T01:00')] });
    expect(canStart(s, ms('2026-06-15T22:00:00Z'), twoHours)).toEqual({
      ok: false,
      reason: 'outside-window',
      nextStartMs: ms('2026-06-15T23:00:00Z'),
    });
  });

  it('names no next start when no window within 400 days is long enough', () => {
    expect(canStart(schedule([weeknights]), ms('2026-06-17T12:00:00Z'), 8 * HOUR)).toEqual({
      ok: false,
      reason: 'outside-window',
    });
  });

  describe('pause', () => {
    const pausedUntil = (iso: string): Schedule =>
      schedule([weeknights], { pause: { kind: 'until', epochMs: ms(iso) } });

    it.each([
      [
        'paused indefinitely it never starts and names no next start',
        schedule([weeknights], { pause: { kind: 'indefinite' } }),
        '2026-06-15T21:00:00Z',
        twoHours,
        { ok: false, reason: 'paused' },
      ],
      [
        'paused until 23:30Z inside a window it names the end of the pause',
        pausedUntil('2026-06-15T23:30:00Z'),
        '2026-06-15T21:00:00Z',
        twoHours,
        { ok: false, reason: 'paused', nextStartMs: ms('2026-06-15T23:30:00Z') },
      ],
      [
        'paused until 23:30Z with 4 h needed it names the next whole window',
        pausedUntil('2026-06-15T23:30:00Z'),
        '2026-06-15T21:00:00Z',
        4 * HOUR,
        { ok: false, reason: 'paused', nextStartMs: ms('2026-06-16T20:00:00Z') },
      ],
      [
        'paused while outside any window it still says paused',
        pausedUntil('2026-06-20T00:00:00Z'),
        '2026-06-17T12:00:00Z',
        twoHours,
        { ok: false, reason: 'paused', nextStartMs: ms('2026-06-22T20:00:00Z') },
      ],
      [
        'once the pause has ended it starts',
        pausedUntil('2026-06-15T23:30:00Z'),
        '2026-06-16T00:00:00Z',
        twoHours,
        { ok: true, window: { startMs: ms('2026-06-15T23:30:00Z'), endMs: ms('2026-06-16T03:00:00Z') } },
      ],
    ])('%s', (_name, s, nowIso, neededMs, expected) => {
      expect(canStart(s, ms(nowIso), neededMs)).toEqual(expected);
    });
  });
});

describe('compileSchedule', () => {
  it('answers like the free functions, whatever order ranges are asked in', () => {
    const s = schedule([weeknights, win('sat', '10:00+30h', 'America/New_York')], {
      blackouts: [blackout('2026-07-01', '2026-07-03'), blackout('2026-08-10T12:00', '2026-08-11T02:00')],
      pause: { kind: 'until', epochMs: ms('2026-06-20T00:00:00Z') },
    });
    const compiled = compileSchedule(s);
    const from = ms('2026-06-01T00:00:00Z');
    const ranges = [
      [from + 60 * DAY, from + 70 * DAY],
      [from, from + 3 * DAY],
      [from + 20 * DAY, from + 90 * DAY],
      [from - 30 * DAY, from + 120 * DAY],
    ] as const;
    for (const [a, b] of ranges) expect(compiled.effectiveWindows(a, b)).toEqual(effectiveWindows(s, a, b));
    expect(compiled.nextWindows(from, 40, 200 * DAY)).toEqual(nextWindows(s, from, 40, 200 * DAY));
  });
});

// ---- Properties --------------------------------------------------------------------------------

const ZONES = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/Santiago', 'UTC'];
const RANGE_START = ms('2026-01-01T00:00:00Z');
const RANGE_DAYS = 700;

const arbWindow: fc.Arbitrary<WindowSpec> = fc.record({
  days: fc.subarray([1, 2, 3, 4, 5, 6, 7] as Weekday[], { minLength: 1 }),
  start: fc.record({ hour: fc.integer({ min: 0, max: 23 }), minute: fc.constantFrom(0, 15, 30, 45) }),
  end: fc.oneof(
    fc.record({
      kind: fc.constant('time' as const),
      time: fc.record({ hour: fc.integer({ min: 0, max: 23 }), minute: fc.constantFrom(0, 10, 30, 59) }),
    }),
    fc.record({
      kind: fc.constant('duration' as const),
      durationMs: fc.integer({ min: 1, max: 3 * 24 * 60 }).map((m) => m * MINUTE),
    }),
  ),
  timeZone: fc.constantFrom(...ZONES),
});

const plainDate = (dayOffset: number): Temporal.PlainDate =>
  Temporal.PlainDate.from('2026-01-01').add({ days: dayOffset });

const arbBlackout: fc.Arbitrary<BlackoutSpec> = fc
  .tuple(
    fc.constantFrom('date', 'local', 'instant'),
    fc.integer({ min: 0, max: RANGE_DAYS }),
    fc.integer({ min: 0, max: 10 * 24 * 60 }),
    fc.integer({ min: 0, max: 24 * 60 - 1 }),
    fc.constantFrom<'policy' | 'fleet'>('policy', 'fleet'),
  )
  .map(([kind, dayOffset, lengthMinutes, minuteOfDay, source]) => {
    const startDate = plainDate(dayOffset);
    if (kind === 'date') {
      const endDate = startDate.add({ days: Math.floor(lengthMinutes / (24 * 60 * 2)) });
      return blackout(startDate.toString(), endDate.toString(), source);
    }
    const start = startDate.toPlainDateTime().add({ minutes: minuteOfDay });
    const end = start.add({ minutes: lengthMinutes + 1 });
    if (kind === 'local') return blackout(start.toString().slice(0, 16), end.toString().slice(0, 16), source);
    return blackout(`${start.toString()}Z`, `${end.toString()}Z`, source);
  });

const arbPause: fc.Arbitrary<Pause> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'none' as const }) },
  {
    weight: 2,
    arbitrary: fc
      .integer({ min: 0, max: RANGE_DAYS * 24 })
      .map((h) => ({ kind: 'until' as const, epochMs: RANGE_START + h * HOUR })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'indefinite' as const }) },
);

const arbSchedule: fc.Arbitrary<Schedule> = fc.record({
  timeZone: fc.constantFrom(...ZONES),
  windows: fc.array(arbWindow, { minLength: 0, maxLength: 3 }),
  blackouts: fc.array(arbBlackout, { maxLength: 4 }),
  pause: arbPause,
});

const arbRange = fc
  .tuple(fc.integer({ min: 0, max: (RANGE_DAYS - 40) * 24 }), fc.integer({ min: 1, max: 30 * 24 }))
  .map(([startHour, hours]) => [RANGE_START + startHour * HOUR, RANGE_START + (startHour + hours) * HOUR] as const);

function covered(interval: Interval, by: readonly Interval[]): boolean {
  let reached = interval.startMs;
  for (const i of [...by].sort((a, b) => a.startMs - b.startMs)) {
    if (i.startMs > reached) break;
    reached = Math.max(reached, i.endMs);
    if (reached >= interval.endMs) return true;
  }
  return false;
}

describe('properties of effective windows', () => {
  it('are sorted, disjoint, not touching, within window occurrences and outside blackouts and pause', () => {
    fc.assert(
      fc.property(arbSchedule, arbRange, (s, [fromMs, toMs]) => {
        const result = effectiveWindows(s, fromMs, toMs);
        const blackouts = s.blackouts.map((b) => blackoutInterval(b, s.timeZone)).filter((b) => b.endMs > b.startMs);
        result.forEach((r, i) => {
          expect(r.endMs).toBeGreaterThan(r.startMs);
          expect(r.endMs > fromMs && r.startMs < toMs).toBe(true);
          const next = result[i + 1];
          if (next !== undefined) expect(r.endMs).toBeLessThan(next.startMs);
          const occurrences = s.windows.flatMap((w) => windowOccurrences(w, r.startMs, r.endMs));
          expect(covered(r, occurrences)).toBe(true);
          for (const b of blackouts) expect(b.startMs < r.endMs && r.startMs < b.endMs).toBe(false);
          if (s.pause.kind === 'indefinite') expect.unreachable('paused indefinitely yet effective');
          if (s.pause.kind === 'until') expect(r.startMs).toBeGreaterThanOrEqual(s.pause.epochMs);
        });
      }),
      { numRuns: 150 },
    );
  });

  it('are maximal and agree with a point-wise reading of the rules', () => {
    fc.assert(
      fc.property(
        arbSchedule,
        arbRange,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 5 }),
        (s, [fromMs, toMs], samples) => {
          const compiled = compileSchedule(s);
          const blackouts = s.blackouts.map((b) => blackoutInterval(b, s.timeZone));
          for (const r of compiled.effectiveWindows(fromMs, toMs)) {
            if (r.endMs - r.startMs > 300 * DAY) continue; // open around the clock: cut at the completion limit
            expect(compiled.windowContaining(r.startMs - 1)).toBeUndefined();
            expect(compiled.windowContaining(r.endMs)).toBeUndefined();
          }
          for (const sample of samples) {
            const t = fromMs + Math.floor(sample * (toMs - fromMs - 1));
            const inWindow = s.windows.some((w) => windowOccurrences(w, t, t + 1).length > 0);
            const inBlackout = blackouts.some((b) => b.startMs <= t && t < b.endMs);
            const paused = s.pause.kind === 'indefinite' || (s.pause.kind === 'until' && t < s.pause.epochMs);
            expect(compiled.windowContaining(t) !== undefined).toBe(inWindow && !inBlackout && !paused);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
