// When the coordinator's grant loop decides (loop.ts): woken by every change of its caches, at
// most once per gap — 100 ms, or 20 times the CPU the last decision took when that is more — so
// changes that arrive together are decided on together and deciding takes at most ~5% of a core.
import type { Clock } from '../policy/clock.ts';

const DEFAULT_MIN_GAP_MS = 100;
/** The gap after a decision is at least this many times the CPU it took. */
const DUTY_FACTOR = 20;

/** The shortest time until the next decision, after one that took `cpuMs` of CPU. */
export function decisionGap(o: { readonly minGapMs?: number }, cpuMs: number): number {
  return Math.max(o.minGapMs ?? DEFAULT_MIN_GAP_MS, DUTY_FACTOR * cpuMs);
}

/** Wakes the loop on cache changes. */
export function createWaker() {
  let poked = false;
  let wake: (() => void) | undefined;
  return {
    poke: () => {
      poked = true;
      wake?.();
    },
    take: () => {
      poked = false;
    },
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
  };
}
