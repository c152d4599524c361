// The reconciler's single-flight cycle runner: at most one cycle at a time. A scheduled tick that
// comes while a cycle runs is skipped (the next tick will catch up); a sync request (webhook) that
// comes while a cycle runs is coalesced into exactly one follow-up cycle, because the commit it
// announces may have been pushed after the running cycle fetched. Stopping waits for the running
// cycle up to a grace period, then aborts it. No clock reads: waiting goes through `sleep`.
import type { Clock } from '../../policy/clock.ts';

/** One cycle; it should stop early (and change nothing more) once `signal` aborts. */
export type RunCycle = (signal: AbortSignal) => Promise<void>;

/**
 * How a stop ended: nothing was running; the running cycle finished in time; it was aborted and
 * returned; or it was aborted and is still running (abandoned: it may still send a request).
 */
export type StopOutcome = 'idle' | 'finished' | 'aborted' | 'abandoned';

export class CycleRunner {
  readonly #run: RunCycle;
  readonly #clock: Clock;
  readonly #onError: (err: unknown) => void;
  #current:
    { readonly done: Promise<void>; readonly controller: AbortController; readonly sinceMs: number } | undefined;
  #followUp = false;
  #stopped = false;

  /** `onError` hears of a cycle that threw (cycles report their own failures; this is a bug). */
  constructor(run: RunCycle, clock: Clock, onError: (err: unknown) => void = () => undefined) {
    this.#run = run;
    this.#clock = clock;
    this.#onError = onError;
  }

  /** A cycle is running. */
  get busy(): boolean {
    return this.#current !== undefined;
  }

  /** When the running cycle started (undefined when idle). */
  get busySinceMs(): number | undefined {
    return this.#current?.sinceMs;
  }

  /** A scheduled tick: starts a cycle unless one runs (then skipped) or the runner stopped. */
  tick(): 'started' | 'skipped' | 'stopped' {
    if (this.#stopped) return 'stopped';
    if (this.#current) return 'skipped';
    this.#start();
    return 'started';
  }

  /** A sync request: starts a cycle now, or queues one follow-up after the running one. */
  trigger(): 'started' | 'queued' | 'stopped' {
    if (this.#stopped) return 'stopped';
    if (this.#current) {
      this.#followUp = true;
      return 'queued';
    }
    this.#start();
    return 'started';
  }

  /** Aborts the running cycle (e.g. leadership was lost) and drops a queued follow-up. */
  cancel(): void {
    this.#followUp = false;
    this.#current?.controller.abort();
  }

  /** Resolves once no cycle runs and none is queued. */
  async idle(): Promise<void> {
    while (this.#current) await this.#current.done;
  }

  /**
   * Accepts no more cycles; lets a running one finish within `graceMs`, else aborts it and waits at
   * most `abandonMs` more for it to notice.
   */
  async stop(graceMs: number, abandonMs = 5_000): Promise<StopOutcome> {
    this.#stopped = true;
    this.#followUp = false;
    const current = this.#current;
    if (!current) return 'idle';
    if (await this.#settlesWithin(current.done, graceMs)) return 'finished';
    current.controller.abort();
    return (await this.#settlesWithin(current.done, abandonMs)) ? 'aborted' : 'abandoned';
  }

  async #settlesWithin(done: Promise<void>, ms: number): Promise<boolean> {
    const timeout = new AbortController();
    const settled = await Promise.race([
      done.then(() => true),
      this.#clock.sleep(ms, timeout.signal).then(() => false),
    ]);
    timeout.abort();
    return settled;
  }

  #start(): void {
    const controller = new AbortController();
    // A rejection is a bug in the cycle; it is reported and must not stop the runner.
    const done = this.#run(controller.signal)
      .catch(this.#onError)
      .then(() => {
        this.#current = undefined;
        if (this.#followUp && !this.#stopped) {
          this.#followUp = false;
          this.#start();
        }
      });
    this.#current = { done, controller, sinceMs: this.#clock.now() };
  }
}
