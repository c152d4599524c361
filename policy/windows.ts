// Window math of the policy model (DESIGN.md, "Semantics that tests pin down"): weekly window
// occurrences, blackout intervals, effective windows and the start gate. Pure: instants are epoch
// milliseconds and `now` is always a parameter. Local times resolve through Temporal with the
// "compatible" disambiguation of RFC 5545: a time inside a spring-forward gap moves forward by the
// length of the gap, an ambiguous time inside a fall-back overlap takes the earlier instant.
//
// Effective windows are computed per chunk of CHUNK_MS (aligned to the epoch): each chunk holds the
// exact effective set clipped to the chunk, so chunks can be computed in any order, memoized, and
// joined again by merging pieces that touch at a chunk boundary. `compileSchedule` keeps that memo
// for one schedule; the free functions compile a throwaway one per call.

import { Temporal } from 'temporal-polyfill';
import type { BlackoutBound, BlackoutSpec, Interval, Schedule, WindowSpec } from './model.ts';

const DAY_MS = 86_400_000;
const CHUNK_MS = 28 * DAY_MS;

/**
 * Returned intervals are whole maximal effective intervals, merged across any number of windows and
 * days, with one exception: effective time that runs unbroken from the searched range to more than
 * this far before its start or after its end is cut, at least this far out. Only a schedule open
 * around the clock for over a year gets there (e.g. every day 00:00-00:00 and no blackouts).
 */
export const COMPLETION_LIMIT_MS = 400 * DAY_MS;
const COMPLETION_LIMIT_CHUNKS = Math.ceil(COMPLETION_LIMIT_MS / CHUNK_MS);

/** How far ahead `canStart` looks for `nextStartMs`. */
export const START_HORIZON_MS = 400 * DAY_MS;

/** Verdict of the start gate; `nextStartMs` is absent when nothing opens within the horizon. */
export type StartGate =
  | { readonly ok: true; readonly window: Interval }
  | {
      readonly ok: false;
      readonly reason: 'paused' | 'outside-window' | 'window-too-short';
      readonly nextStartMs?: number;
    };

/** A schedule compiled once, with memoized effective windows; same semantics as the free functions. */
export interface CompiledSchedule {
  readonly schedule: Schedule;
  effectiveWindows(fromMs: number, toMs: number): Interval[];
  nextWindows(fromMs: number, count: number, horizonMs: number): Interval[];
  windowContaining(nowMs: number): Interval | undefined;
  canStart(nowMs: number, neededMs: number): StartGate;
}

/** Every occurrence of the weekly window that overlaps [fromMs, toMs), sorted by start, not clipped. */
export function windowOccurrences(w: WindowSpec, fromMs: number, toMs: number): Interval[] {
  return occurrencesOf(compileWindow(w), fromMs, toMs);
}

/** The instants a blackout covers; date bounds are whole days in `timeZone`, the end date inclusive. */
export function blackoutInterval(b: BlackoutSpec, timeZone: string): Interval {
  // Validation rejects empty or inverted blackouts; if it was bypassed the interval comes back as
  // is (endMs <= startMs) and every consumer treats it as empty.
  return { startMs: boundMs(b.start, timeZone, 'start'), endMs: boundMs(b.end, timeZone, 'end') };
}

/**
 * The effective intervals (windows merged, minus blackouts and pause) that overlap [fromMs, toMs),
 * sorted, not clipped to the range: each is whole within COMPLETION_LIMIT_MS of the range.
 */
export function effectiveWindows(s: Schedule, fromMs: number, toMs: number): Interval[] {
  return compileSchedule(s).effectiveWindows(fromMs, toMs);
}

/** The first `count` effective intervals ending after fromMs and starting before fromMs + horizonMs. */
export function nextWindows(s: Schedule, fromMs: number, count: number, horizonMs: number): Interval[] {
  return compileSchedule(s).nextWindows(fromMs, count, horizonMs);
}

/** The effective interval with startMs <= nowMs < endMs, if any. */
export function windowContaining(s: Schedule, nowMs: number): Interval | undefined {
  return compileSchedule(s).windowContaining(nowMs);
}

/** The start gate: ok only inside an effective window with at least `neededMs` of it left. */
export function canStart(s: Schedule, nowMs: number, neededMs: number): StartGate {
  return compileSchedule(s).canStart(nowMs, neededMs);
}

/**
 * Compiles a schedule for many queries: windows and blackouts resolved once, effective windows
 * memoized per 28-day chunk (the memo grows by one small entry per chunk ever asked for; drop the
 * object to free it). Cheap to make: one per schedule, shared by every node it covers.
 */
