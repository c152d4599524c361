// Normalizing single fields (pure): durations, budgets, time zones, URLs, regular expressions and
// names. Each parses what was written, reports a problem at its path, and returns a value that lets
// checking go on.
import { parseBudget } from '../../policy/budget.ts';
import { parseDuration } from '../../policy/duration.ts';
import { dns1123LabelProblem } from '../../policy/labels.ts';
import type { Budget } from '../../policy/model.ts';
import { showValue, type FieldPath } from '../../policy/diagnostics.ts';
import { checkTimeZone } from './zones.ts';

/** Where normalize sends what it finds; `rule` names the check. */
export interface Report {
  /** `key`: the position is the key of the last path element (e.g. a bad label key), not its value. */
  error(path: FieldPath, message: string, rule: string, options?: { key?: boolean }): void;
  warning(path: FieldPath, message: string, rule: string): void;
}

/** A duration field: parsed, or reported and replaced by `fallback` so checking can go on. */
export function duration(
  report: Report,
  path: FieldPath,
  text: string | undefined,
  fallbackMs: number,
  opts: { min?: number; max?: number } = {},
): number {
  if (text === undefined) return fallbackMs;
  const ms = parseDuration(text);
  if (ms === undefined) {
    report.error(
      path,
      `${showValue(text)} is not a duration; use a number and a unit, e.g. 90s, 30m, 1h30m, 2d`,
      'duration',
    );
    return fallbackMs;
  }
  if (opts.min !== undefined && ms < opts.min) {
    const least = opts.min === 1 ? 'more than 0s' : `at least ${opts.min / 1000}s`;
    report.error(path, `${showValue(text)} is too short; it must be ${least}`, 'duration');
  } else if (opts.max !== undefined && ms > opts.max) {
    report.error(path, `${showValue(text)} is too long; use at most ${opts.max / 86_400_000}d`, 'duration');
  }
  return ms;
}

export function budget(report: Report, path: FieldPath, value: number | string | undefined, fallback: Budget): Budget {
  if (value === undefined) return fallback;
  const parsed = parseBudget(value);
  if (!parsed) {
    report.error(
      path,
      `${showValue(value)} is not a budget; use a whole number >= 1 or a percentage "1%".."100%" (quoted)`,
      'budget',
    );
    return fallback;
  }
  return parsed;
}

/** An IANA region name (zones.ts): fixed offsets are refused, legacy names warned about. */
export function timeZone(report: Report, path: FieldPath, name: string | undefined, fallback: string): string {
  if (name === undefined) return fallback;
  const check = checkTimeZone(name);
  if (!check.ok) {
    report.error(path, check.error, 'time-zone');
    return fallback;
  }
  if (check.warning !== undefined) report.warning(path, check.warning, 'time-zone-legacy');
  return name;
}

export function url(report: Report, path: FieldPath, text: string): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(text);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    report.error(path, `${showValue(text)} is not an http(s) URL; write e.g. http://prometheus.monitoring:9090`, 'url');
  } else if (parsed.username || parsed.password) {
    report.error(path, 'contains credentials; policies live in git, so credentials may not be written here', 'url');
  }
}

export function regex(report: Report, path: FieldPath, text: string | undefined): void {
  if (text === undefined) return;
  try {
    new RegExp(text, 'u');
  } catch (err: unknown) {
    report.error(
      path,
      `${showValue(text)} is not a valid regular expression (${(err as Error).message.replace(/^Invalid regular expression: /, '')})`,
      'regex',
    );
  }
}

export function name(report: Report, path: FieldPath, value: string): void {
  const problem = dns1123LabelProblem(value);
  if (problem) report.error(path, `${showValue(value)} ${problem}; it names Kubernetes objects`, 'name');
}
