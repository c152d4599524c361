// The order in which waiting nodes are granted when more wait than the fleet cap allows (pure): the
// one that finishes the rollout soonest, so a pool whose window closes early is not starved by one
// whose window is long.
//
// For a policy P with w waiting nodes, L lanes (nodes of P that may be unavailable at once: its
// budget, or the fleet cap when smaller) and D per node (drain timeout plus expected reboot: the
// core knows no better), its waiting nodes need (w / L) · D of start time — time inside its windows
// with at least the start gate left. If it had every slot it can use it would be done at F(P), the
// instant by which its start time from now adds up to that need. The rollout cannot end before the
// latest F of the waiting policies, T*. P's urgency is its need over the start time it has until T*:
// the policy that decides the end has 1 (it needs every instant it has), the others less, by how much
// room they have to spare. Measured against the current window alone, a pool with much work and a
// short window looked as urgent as one with little work in it; against a fixed week ahead, a pool
// facing a blackout next week took every slot from the critical pool for a whole window
// (BENCHMARKS.md, forecast). Ties: the window that closes first, then the policy name; within a
// policy the longest waiter, then the node name (stable, so replays agree with the cluster).
import type { CompiledSchedule } from '../../policy/windows.ts';

/** The waiting nodes of one policy, as the order needs them. */
export interface Demand {
  readonly policy: string;
  readonly schedule: CompiledSchedule;
  /** Time a start needs left in its window (drain timeout + expected reboot); also D per node. */
  readonly neededMs: number;
  /** Nodes of the policy that may be unavailable at once: min(budget, fleet cap). */
  readonly lanes: number;
  readonly waiting: number;
}

/** A policy's standing in the grant order at one instant. */
export interface Urgency {
  readonly policy: string;
  /** Share of its start time until the rollout's earliest end that its waiting nodes need. */
  readonly share: number;
  /** End of its current window. */
  readonly windowEndMs: number;
}

/** How far ahead start time is counted; a policy that needs more is simply the most urgent. */
const HORIZON_MS = 400 * 86_400_000;
/** Effective windows are asked for in pieces of this length (the schedule memoizes 28-day chunks). */
const STEP_MS = 28 * 86_400_000;

/** The urgency of each demand at `nowMs` (same order as the input). */
export function urgencies(demands: readonly Demand[], nowMs: number): Urgency[] {
  const needs = demands.map((d) => (d.waiting / Math.max(1, d.lanes)) * d.neededMs);
  const endMs = Math.max(nowMs + 1, ...demands.map((d, i) => fluidFinish(d, needs[i]!, nowMs)));
  return demands.map((d, i) => ({
    policy: d.policy,
    share: needs[i]! / Math.max(1, startTime(d, nowMs, endMs)),
    windowEndMs: d.schedule.windowContaining(nowMs)?.endMs ?? nowMs,
  }));
}

/** Negative when `a` goes before `b`. */
export function compareUrgency(a: Urgency, b: Urgency): number {
  if (a.share !== b.share) return b.share - a.share;
  if (a.windowEndMs !== b.windowEndMs) return a.windowEndMs - b.windowEndMs;
  return a.policy < b.policy ? -1 : a.policy > b.policy ? 1 : 0;
}

/** Order of waiting nodes within one policy: longest waiter first, then by name. */
export function compareWaiters(a: { name: string; sinceMs: number }, b: { name: string; sinceMs: number }): number {
  if (a.sinceMs !== b.sinceMs) return a.sinceMs - b.sinceMs;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The start intervals of a demand within [fromMs, toMs): its windows less the gate, clipped. */
function* starts(d: Demand, fromMs: number, toMs: number): Generator<readonly [number, number]> {
  for (let a = fromMs; a < toMs; a += STEP_MS) {
    const b = Math.min(a + STEP_MS, toMs);
    for (const w of d.schedule.effectiveWindows(a, b)) {
      const from = Math.max(w.startMs, a);
      const to = Math.min(w.endMs - d.neededMs, b);
      if (to > from) yield [from, to];
    }
  }
}

function startTime(d: Demand, fromMs: number, toMs: number): number {
  let sum = 0;
  for (const [a, b] of starts(d, fromMs, toMs)) sum += b - a;
  return sum;
}

/** The instant by which the demand's start time from `fromMs` adds up to `needMs` (capped). */
function fluidFinish(d: Demand, needMs: number, fromMs: number): number {
  let left = needMs;
  for (const [a, b] of starts(d, fromMs, fromMs + HORIZON_MS)) {
    if (b - a >= left) return a + left;
    left -= b - a;
  }
  return fromMs + HORIZON_MS;
}