export function compileSchedule(schedule: Schedule): CompiledSchedule {
  const windows = schedule.windows.map(compileWindow);
  const removed = mergeTouching(removedIntervals(schedule));
  const chunks = new Map<number, readonly Interval[]>();

  // The exact effective set inside chunk k, clipped to it.
  const piecesOf = (k: number): readonly Interval[] => {
    let pieces = chunks.get(k);
    if (pieces === undefined) {
      pieces = computeChunk(windows, removed, k * CHUNK_MS, (k + 1) * CHUNK_MS);
      chunks.set(k, pieces);
    }
    return pieces;
  };

  // The start of the interval that begins exactly at the start of chunk k, following it back.
  const extendBack = (k: number, startMs: number): number => {
    let start = startMs;
    for (let j = k - 1; j >= k - COMPLETION_LIMIT_CHUNKS && start === (j + 1) * CHUNK_MS; j--) {
      const last = piecesOf(j).at(-1);
      if (last === undefined || last.endMs !== start) break;
      start = last.startMs;
    }
    return start;
  };

  // Whole effective intervals in order that end after fromMs and start before startBeforeMs.
  function* walk(fromMs: number, startBeforeMs: number): Generator<Interval> {
    if (startBeforeMs <= fromMs) return;
    const k0 = Math.floor(fromMs / CHUNK_MS);
    const kMax = Math.floor((startBeforeMs + COMPLETION_LIMIT_MS) / CHUNK_MS);
    let open: { startMs: number; endMs: number } | undefined;
    for (let k = k0; k <= kMax; k++) {
      const chunkStartMs = k * CHUNK_MS;
      // Past the range only the open interval may still continue, and only if it touches this chunk.
      if (chunkStartMs >= startBeforeMs && open?.endMs !== chunkStartMs) break;
      for (const piece of piecesOf(k)) {
        if (open !== undefined && open.endMs === piece.startMs) {
          open.endMs = piece.endMs;
          continue;
        }
        if (open !== undefined && open.endMs > fromMs) yield { startMs: open.startMs, endMs: open.endMs };
        if (piece.startMs >= startBeforeMs) return;
        const startMs = k === k0 && piece.startMs === chunkStartMs ? extendBack(k, piece.startMs) : piece.startMs;
        open = { startMs, endMs: piece.endMs };
      }
    }
    if (open !== undefined && open.endMs > fromMs) yield { startMs: open.startMs, endMs: open.endMs };
  }

  const take = (from: number, startBefore: number, count: number): Interval[] => {
    const out: Interval[] = [];
    if (count <= 0) return out;
    for (const interval of walk(from, startBefore)) {
      out.push(interval);
      if (out.length >= count) break;
    }
    return out;
  };

  const windowContaining = (nowMs: number): Interval | undefined => take(nowMs, nowMs + 1, 1)[0];

  const pausedAt = (nowMs: number): boolean =>
    schedule.pause.kind === 'indefinite' || (schedule.pause.kind === 'until' && nowMs < schedule.pause.epochMs);

  return {
    schedule,
    effectiveWindows: (fromMs, toMs) => take(fromMs, toMs, Infinity),
    nextWindows: (fromMs, count, horizonMs) => take(fromMs, fromMs + horizonMs, count),
    windowContaining,
    canStart(nowMs, neededMs) {
      const current = windowContaining(nowMs);
      if (current !== undefined && current.endMs - nowMs >= neededMs) return { ok: true, window: current };
      // Paused wins over the other reasons whenever the pause covers now: it removes everything
      // before its end, so it is what keeps now out of any window, open or not.
      const reason = pausedAt(nowMs) ? 'paused' : current !== undefined ? 'window-too-short' : 'outside-window';
      // Time left in the current window only shrinks, so the next chance is a later window's start.
      if (schedule.pause.kind !== 'indefinite') {
        for (const next of walk(nowMs, nowMs + START_HORIZON_MS)) {
          if (next.startMs > nowMs && next.endMs - next.startMs >= neededMs) {
            return { ok: false, reason, nextStartMs: next.startMs };
          }
        }
      }
      return { ok: false, reason };
    },
  };
}

interface CompiledWindow {
  readonly timeZone: string;
  /** onDay[d] for ISO weekday d (index 0 unused). */
  readonly onDay: readonly boolean[];
  readonly start: Temporal.PlainTime;
  readonly end: { readonly time: Temporal.PlainTime; readonly nextDay: boolean } | { readonly durationMs: number };
  /** Dates before a range to scan so that a long occurrence opening earlier is still found. */
  readonly lookbackDays: number;
}

function compileWindow(w: WindowSpec): CompiledWindow {
  const start = new Temporal.PlainTime(w.start.hour, w.start.minute);
  const onDay = Array.from({ length: 8 }, (_, d) => w.days.some((day) => day === d));
  if (w.end.kind === 'duration') {
    const lookbackDays = Math.ceil(w.end.durationMs / DAY_MS) + 2;
    return { timeZone: w.timeZone, onDay, start, end: { durationMs: w.end.durationMs }, lookbackDays };
  }
  const time = new Temporal.PlainTime(w.end.time.hour, w.end.time.minute);
  // A wall-clock end is at most one date later; two more days cover gaps and offset changes.
  const end = { time, nextDay: Temporal.PlainTime.compare(time, start) <= 0 };
  return { timeZone: w.timeZone, onDay, start, end, lookbackDays: 3 };
}

