// Argument parsers shared by commands; they throw commander's InvalidArgumentError (exit 2).
import { InvalidArgumentError } from 'commander';
import { parseInstant } from '../policy/calendar.ts';
import { parseDuration } from '../policy/duration.ts';

export function instantArg(value: string): number {
  const ms = parseInstant(value);
  if (ms === undefined)
    throw new InvalidArgumentError('not an instant; use RFC 3339 with an offset, e.g. 2026-12-01T22:00:00Z');
  return ms;
}

export function positiveIntArg(value: string): number {
  if (!/^[1-9]\d{0,5}$/.test(value)) throw new InvalidArgumentError('not a whole number >= 1');
  return Number(value);
}

export function durationArg(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new InvalidArgumentError('not a duration; use e.g. 90s, 5m, 1h30m');
  return ms;
}
