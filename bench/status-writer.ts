// Kubelet-rate Node writes for the benches: every node of a growing list written once per period,
// spread evenly and paced by the clock (not by the previous write's answer, so a slow API server
// does not quietly lower the rate), with a cap on writes in flight. What each write carries is the
// caller's; how many were made and how many were skipped at the cap is counted, so the rate the
// bench reached can be reported beside the rate it asked for.
import { setTimeout as sleep } from 'node:timers/promises';

export interface StatusWriter {
  /** Writes made (answered, whatever the answer) so far. */
  readonly done: () => number;
  /** Writes skipped so far because `maxInFlight` were still unanswered. */
  readonly skipped: () => number;
  stop(): void;
}

/** Writes `write(names[i])` for i = 0, 1, ... round-robin, `names.length` writes per `periodMs`. */
export function startStatusWriter(o: {
  readonly names: readonly string[];
  readonly periodMs: number;
  readonly write: (name: string) => Promise<unknown>;
  readonly maxInFlight?: number;
}): StatusWriter {
  const stop = new AbortController();
  const cap = o.maxInFlight ?? 32;
  let done = 0;
  let skipped = 0;
  let inFlight = 0;
  void (async () => {
    let next = 0;
    let owedMs = Date.now();
    while (!stop.signal.aborted) {
      // Due: every write whose turn has come since the last tick, at the list's current length.
      const each = o.periodMs / Math.max(1, o.names.length);
      while (owedMs <= Date.now()) {
        owedMs += each;
        const name = o.names[next++ % o.names.length]!;
        if (inFlight >= cap) {
          skipped++;
          continue;
        }
        inFlight++;
        void o
          .write(name)
          .catch(() => undefined)
          .finally(() => {
            inFlight--;
            done++;
          });
      }
      await sleep(50, undefined, { signal: stop.signal }).catch(() => undefined);
    }
  })();
  return { done: () => done, skipped: () => skipped, stop: () => stop.abort() };
}
