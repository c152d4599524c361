// A watch cache over an in-memory source: `list()` reads the source as it is now, listeners hear
// about changes one microtask later (like a watch event arriving after the write returned).
import type { Cache } from '../../kube/ports.ts';

export class Topic {
  #listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  publish(): void {
    if (this.#listeners.size === 0) return;
    queueMicrotask(() => {
      for (const l of [...this.#listeners]) l();
    });
  }
}

export interface FakeCacheOptions<T> {
  /** The cache stops telling once this is false (the agent holding it is gone). */
  readonly alive?: () => boolean;
  /**
   * As the real cache's quiet hint (kube/cache.ts): a change is told unless every object that
   * changed since the last look is one `quiet` judges needless (objects matched by `keyOf`).
   */
  readonly quiet?: { readonly keyOf: (o: T) => string; readonly needless: (before: T, after: T) => boolean };
}

export function fakeCache<T>(list: () => readonly T[], topic: Topic, o: FakeCacheOptions<T> = {}): Cache<T> {
  const alive = o.alive ?? (() => true);
  const listeners = new Set<() => void>();
  let stopped = false;
  let off: (() => void) | undefined;
  const quiet = o.quiet;
  let seen = quiet && new Map(list().map((x) => [quiet.keyOf(x), x]));
  /** Whether the listeners must hear of what changed since the last look (and the look is taken). */
  const worthTelling = (): boolean => {
    if (quiet === undefined || seen === undefined) return true;
    const now = new Map(list().map((x) => [quiet.keyOf(x), x]));
    let tell = now.size !== seen.size;
    for (const [key, x] of now) {
      const before = seen.get(key);
      if (before !== x && (before === undefined || !quiet.needless(before, x))) tell = true;
    }
    seen = now;
    return tell;
  };
  return {
    list: () => (stopped ? [] : list()),
    onChange(listener) {
      listeners.add(listener);
      off ??= topic.subscribe(() => {
        if (!stopped && alive() && worthTelling()) for (const l of [...listeners]) l();
      });
      return () => {
        listeners.delete(listener);
      };
    },
    stop() {
      stopped = true;
      off?.();
      listeners.clear();
    },
  };
}
