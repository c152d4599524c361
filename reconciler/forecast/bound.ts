// The lower bound of a rollout (pure): the earliest instant by which any scheduler — not only
// patchwindow's agents — could have finished n nodes under the same windows, budgets and durations.
//
// Derivation. A node that starts (takes its slot) at s is unavailable at least until s + D, where
// D = reboot.delay + drain + reboot is its busy time (the slot is held through all three), and a
// start is allowed only at an instant s of a start interval [W.start, W.end − G] of an effective
// window W, where G = drain.timeout + reboot.expectedDuration (the start gate of DESIGN.md). With at
// most L nodes unavailable at once, the busy intervals [s, s + D) of any valid schedule overlap at
// most L deep, so they split into L lanes of non-overlapping intervals (interval graphs are
// perfect: colouring needs no more colours than the deepest overlap). One lane with k starts
// s1 < … < sk has s(i+1) ≥ s(i) + D and every s(i) inside a start interval. The greedy lane g —
// g1 the first allowed instant ≥ from, g(i+1) the first allowed instant ≥ g(i) + D — has g(i) ≤
// s(i) for every i, by induction: "first allowed instant ≥ x" grows with x. Some lane of the
// schedule carries k = ceil(n / L) nodes, so its last node finishes no sooner than g(k) + D.
// That is the bound: g(ceil(n / L)) + D.
//
// L for a policy is min(B, C): B = allowedUnavailable of its budget over its member nodes, C the
// fleet cap over every node (at most C unavailable fleet-wide implies at most C in the policy).
// Across policies the fleet cap couples them: the nodes of any set S of policies are bounded by the
// same greedy with S's start intervals merged, the shortest D in S, L = min(C, sum of S's B) and n =
// every node of S — a relaxation of each policy's constraints, so no schedule beats it either. Which
// S binds hardest: policies that compete for the same instants. The candidates are the whole fleet
// and, per policy, the policies whose start intervals all lie within its own (on the bench fleet,
// four pools sharing one 2.5-hour window three times a week); any S gives a valid bound.
import type { CompiledSchedule } from '../../policy/windows.ts';

/** A closed interval [fromMs, toMs] of instants at which a start is allowed. */
export interface StartInterval {
  readonly fromMs: number;
  readonly toMs: number;
}

/** The start intervals of a schedule between fromMs and untilMs, for a start gate of `gateMs`. */
export function startIntervals(
  schedule: CompiledSchedule,
  gateMs: number,
  fromMs: number,
  untilMs: number,
): StartInterval[] {
  // canStart holds while endMs − now ≥ gateMs; a window is half-open, so with no gate the last
  // allowed instant is one millisecond before its end.
  const out: StartInterval[] = [];
  for (const w of schedule.effectiveWindows(fromMs, untilMs)) {
    const from = Math.max(w.startMs, fromMs);
    const to = Math.min(w.endMs - Math.max(gateMs, 1), untilMs);
    if (to >= from) out.push({ fromMs: from, toMs: to });
  }
  return out;
}

/** Start intervals of several schedules as one sorted list, overlapping or touching ones merged. */
export function mergeIntervals(lists: readonly (readonly StartInterval[])[]): StartInterval[] {
  const sorted = lists.flat().sort((a, b) => a.fromMs - b.fromMs);
  const out: { fromMs: number; toMs: number }[] = [];
  for (const i of sorted) {
    const last = out.at(-1);
    if (last !== undefined && i.fromMs <= last.toMs + 1) last.toMs = Math.max(last.toMs, i.toMs);
    else out.push({ ...i });
  }
  return out;
}

/** The greedy lane: each start as early as allowed once the previous node's busy time is over. */
export function* laneStarts(intervals: readonly StartInterval[], fromMs: number, busyMs: number): Generator<number> {
  const stepMs = Math.max(1, busyMs);
  let freeMs = fromMs;
  for (const i of intervals) {
    let t = Math.max(i.fromMs, freeMs);
    for (; t <= i.toMs; t += stepMs) yield t;
    freeMs = Math.max(freeMs, t);
  }
}

export interface BoundInput {
  readonly intervals: readonly StartInterval[];
  readonly fromMs: number;
  readonly busyMs: number;
  /** Nodes that may be unavailable at once. */
  readonly lanes: number;
  readonly nodes: number;
}

/** The earliest finish of `nodes` nodes; null when the intervals do not fit them. */
export function lowerBound(b: BoundInput): number | null {
  if (b.nodes === 0) return b.fromMs;
  const k = Math.ceil(b.nodes / Math.max(1, b.lanes));
  let i = 0;
  for (const t of laneStarts(b.intervals, b.fromMs, b.busyMs)) if (++i === k) return t + b.busyMs;
  return null;
}

/** How many nodes can have finished by `untilMs` at most (every lane greedy). */
export function capacityBy(b: Omit<BoundInput, 'nodes'>, untilMs: number): number {
  let perLane = 0;
  for (const t of laneStarts(b.intervals, b.fromMs, b.busyMs)) {
    if (t + b.busyMs > untilMs) break;
    perLane++;
  }
  return perLane * b.lanes;
}

/** A policy's load for a bound: its start intervals, busy time, budget and nodes to finish. */
export interface PolicyLoad {
  readonly intervals: readonly StartInterval[];
  readonly busyMs: number;
  /** B: nodes of the policy its budget allows unavailable at once (the fleet cap is applied here). */
  readonly allowed: number;
  readonly nodes: number;
}

/** Policies beyond which nested sets are not searched (pairwise work); the bound stays valid. */
const MAX_NESTED = 200;

/**
 * The earliest instant by which every node of `loads` could have finished under a fleet cap of
 * `cap` nodes (null: none): the latest of each policy's own bound and, under a cap, the bounds of
 * the candidate sets (see the header). Null when some nodes cannot fit their start intervals.
 */
export function makespanLowerBound(loads: readonly PolicyLoad[], cap: number | null, fromMs: number): number | null {
  const c = cap ?? Infinity;
  const sets: (readonly PolicyLoad[])[] = loads.map((l) => [l]);
  if (cap !== null && loads.length > 1) {
    sets.push(loads);
    if (loads.length <= MAX_NESTED) {
      for (const p of loads) {
        const within = loads.filter((q) => contained(q.intervals, p.intervals));
        if (within.length > 1 && within.length < loads.length) sets.push(within);
      }
    }
  }
  let latest = fromMs;
  for (const s of sets) {
    const b = lowerBound({
      intervals: mergeIntervals(s.map((l) => l.intervals)),
      fromMs,
      busyMs: Math.min(...s.map((l) => l.busyMs)),
      lanes: Math.min(
        c,
        s.reduce((n, l) => n + l.allowed, 0),
      ),
      nodes: s.reduce((n, l) => n + l.nodes, 0),
    });
    if (b === null) return null;
    latest = Math.max(latest, b);
  }
  return latest;
}

/** Every interval of `inner` lies inside one of `outer` (both sorted and disjoint). */
function contained(inner: readonly StartInterval[], outer: readonly StartInterval[]): boolean {
  let j = 0;
  for (const i of inner) {
    while (j < outer.length && outer[j]!.toMs < i.fromMs) j++;
    const o = outer[j];
    if (o === undefined || o.fromMs > i.fromMs || o.toMs < i.toMs) return false;
  }
  return true;
}
