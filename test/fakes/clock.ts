// A Clock whose time moves only when the test says so. `sleep` resolves when the test advances
// past its deadline (or its signal aborts). Between timers the clock lets every pending promise
// chain run (the fakes answer through microtasks), so "advance to the next timer" is a faithful
// "nothing else can happen before then". No vi.useFakeTimers: real timers stay real.
import type { Clock } from '../../policy/clock.ts';

interface Timer {
  readonly atMs: number;
  readonly seq: number;
  readonly fire: () => void;
}

export class FakeClock implements Clock {
  #nowMs: number;
  #seq = 0;
  #timers: Timer[] = [];

  constructor(startMs: number) {
    this.#nowMs = startMs;
  }

  now(): number {
    return this.#nowMs;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const timer: Timer = {
        atMs: this.#nowMs + Math.max(0, ms),
        seq: this.#seq++,
        fire: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.#timers = this.#timers.filter((t) => t !== timer);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#timers.push(timer);
    });
  }

  /** Sleeps pending. */
  get pending(): number {
    return this.#timers.length;
  }

  /** Lets every promise chain that can run now run to its next sleep. */
  async settle(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Moves time to `targetMs`, firing due timers in order and settling after each. */
  async advanceTo(targetMs: number): Promise<void> {
    await this.settle();
    for (;;) {
      const next = this.#next();
      if (next === undefined || next.atMs > targetMs) break;
      this.#fire(next);
      await this.settle();
    }
    this.#nowMs = Math.max(this.#nowMs, targetMs);
    await this.settle();
  }

  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.#nowMs + ms);
  }

  /**
   * Runs timers in order until `done()` holds (checked after each) or time reaches `limitMs`.
   * Returns whether `done()` held. Throws when nothing is left to run: a deadlock.
   */
  async runUntil(done: () => boolean, limitMs: number): Promise<boolean> {
    await this.settle();
    while (!done()) {
      const next = this.#next();
      if (next === undefined)
        throw new Error('FakeClock.runUntil: nothing is sleeping and the condition does not hold');
      if (next.atMs > limitMs) {
        this.#nowMs = Math.max(this.#nowMs, limitMs);
        return done();
      }
      this.#fire(next);
      await this.settle();
    }
    return true;
  }

  #next(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.#timers)
      if (best === undefined || t.atMs < best.atMs || (t.atMs === best.atMs && t.seq < best.seq)) best = t;
    return best;
  }

  #fire(timer: Timer): void {
    this.#timers = this.#timers.filter((t) => t !== timer);
    this.#nowMs = Math.max(this.#nowMs, timer.atMs);
    timer.fire();
  }
}
