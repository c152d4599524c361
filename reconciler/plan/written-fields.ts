// The plan's "fields changed", named as the policy files write them. `plan` compares the normalized
// models (so `20%` and `"20%"` or `30m` and `1800s` are no change), but people changed
// `spec.maxUnavailable`, not `budget.percent`, and `spec.windows[0].start: "22:00"`, not
// `schedule.windows[0].start.hour: 22`. Each model path maps back to the document field it came
// from, with the value shown the way it is written; changes of one field are reported once. Pure.
import { formatBudget } from '../../policy/budget.ts';
import { formatInstant, weekdayName } from '../../policy/calendar.ts';
import { formatDuration } from '../../policy/duration.ts';
import type { Budget, Pause, TimeOfDay, Weekday, WindowEnd } from '../../policy/model.ts';
import { diffValues, formatFieldPath, type FieldChange, type PathSegment } from './diff.ts';

/** Where a model path is written: the document path, how much of the model path it covers, the value as written. */
interface Written {
  readonly path: readonly (string | number)[];
  readonly covers: number;
  readonly show?: (value: unknown) => unknown;
}

const hhmm = (t: unknown) => {
  const v = t as TimeOfDay;
  return `${String(v.hour).padStart(2, '0')}:${String(v.minute).padStart(2, '0')}`;
};
const duration = (ms: unknown) => formatDuration(ms as number);
// Written as an integer or a "N%" string.
const budget = (b: unknown) =>
  (b as Budget).kind === 'count' ? (b as { count: number }).count : formatBudget(b as Budget);
const days = (d: unknown) => (d as Weekday[]).map((w) => weekdayName(w).toLowerCase());
const end = (e: unknown) => {
  const v = e as WindowEnd;
  return v.kind === 'time' ? hhmm(v.time) : duration(v.durationMs);
};
const pause = (p: unknown) => {
  const v = p as Pause;
  return v.kind === 'until' ? formatInstant(v.epochMs) : v.kind === 'indefinite';
};

/** `timeoutMs` -> `timeout` shown as a duration; other keys as they are. */
function plain(prefix: readonly (string | number)[], rest: readonly (string | number)[], covered: number): Written {
  const last = rest.at(-1);
  if (typeof last === 'string' && last.endsWith('Ms'))
    return {
      path: [...prefix, ...rest.slice(0, -1), last.slice(0, -2)],
      covers: covered + rest.length,
      show: duration,
    };
  if (last === 'gracePeriodSeconds')
    return {
      path: [...prefix, ...rest.slice(0, -1), 'gracePeriod'],
      covers: covered + rest.length,
      show: (s) => (typeof s === 'number' ? `${s}s` : null),
    };
  return { path: [...prefix, ...rest], covers: covered + rest.length };
}

/** The document field a RebootPolicy model path comes from. */
function policyField(path: readonly (string | number)[], before: unknown, after: unknown): Written {
  const [top, second, third, fourth] = path;
  const valueAt = (root: unknown, n: number) =>
    path.slice(0, n).reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], root);
  switch (top) {
    case 'budget':
      return { path: ['spec', 'maxUnavailable'], covers: 1, show: budget };
    case 'membership':
      if (second === 'selector') return { path: ['spec', 'nodeSelector'], covers: 2 };
      if (second === 'priority') return { path: ['spec', 'priority'], covers: 2 };
      return { path: ['spec', 'nodePools'], covers: 2 };
    case 'schedule':
      if (second === 'timeZone') return { path: ['spec', 'timeZone'], covers: 2 };
      if (second === 'pause') {
        const until = [before, after].some((side) => (valueAt(side, 2) as Pause | undefined)?.kind === 'until');
        return {
          path: ['spec', until ? 'pausedUntil' : 'paused'],
          covers: 2,
          show: pause,
        };
      }
      if (second === 'blackouts') return { path: ['spec', 'blackouts'], covers: 2 };
      if (second === 'windows' && typeof third === 'number') {
        const at = ['spec', 'windows', third];
        if (fourth === 'start') return { path: [...at, 'start'], covers: 4, show: hhmm };
        if (fourth === 'days') return { path: [...at, 'days'], covers: 4, show: days };
        if (fourth === 'timeZone') return { path: [...at, 'timeZone'], covers: 4 };
        if (fourth === 'end') {
          const side = (valueAt(after, 4) ?? valueAt(before, 4)) as WindowEnd;
          return {
            path: [...at, side.kind === 'time' ? 'end' : 'duration'],
            covers: 4,
            show: end,
          };
        }
        return { path: at, covers: 3 };
      }
      return { path: ['spec', 'windows'], covers: 2 };
    case 'notifications':
      if (fourth === undefined || third !== 'secretKeyRef') return { path: ['spec', ...path], covers: path.length };
      return {
        path: ['spec', 'notifications', second!, 'urlFrom', ...path.slice(2)],
        covers: path.length,
      };
    case 'blockers':
    case 'drain':
    case 'reboot':
    case 'nodeLabels':
      return plain(['spec', top], path.slice(1), 1);
    default:
      return { path: ['spec', ...path], covers: path.length };
  }
}

/** The document field a Fleet model path comes from. */
function fleetField(path: readonly (string | number)[]): Written {
  const [top] = path;
  if (top === 'budget')
    return {
      path: ['spec', 'maxUnavailable'],
      covers: 1,
      show: (b) => (b === null ? null : budget(b)),
    };
  if (top === 'blackouts') return { path: ['spec', 'blackouts'], covers: 1 };
  if (top === 'name') return { path: ['metadata', 'name'], covers: 1 };
  return plain(['spec'], path, 0);
}

const toKeys = (path: readonly PathSegment[]): (string | number)[] =>
  path.map((s) => ('index' in s ? s.index : 'name' in s ? s.name : s.key));
const toSegments = (path: readonly (string | number)[]): PathSegment[] =>
  path.map((p) => (typeof p === 'number' ? { index: p } : { key: p }));

function written(
  before: unknown,
  after: unknown,
  field: (path: readonly (string | number)[], before: unknown, after: unknown) => Written,
): FieldChange[] {
  const seen = new Set<string>();
  const out: FieldChange[] = [];
  for (const change of diffValues(before, after)) {
    const keys = toKeys(change.path);
    const w = field(keys, before, after);
    const path = toSegments(w.path);
    const id = formatFieldPath(path);
    if (seen.has(id)) continue;
    seen.add(id);
    const at = (root: unknown) =>
      keys.slice(0, w.covers).reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], root);
    const show = (v: unknown) => (v === undefined ? undefined : w.show ? w.show(v) : v);
    const [b, a] = [show(at(before)), show(at(after))];
    out.push({
      path,
      ...(b !== undefined ? { before: b } : {}),
      ...(a !== undefined ? { after: a } : {}),
    });
  }
  return out;
}

/** Changes between two normalized policies, by the RebootPolicy fields as written. */
export function writtenPolicyChanges(before: unknown, after: unknown): FieldChange[] {
  return written(before, after, policyField);
}

/** Changes between two normalized Fleets, by the Fleet fields as written. */
export function writtenFleetChanges(before: unknown, after: unknown): FieldChange[] {
  return written(before, after, (path) => fleetField(path));
}