function occurrencesOf(w: CompiledWindow, fromMs: number, toMs: number): Interval[] {
  const out: Interval[] = [];
  if (toMs <= fromMs || !w.onDay.includes(true)) return out;
  const first = localDate(fromMs, w.timeZone).subtract({ days: w.lookbackDays });
  const dayCount = first.until(localDate(toMs, w.timeZone)).days + 1;
  let weekday = first.dayOfWeek;
  for (let i = 0; i <= dayCount; i++, weekday = (weekday % 7) + 1) {
    if (!w.onDay[weekday]) continue;
    const date = first.add({ days: i });
    const startMs = localMs(date, w.start, w.timeZone);
    const endMs =
      'durationMs' in w.end
        ? startMs + w.end.durationMs
        : localMs(w.end.nextDay ? date.add({ days: 1 }) : date, w.end.time, w.timeZone);
    // Both ends inside one spring-forward gap can make an occurrence empty or inverted: it has no
    // instants, so it is not an occurrence.
    if (endMs > startMs && endMs > fromMs && startMs < toMs) out.push({ startMs, endMs });
  }
  return out.sort(byStart);
}

function localDate(epochMs: number, timeZone: string): Temporal.PlainDate {
  return Temporal.Instant.fromEpochMilliseconds(epochMs).toZonedDateTimeISO(timeZone).toPlainDate();
}

function localMs(date: Temporal.PlainDate, time: Temporal.PlainTime, timeZone: string): number {
  return date.toPlainDateTime(time).toZonedDateTime(timeZone, { disambiguation: 'compatible' }).epochMilliseconds;
}

function boundMs(bound: BlackoutBound, timeZone: string, side: 'start' | 'end'): number {
  switch (bound.kind) {
    case 'instant':
      return bound.epochMs;
    case 'local':
      return Temporal.PlainDateTime.from(bound.dateTime).toZonedDateTime(timeZone, { disambiguation: 'compatible' })
        .epochMilliseconds;
    case 'date': {
      // Start of day, not local midnight: in some zones midnight falls into a gap on DST days.
      const date = Temporal.PlainDate.from(bound.date);
      const day = side === 'start' ? date : date.add({ days: 1 });
      return day.toZonedDateTime({ timeZone }).startOfDay().epochMilliseconds;
    }
  }
}

/** Blackouts and the pause as intervals of removed time, sorted; empty blackouts dropped. */
function removedIntervals(s: Schedule): Interval[] {
  const out = s.blackouts.map((b) => blackoutInterval(b, s.timeZone)).filter((i) => i.endMs > i.startMs);
  if (s.pause.kind === 'indefinite') out.push({ startMs: -Infinity, endMs: Infinity });
  if (s.pause.kind === 'until') out.push({ startMs: -Infinity, endMs: s.pause.epochMs });
  return out.sort(byStart);
}

function computeChunk(
  windows: readonly CompiledWindow[],
  removed: readonly Interval[],
  chunkStartMs: number,
  chunkEndMs: number,
): Interval[] {
  const cuts = removed.filter((r) => r.endMs > chunkStartMs && r.startMs < chunkEndMs);
  // A chunk removed as a whole (long blackout, pause) needs no time zone work at all.
  if (cuts.some((r) => r.startMs <= chunkStartMs && r.endMs >= chunkEndMs)) return [];
  const occurrences = windows
    .flatMap((w) => occurrencesOf(w, chunkStartMs, chunkEndMs))
    .map((o) => ({ startMs: Math.max(o.startMs, chunkStartMs), endMs: Math.min(o.endMs, chunkEndMs) }))
    .sort(byStart);
  return subtract(mergeTouching(occurrences), cuts);
}

/** Sorted input; overlapping or touching intervals merged. */
function mergeTouching(sorted: readonly Interval[]): Interval[] {
  const out: { startMs: number; endMs: number }[] = [];
  for (const { startMs, endMs } of sorted) {
    const last = out.at(-1);
    if (last !== undefined && startMs <= last.endMs) last.endMs = Math.max(last.endMs, endMs);
    else out.push({ startMs, endMs });
  }
  return out;
}

/** `from` minus `cuts`; both sorted and disjoint. */
function subtract(from: readonly Interval[], cuts: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let c = 0;
  for (const interval of from) {
    let startMs = interval.startMs;
    while (c < cuts.length && cuts[c]!.endMs <= startMs) c++;
    for (let i = c; i < cuts.length && cuts[i]!.startMs < interval.endMs; i++) {
      const cut = cuts[i]!;
      if (cut.startMs > startMs) out.push({ startMs, endMs: cut.startMs });
      startMs = Math.max(startMs, cut.endMs);
    }
    if (startMs < interval.endMs) out.push({ startMs, endMs: interval.endMs });
  }
  return out;
}

function byStart(a: Interval, b: Interval): number {
  return a.startMs - b.startMs || a.endMs - b.endMs;
}
