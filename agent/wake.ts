// Waiting that ends early when something the agent watches changes: the loop sleeps until its
// deadline, the next sentinel check, or the next watch event, whichever comes first. A change that
// arrives while the loop is busy is remembered, so the next wait does not sleep through it.
import type { Cache } from '../kube/ports.ts';
import type { Clock } from '../policy/clock.ts';

/** Sleeping that a watched change cuts short. */
export interface Waker {
  /** Something changed: end the current wait, or skip the next one. */
  poke(): void;
  /** Forget earlier changes; call right before gathering facts. */
  take(): void;
  /** Sleeps up to `ms`; returns early on a change (or one since `take`) or when `signal` aborts. */
  sleep(ms: number): Promise<void>;
}

/** A Waker on `clock`; every sleep ends when `signal` aborts. */
export function createWaker(clock: Clock, signal: AbortSignal): Waker {
  let dirty = false;
  let current: AbortController | null = null;
  return {
    poke() {
      dirty = true;
      current?.abort();
    },
    take() {
      dirty = false;
    },
    async sleep(ms) {
      if (dirty || signal.aborted) return;
      const controller = new AbortController();
      current = controller;
      try {
        await clock.sleep(ms, AbortSignal.any([signal, controller.signal]));
      } finally {
        if (current === controller) current = null;
      }
    },
  };
}

/**
 * Resolves once `ok()` holds — checked now and after every change of `cache` — or after
 * `timeoutMs`. Used after the agent's own writes, so its next decision sees them even when the
 * watch lags; after a timeout the loop simply decides again from what it sees.
 */
export async function untilSeen<T>(
  clock: Clock,
  cache: Cache<T>,
  ok: () => boolean,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  if (ok()) return;
  const controller = new AbortController();
  const off = cache.onChange(() => {
    if (ok()) controller.abort();
  });
  try {
    if (!ok()) await clock.sleep(timeoutMs, AbortSignal.any([signal, controller.signal]));
  } finally {
    off();
  }
}
