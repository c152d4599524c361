// When the coordinator's grant loop decides (loop.ts). Every change of its caches wakes it, but
// not every change as fast:
// - a grant's change (given, released, renewed; a hook Job's) is decided on 10 ms after the last
//   decision, or twice the CPU it took when that is more: a freed grant is the hand-off to the next
//   node, and its agent's writes just before the release (uncordon, record) woke decisions too;
// - a Node's change waits the paced gap: the shortest one, or 50 times the CPU the last decision
//   took when that is more. At 5,000 nodes the request refreshes alone are 17 Node changes a
//   second; changes that arrive together are decided on together, and deciding after them takes at
//   most 2% of a core, whatever the fleet's size.
import type { Clock } from '../policy/clock.ts';

const DEFAULT_MIN_GAP_MS = 100;
/** The gap after a decision, for Node changes, is at least this many times the CPU it took. */
const DUTY_FACTOR = 50;
/** The gap after a decision, for a grant's change: at least this, and this many times its CPU. */
const URGENT_MIN_GAP_MS = 10;
const URGENT_FACTOR = 2;

/** The shortest time between two decisions. */
export function minimumGap(o: { readonly minGapMs?: number }): number {
  return o.minGapMs ?? DEFAULT_MIN_GAP_MS;
}

/** How long Node changes wait after a decision that took `cpuMs` of CPU. */
export function decisionGap(o: { readonly minGapMs?: number }, cpuMs: number): number {
  return Math.max(minimumGap(o), DUTY_FACTOR * cpuMs);
}

/** How long a grant's change waits after a decision that took `cpuMs` of CPU (at most a third of a core). */
export function urgentGap(cpuMs: number): number {
  return Math.max(URGENT_MIN_GAP_MS, URGENT_FACTOR * cpuMs);
}

/** Wakes the loop on cache changes; `pokeUrgent` for the changes that do not wait the paced gap. */
export function createWaker() {
  let poked = false;
  let urgent = false;
  let wake: (() => void) | undefined;
  let wakeUrgent: (() => void) | undefined;
  return {
    poke: () => {
      poked = true;
      wake?.();
    },
    pokeUrgent: () => {
      poked = true;
      urgent = true;
      wake?.();
      wakeUrgent?.();
    },
    /** Whether a change that does not wait the paced gap came since the last `take`. */
    urgent: () => urgent,
    take: () => {
      poked = false;
      urgent = false;
    },
    /** Sleeps `ms`, or until a change (any, if one came already: returns at once). */
    async sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
      if (poked) return;
      const stop = new AbortController();
      wake = () => stop.abort();
      try {
        await clock.sleep(ms, AbortSignal.any([signal, stop.signal]));
      } finally {
        wake = undefined;
      }
    },
    /** Sleeps `ms`, or until an urgent change. */
    async pause(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
      if (urgent) return;
      const stop = new AbortController();
      wakeUrgent = () => stop.abort();
      try {
        await clock.sleep(ms, AbortSignal.any([signal, stop.signal]));
      } finally {
        wakeUrgent = undefined;
      }
    },
  };
}
