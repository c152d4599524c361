import { describe, expect, it } from 'vitest';
import { Temporal } from 'temporal-polyfill';
import { offsetChangeNotes, parseKuredDays, parseKuredTime } from './kured-time.ts';
import { kuredContains, type KuredRule } from './kured-rule.testkit.ts';
import { importKured } from './kured-import.ts';
import { importFiles } from './kured-yaml.ts';
import { validateSources } from '../validate/validate.ts';
import { effectiveWindows } from '../../policy/windows.ts';
import type { Interval, Schedule } from '../../policy/model.ts';

const MINUTE_MS = 60_000;

/** The schedule `patchwindow windows` uses for the policy imported from these kured flags, through validate. */
function schedule(args: readonly string[]): Schedule {
  const text = `configuration:\n${args.map((a) => `  ${a}`).join('\n')}\n`;
  const result = importKured([{ file: 'values.yaml', text }], {
    fleetName: 'f',
    policyName: 'kured',
    poolLabel: 'pool',
    namespace: 'patchwindow',
    kuredNamespace: 'kube-system',
    nowMs: Date.UTC(2027, 0, 1),
  });
  expect(result.errors).toEqual([]);
  const files = importFiles(result, ['values.yaml']);
  const validated = validateSources(
    [
      { file: 'fleet.yaml', text: files.fleet },
      { file: 'kured.yaml', text: files.policy },
    ],
    { nowMs: Date.UTC(2027, 0, 1) },
  );
  expect(validated.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return validated.policySet!.policies[0]!.schedule;
}

function membership(intervals: readonly Interval[]): (t: number) => boolean {
  let i = 0;
  return (t) => {
    while (i < intervals.length && intervals[i]!.endMs <= t) i++;
    return i < intervals.length && intervals[i]!.startMs <= t;
  };
}

function compare(rule: KuredRule, args: readonly string[], year: number): { mismatches: number[]; wider: number[] } {
  const fromMs = Temporal.PlainDate.from({ year, month: 1, day: 1 }).toZonedDateTime({
    timeZone: rule.timeZone,
  }).epochMilliseconds;
  const toMs = Temporal.PlainDate.from({ year: year + 1, month: 1, day: 1 }).toZonedDateTime({
    timeZone: rule.timeZone,
  }).epochMilliseconds;
  const kured = kuredContains(rule, fromMs, toMs);
  const pw = membership(effectiveWindows(schedule(args), fromMs, toMs));
  const mismatches: number[] = [];
  const wider: number[] = [];
  for (let t = fromMs; t < toMs; t += MINUTE_MS) {
    // At the minute itself patchwindow may be closed where kured is open (kured's end second);
    // never the reverse. Half a minute in, both must agree.
    if (pw(t) && !kured(t)) wider.push(t);
    const mid = t + 30_000;
    if (pw(mid) !== kured(mid)) mismatches.push(mid);
  }
  return { mismatches, wider };
}

function nearTransition(t: number, timeZone: string): boolean {
  // From just before t, so that a change exactly at t counts as the next one.
  const z = Temporal.Instant.fromEpochMilliseconds(t - 1).toZonedDateTimeISO(timeZone);
  const near = (x: Temporal.ZonedDateTime | null): boolean =>
    x !== null && Math.abs(x.epochMilliseconds - t) <= 2 * 3_600_000;
  return near(z.getTimeZoneTransition('next')) || near(z.getTimeZoneTransition('previous'));
}

const rule = (days: string, start: string, end: string, timeZone: string): KuredRule => {
  const parsed = parseKuredDays(days.split(','));
  if ('error' in parsed) throw new Error(parsed.error);
  return { days: parsed.days, startSec: parseKuredTime(start)!, endSec: parseKuredTime(end)!, timeZone };
};

const noted = new Set<string>();

describe('kured windows become patchwindow windows that open exactly when kured would', () => {
  const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'America/Santiago'];
  const cases: [string, string, string][] = [
    ['mo,tu,we,th,fr', '22:00', '05:00'],
    ['su,mo,tu,we,th,fr,sa', '0:00', '23:59:59'],
    ['mon,tue,wed,fri', '11:59pm', '00:01am'],
    ['sa,su', '1am', '6am'],
    ['1,3,5', '13', '15:30:59'],
    ['we', '23:30', '00:30'],
    ['fr,sa,su,mo', '02:30', '02:15'],
  ];
  for (const timeZone of zones) {
    for (const [days, start, end] of cases) {
      it(`${days} ${start}-${end} in ${timeZone}, every minute of 2027`, () => {
        const r = rule(days, start, end, timeZone);
        const args = [`rebootDays: [${days}]`, `startTime: "${start}"`, `endTime: "${end}"`, `timeZone: ${timeZone}`];
        const { mismatches, wider } = compare(r, args, 2027);
        const show = (ts: number[]): string[] =>
          ts.slice(0, 5).map((t) => Temporal.Instant.fromEpochMilliseconds(t).toZonedDateTimeISO(timeZone).toString());
        const fromMs = Date.UTC(2027, 0, 1) - 86_400_000;
        const notes = offsetChangeNotes(timeZone, r.startSec, r.endSec, fromMs);
        if (notes.length === 0) {
          expect(show(wider)).toEqual([]);
          expect(show(mismatches)).toEqual([]);
        } else {
          // Only on the nights the clocks change, within two hours of the change, and the converter says so.
          const far = [...wider, ...mismatches].filter((t) => !nearTransition(t, timeZone));
          expect(show(far)).toEqual([]);
          noted.add(`${days} ${start}-${end} in ${timeZone}`);
        }
      });
    }
  }
});

describe("the issue's example: kured's weekday is the weekday of the moment", () => {
  it('mo-fr 22:00-05:00: Saturday 01:00 is outside, Monday 01:00 and Friday 23:00 inside', () => {
    const s = schedule([
      'rebootDays: [mo, tu, we, th, fr]',
      'startTime: "22:00"',
      'endTime: "05:00"',
      'timeZone: Europe/Berlin',
    ]);
    const at = (iso: string): boolean => {
      const t = Temporal.ZonedDateTime.from(`${iso}[Europe/Berlin]`).epochMilliseconds;
      return membership(effectiveWindows(s, t - 86_400_000, t + 86_400_000))(t);
    };
    // 2027-03-06 is a Saturday, 2027-03-08 a Monday, 2027-03-05 a Friday.
    expect([
      at('2027-03-06T01:00'),
      at('2027-03-08T01:00'),
      at('2027-03-05T23:00'),
      at('2027-03-08T05:00'),
      at('2027-03-07T23:00'),
    ]).toEqual([false, true, true, false, false]);
  });
});
