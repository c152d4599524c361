import { describe, expect, it } from 'vitest';
import { kuredWindows, parseKuredDay, parseKuredDays, parseKuredTime } from './kured-time.ts';

describe('kured time formats (the layouts kured tries: 15:04, 15:04:05, 03:04pm, 15, 03pm, 3pm)', () => {
  const accepted: [string, string][] = [
    ['0:00', '00:00:00'],
    ['22:00', '22:00:00'],
    ['9:05', '09:05:00'],
    ['23:59:59', '23:59:59'],
    ['05:00:30', '05:00:30'],
    ['11:59pm', '23:59:00'],
    ['00:01am', '00:01:00'],
    ['12:30am', '00:30:00'],
    ['12:30pm', '12:30:00'],
    ['15', '15:00:00'],
    ['7', '07:00:00'],
    ['03pm', '15:00:00'],
    ['3pm', '15:00:00'],
    ['12am', '00:00:00'],
    ['10am', '10:00:00'],
  ];
  for (const [text, expected] of accepted) {
    it(`reads "${text}" as ${expected}`, () => {
      const sec = parseKuredTime(text);
      expect(sec).toBeDefined();
      const s = sec!;
      expect(
        `${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`,
      ).toBe(expected);
    });
  }
  // What Go's time.Parse refuses with each layout: kured would not start.
  for (const text of [
    '24:00',
    '3:30pm',
    '11:59PM',
    '22:5',
    '22:00:60',
    '13pm',
    '',
    ' 22:00',
    '22h',
    '10:00 pm',
    '123',
  ]) {
    it(`refuses "${text}" as kured does`, () => expect(parseKuredTime(text)).toBeUndefined());
  }
});

describe('kured day names and numbers', () => {
  const names: [string, number][] = [
    ['su', 0],
    ['sun', 0],
    ['sunday', 0],
    ['mo', 1],
    ['mon', 1],
    ['monday', 1],
    ['tu', 2],
    ['tue', 2],
    ['tuesday', 2],
    ['we', 3],
    ['wed', 3],
    ['wednesday', 3],
    ['th', 4],
    ['thu', 4],
    ['thursday', 4],
    ['fr', 5],
    ['fri', 5],
    ['friday', 5],
    ['sa', 6],
    ['sat', 6],
    ['saturday', 6],
    ['MO', 1],
    ['Friday', 5],
    ['0', 0],
    ['6', 6],
    ['03', 3],
    ['+2', 2],
  ];
  for (const [text, day] of names) it(`reads "${text}" as weekday ${day}`, () => expect(parseKuredDay(text)).toBe(day));
  for (const text of ['7', '-1', 'mond', ' tu', 'lu'])
    it(`refuses "${text}"`, () => expect(typeof parseKuredDay(text)).toBe('string'));
  it('skips empty items and an empty list means no day at all', () => {
    expect(parseKuredDays(['', 'mo', ''])).toEqual({ days: new Set([1]) });
    expect(parseKuredDays([])).toEqual({ days: new Set() });
    expect(kuredWindows(new Set(), 0, 86_399).windows).toEqual([]);
  });
});

describe('kured windows split at midnight by the weekday of the instant', () => {
  it('mo-fr 22:00-05:00: Monday morning and Friday evening alone, Mon-Thu nights whole', () => {
    expect(kuredWindows(new Set([1, 2, 3, 4, 5]), 22 * 3600, 5 * 3600).windows).toEqual([
      { days: ['mon', 'tue', 'wed', 'thu'], start: '22:00', end: '05:00' },
      { days: ['mon'], start: '00:00', end: '05:00' },
      { days: ['fri'], start: '22:00', end: '00:00' },
    ]);
  });
  it('every day 0:00-23:59:59 is open around the clock, exactly', () => {
    expect(kuredWindows(new Set([0, 1, 2, 3, 4, 5, 6]), 0, 86_399)).toEqual({
      windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '00:00' }],
      differences: [],
    });
  });
  it('an end on a minute says that kured keeps its end second', () => {
    expect(kuredWindows(new Set([1]), 3600, 5 * 3600).differences).toEqual([
      expect.stringContaining('through the whole end second 05:00:00'),
    ]);
  });
});
