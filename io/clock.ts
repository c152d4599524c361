// The real Clock: wall time and an abortable sleep on Node's timers. The agent reads time only
// through the Clock port, so tests drive it with a fake one (test/fakes/clock.ts).
import type { Clock } from '../policy/clock.ts';

/** Wall time and Node timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener('abort', done, { once: true });
    });
  },
};
