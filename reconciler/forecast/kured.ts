// A model of kured's reboot protocol, for comparing rollouts (pure; seeded, so reproducible).
// Facts from research/kured.md §2.1-2.3, not its code:
//  - one lock for the whole fleet, held from acquisition through drain and reboot;
//  - each node's loop ticks every --period, the first tick at a uniformly random point between
//    period/2 and 3·period/2 after the pod starts, strictly periodic after that;
//  - at a tick the node takes the lock only when it is inside its window and the lock is free;
//    nobody is told of a release: a waiting node finds the lock free at its own next tick;
//  - after the reboot the new pod's startup tick (a 1-minute jittered ticker: 30-90 s) uncordons
//    the node and releases the lock.
// For fairness the windows are patchwindow's effective windows (blackouts included) and kured gets
// no start gate: a node may start late in a window and run past its end.
import type { CompiledSchedule } from '../../policy/windows.ts';
import { seededRandom } from '../../policy/random.ts';

export interface KuredPolicy {
  readonly name: string;
  readonly schedule: CompiledSchedule;
  /** Nodes that need a reboot. */
  readonly nodes: number;
}

export interface KuredInput {
  readonly policies: readonly KuredPolicy[];
  /** When every kured pod starts. */
  readonly fromMs: number;
  readonly periodMs: number;
  /** Drain plus reboot, until the new pod runs. */
  readonly busyMs: number;
  readonly seed: number;
  readonly untilMs: number;
}

export interface KuredResult {
  /** Per policy, when its last node was back in service; null when not by untilMs. */
  readonly finishMs: ReadonlyMap<string, number | null>;
  /** From fromMs until the last node was back; null when not every node was by untilMs. */
  readonly makespanMs: number | null;
  readonly done: number;
  readonly total: number;
}

interface Waiting {
  readonly policy: KuredPolicy;
  /** First tick times of the nodes still waiting, sorted by their phase within a period. */
  readonly firsts: number[];
  finishMs: number | null;
}

/** Runs the model until every node rebooted or `untilMs`. */
export function simulateKured(input: KuredInput): KuredResult {
  const random = seededRandom(input.seed);
  const P = input.periodMs;
  const phase = (ms: number) => (ms - input.fromMs) % P;
  const groups: Waiting[] = input.policies.map((policy) => {
    const firsts = Array.from({ length: policy.nodes }, () => input.fromMs + P / 2 + P * random());
    return { policy, firsts: firsts.sort((a, b) => phase(a) - phase(b)), finishMs: null };
  });
  const total = groups.reduce((n, g) => n + g.firsts.length, 0);
  let done = 0;
  let lockFreeMs = input.fromMs;
  for (;;) {
    let best: { group: Waiting; index: number; atMs: number } | undefined;
    for (const group of groups) {
      const found = firstTickInWindow(group, lockFreeMs, input.untilMs, P, phase, input.fromMs + 1.5 * P);
      if (found !== undefined && (best === undefined || found.atMs < best.atMs)) best = { group, ...found };
    }
    if (best === undefined) break;
    best.group.firsts.splice(best.index, 1);
    lockFreeMs = best.atMs + input.busyMs + 30_000 + 60_000 * random();
    best.group.finishMs = lockFreeMs;
    done++;
  }
  const finishMs = new Map(groups.map((g) => [g.policy.name, g.firsts.length === 0 ? g.finishMs : null]));
  const last = Math.max(input.fromMs, ...groups.map((g) => g.finishMs ?? input.fromMs));
  return { finishMs, makespanMs: done === total ? last - input.fromMs : null, done, total };
}

/** The earliest tick at or after `fromMs` of a waiting node of `g` that falls inside a window. */
function firstTickInWindow(
  g: Waiting,
  fromMs: number,
  untilMs: number,
  P: number,
  phase: (ms: number) => number,
  warmUpEndMs: number,
): { index: number; atMs: number } | undefined {
  if (g.firsts.length === 0) return undefined;
  let cursor = fromMs;
  while (cursor < untilMs) {
    const windows = g.policy.schedule.nextWindows(cursor, 16, untilMs - cursor);
    if (windows.length === 0) return undefined;
    for (const w of windows) {
      const a = Math.max(cursor, w.startMs);
      const tick = nextTick(g.firsts, a, P, phase, warmUpEndMs);
      if (tick.atMs < w.endMs) return tick.atMs <= untilMs ? tick : undefined;
    }
    cursor = windows.at(-1)!.endMs;
  }
  return undefined;
}

/** The waiting node that ticks first at or after `a`, and when. */
function nextTick(
  firsts: readonly number[],
  a: number,
  P: number,
  phase: (ms: number) => number,
  warmUpEndMs: number,
): { index: number; atMs: number } {
  const tickAfter = (first: number) => (a <= first ? first : first + Math.ceil((a - first) / P) * P);
  // Until every node's first tick has passed (3·period/2 after the start), ticks do not follow the
  // phase order yet: look at each node.
  if (a < warmUpEndMs) {
    let index = 0;
    for (let i = 1; i < firsts.length; i++) if (tickAfter(firsts[i]!) < tickAfter(firsts[index]!)) index = i;
    return { index, atMs: tickAfter(firsts[index]!) };
  }
  // Then every node ticks at its phase each period: the next tick is the first phase at or after
  // a's own, cyclically (firsts are sorted by phase).
  const want = phase(a);
  let lo = 0;
  let hi = firsts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (phase(firsts[mid]!) < want) lo = mid + 1;
    else hi = mid;
  }
  const index = lo === firsts.length ? 0 : lo;
  return { index, atMs: tickAfter(firsts[index]!) };
}
