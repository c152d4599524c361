import { describe, expect, it } from 'vitest';
import { parseGoBool, parseGoDuration, parseGoInt, splitCsv } from './go-values.ts';

describe('Go flag values as kured reads them', () => {
  it('durations', () => {
    expect(parseGoDuration('1h30m')).toBe(5_400_000);
    expect(parseGoDuration('1.5h')).toBe(5_400_000);
    expect(parseGoDuration('300ms')).toBe(300);
    expect(parseGoDuration('0')).toBe(0);
    expect(parseGoDuration('30')).toBeUndefined();
    expect(parseGoDuration('1d')).toBeUndefined();
    expect(parseGoDuration('-5s')).toBe(-5000);
  });
  it('bools and ints', () => {
    expect(parseGoBool('True')).toBe(true);
    expect(parseGoBool('yes')).toBeUndefined();
    expect(parseGoInt('-1')).toBe(-1);
    expect(parseGoInt('0x10')).toBe(16);
    expect(parseGoInt('1.5')).toBeUndefined();
  });
  it('string slices as one CSV record', () => {
    expect(splitCsv('mo,tu')).toEqual(['mo', 'tu']);
    expect(splitCsv('"a=b,c",d')).toEqual(['a=b,c', 'd']);
    expect(splitCsv('mo, tu')).toEqual(['mo', ' tu']);
    expect(splitCsv('a"b')).toBeUndefined();
    expect(splitCsv('')).toEqual([]);
  });
});
